package org.murder.maker;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Opens the files of a tree being packed by their names below its root, one directory at a time
 * ({@code openat} with {@code O_NOFOLLOW}, through {@link SecureDirectoryStream}): a directory or
 * file swapped for a symbolic link after the listing is refused, never read through, wherever it is
 * on the path (root packing a tree others can write would otherwise ship what the link names). A
 * file that is no longer a regular file is refused before it is opened, so a FIFO put in its place
 * does not block the packing. The root itself is the operator's and may be a link. Files come in
 * the listing's order, so the directories they share stay open between them. Not thread-safe.
 */
final class NoFollowReader implements Closeable {
    private static final String CHANGED = " (expected: the file listed when packing began; the release changed while it was packed)";

    private final Path root;
    /** The open directories from the root down: names.get(i) is the name of open.get(i + 1). */
    private final List<SecureDirectoryStream<Path>> open = new ArrayList<>();
    private final List<String> names = new ArrayList<>();

    private NoFollowReader(Path root, SecureDirectoryStream<Path> top) {
        this.root = root;
        open.add(top);
    }

    /** A reader below {@code root}; empty where the file system gives no {@link SecureDirectoryStream}. */
    static java.util.Optional<NoFollowReader> of(Path root) throws IOException {
        DirectoryStream<Path> top = Files.newDirectoryStream(root);
        if (top instanceof SecureDirectoryStream<Path> secure) {
            return java.util.Optional.of(new NoFollowReader(root, secure));
        }
        top.close();
        return java.util.Optional.empty();
    }

    /** Opens {@code name} ('/'-separated, below the root) for reading. */
    InputStream open(String name) throws IOException {
        String[] parts = name.split("/");
        int keep = 0;
        while (keep < names.size() && keep < parts.length - 1 && names.get(keep).equals(parts[keep])) {
            keep++;
        }
        while (names.size() > keep) {
            names.remove(names.size() - 1);
            open.remove(open.size() - 1).close();
        }
        Path at = root;
        for (int i = 0; i < keep; i++) {
            at = at.resolve(parts[i]);
        }
        for (int i = keep; i < parts.length - 1; i++) {
            at = at.resolve(parts[i]);
            SecureDirectoryStream<Path> dir = open.get(open.size() - 1);
            BasicFileAttributes a = attributes(dir, parts[i], at);
            if (!a.isDirectory()) {
                throw changed(at, kind(a));
            }
            open.add(dir.newDirectoryStream(Path.of(parts[i]), LinkOption.NOFOLLOW_LINKS)); // a link swapped in since: ELOOP
            names.add(parts[i]);
        }
        Path file = at.resolve(parts[parts.length - 1]);
        SecureDirectoryStream<Path> dir = open.get(open.size() - 1);
        BasicFileAttributes a = attributes(dir, parts[parts.length - 1], file);
        if (!a.isRegularFile()) {
            throw changed(file, kind(a));
        }
        try {
            return Channels.newInputStream(dir.newByteChannel(Path.of(parts[parts.length - 1]),
                    Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)));
        } catch (IOException e) {
            throw unreadable(file, e);
        }
    }

    private static BasicFileAttributes attributes(SecureDirectoryStream<Path> dir, String name, Path shown) throws IOException {
        try {
            return dir.getFileAttributeView(Path.of(name), BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
        } catch (IOException e) {
            throw unreadable(shown, e);
        }
    }

    /**
     * {@code path} could not be opened or read: gone since the listing (a change), or there and unreadable
     * (permission denied, an I/O error), which is not a change of the release and is not said to be one.
     */
    static FileSystemException unreadable(Path path, IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException || e instanceof java.nio.file.NotDirectoryException) {
            return changed(path, "removed");
        }
        String expected = e instanceof java.nio.file.AccessDeniedException ? " (expected: a file this user can read)"
                : " (expected: a file that can be read)";
        return new FileSystemException(path.toString(), null, org.murder.core.io.IoErrors.reason(e) + expected);
    }

    private static String kind(BasicFileAttributes a) {
        return a.isSymbolicLink() ? "now a symbolic link" : a.isDirectory() ? "now a directory" : a.isRegularFile() ? "a regular file"
                : "now a special file (a FIFO, socket or device)";
    }

    /** {@code path} is not what was listed: {@code now} says what it is. */
    static FileSystemException changed(Path path, String now) {
        return new FileSystemException(path.toString(), null, now + CHANGED);
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (SecureDirectoryStream<Path> d : open) {
            try {
                d.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        open.clear();
        names.clear();
        if (first != null) {
            throw first;
        }
    }
}
