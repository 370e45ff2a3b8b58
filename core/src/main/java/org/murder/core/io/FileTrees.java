package org.murder.core.io;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/** Whole file trees. */
public final class FileTrees {
    private FileTrees() {
    }

    /**
     * Deletes {@code root} and everything below it. Symbolic links are deleted, never followed;
     * directories without write permission (a release may hold {@code 0555} ones) are opened up first.
     *
     * <p>Below {@code root}'s parent, every step is taken relative to a directory already open
     * ({@code openat}, {@code unlinkat} with {@code O_NOFOLLOW}: a {@link SecureDirectoryStream}), so
     * a directory swapped for a symbolic link while the tree is deleted (by whoever can write inside
     * it) is refused, never followed: an agent that prunes a release cannot be led to delete
     * anything outside it. Where the platform has no such stream, the tree is walked by path.
     */
    public static void deleteRecursively(Path root) throws IOException {
        Path absolute = root.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        if (parent == null) {
            throw new IOException(root + ": refusing to delete the root directory");
        }
        if (!Files.exists(absolute, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (DirectoryStream<Path> open = Files.newDirectoryStream(parent)) {
            if (open instanceof SecureDirectoryStream<Path> secure) {
                deleteChild(secure, absolute);
                return;
            }
        }
        deleteByPath(absolute);
    }

    /**
     * Deletes {@code path}, an entry of the open directory {@code parent}, and, when it is a
     * directory, everything below it, each step relative to an open directory (see
     * {@link #deleteRecursively}). Gone already is fine.
     */
    public static void deleteChild(SecureDirectoryStream<Path> parent, Path path) throws IOException {
        deleteChild(parent, path, p -> { });
    }

    /** What a test does to a directory between the look at it and the descent into it. */
    interface BeforeDescent {
        void at(Path directory) throws IOException;
    }

    static void deleteChild(SecureDirectoryStream<Path> parent, Path path, BeforeDescent beforeDescent) throws IOException {
        Path name = path.getFileName();
        BasicFileAttributes attributes;
        try {
            attributes = parent.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
        } catch (NoSuchFileException gone) {
            return;
        }
        try {
            if (!attributes.isDirectory()) {
                parent.deleteFile(name);
                return;
            }
            openUp(parent, path);
            beforeDescent.at(path);
            // O_NOFOLLOW: a directory swapped for a link since its attributes were read fails here (ELOOP)
            try (SecureDirectoryStream<Path> dir = parent.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
                for (Path entry : dir) {
                    deleteChild(dir, entry, beforeDescent);
                }
            }
            parent.deleteDirectory(name);
        } catch (NoSuchFileException gone) {
            // removed meanwhile: what we wanted
        }
    }

    /** Gives the owner read, write and search permission on the directory {@code path}, an entry of {@code parent}, when it lacks some. */
    private static void openUp(SecureDirectoryStream<Path> parent, Path path) throws IOException {
        PosixFileAttributeView view = parent.getFileAttributeView(path.getFileName(), PosixFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        if (view == null) {
            return;
        }
        java.nio.file.attribute.PosixFileAttributes attributes = view.readAttributes();
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        perms.addAll(attributes.permissions());
        if (!perms.addAll(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE))) {
            return;
        }
        try {
            view.setPermissions(perms); // opens the directory first (O_RDONLY): refused when its owner may not read it
        } catch (java.nio.file.AccessDeniedException unreadable) {
            // chmod(2) by path, which would follow a link swapped in meanwhile: only on a directory of our own (another
            // user's could be swapped by that user for a link to one of ours); the O_NOFOLLOW open after refuses to go in
            if (attributes.owner().getName().equals(System.getProperty("user.name"))) {
                Files.setPosixFilePermissions(path, perms);
            }
        }
    }

    private static void deleteByPath(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
                perms.addAll(Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS));
                if (perms.addAll(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                        PosixFilePermission.OWNER_EXECUTE))) {
                    Files.setPosixFilePermissions(dir, perms);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

}
