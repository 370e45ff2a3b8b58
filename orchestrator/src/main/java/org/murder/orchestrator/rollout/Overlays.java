package org.murder.orchestrator.rollout;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.murder.core.MurderException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Files that differ per node or environment, copied into a new release before {@code current}
 * switches, so that the switch stays atomic and a rollback brings the old overlays back with the
 * old release. In order, a later one winning: the release's {@code overlays/ROLE/} for each role of
 * the host, its {@code overlays/HOST/}, then the host's own overlay directory's {@code ROLE/} and
 * {@code HOST/} (the agent's {@code --overlay-dir}). Only regular files and directories are
 * copied; nothing is written through a symbolic link of the release (an overlay for {@code conf/x}
 * where the release's {@code conf} is a link is refused).
 */
public final class Overlays {
    private static final Logger LOG = LoggerFactory.getLogger(Overlays.class);
    private static final java.security.SecureRandom STAGING = new java.security.SecureRandom();
    public static final String DIR = "overlays";

    private Overlays() {
    }

    /**
     * The overlay directories for this host, in the order they apply; missing ones left out. One that is
     * there but not a directory (a file, or a symbolic link, which is not followed: the release's could
     * name any directory of the host) is refused: left out, the host ran without its overlay and said nothing.
     */
    public static List<Path> sources(Path release, Optional<Path> hostDir, List<String> roles, String host) {
        List<Path> out = new ArrayList<>();
        for (Path base : hostDir.isPresent() ? List.of(release.resolve(DIR), hostDir.get()) : List.of(release.resolve(DIR))) {
            for (String name : roles) {
                out.add(base.resolve(checkedName(name, "role")));
            }
            out.add(base.resolve(checkedName(host, "host")));
        }
        List<Path> present = new ArrayList<>();
        for (Path p : out) {
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                present.add(p);
            } else if (Files.isSymbolicLink(p)) {
                throw MurderException.failure("overlay " + org.murder.core.Printable.escape(p.toString()) + ": a symbolic link"
                        + " (expected: a directory; links are not followed)", null);
            } else if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                throw MurderException.failure("overlay " + org.murder.core.Printable.escape(p.toString()) + ": not a directory"
                        + " (expected: a directory of files to copy into the release)", null);
            }
        }
        return present;
    }

    /** A role's or host's name as a directory below an overlay directory: one name, never '.' or '..'. */
    private static String checkedName(String name, String what) {
        if (name.isEmpty() || name.equals(".") || name.equals("..") || name.contains("/") || name.contains("\0")) {
            throw MurderException.failure(what + " '" + org.murder.core.Printable.escape(name) + "': not a name for an overlay"
                    + " directory (expected: letters, digits, '.', '_' or '-', not '.' or '..')", null);
        }
        return name;
    }

    /** Applies {@link #sources} to {@code release}; returns how many files were copied. */
    public static int apply(Path release, Optional<Path> hostDir, List<String> roles, String host) {
        int copied = 0;
        for (Path source : sources(release, hostDir, roles, host)) {
            // the host's own overlays (--overlay-dir), not the release's: those the agent unpacked itself
            copied += copyInto(source, release, !source.startsWith(release));
            LOG.info("[release={}] overlay {} applied", release.getFileName(), source);
        }
        return copied;
    }

    private static int copyInto(Path source, Path release, boolean ownersChecked) {
        int[] copied = {0};
        try {
            Files.walkFileTree(source, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    // a directory another user owns or may write lets them put files (a murder.hooks too) into every release
                    if (ownersChecked) {
                        org.murder.core.io.FileModes.refuseFillableByOthers(dir, "overlay directory");
                    }
                    Path target = target(source, dir, release);
                    if (!dir.equals(source)) {
                        if (Files.isSymbolicLink(target)) {
                            throw refuse(target);
                        }
                        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                            throw clash(target, "a file in the release where the overlay has a directory");
                        }
                        Files.createDirectories(target);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    if (!attrs.isRegularFile()) {
                        LOG.warn("overlay {}: not a regular file, left out", file);
                        return FileVisitResult.CONTINUE;
                    }
                    Path target = target(source, file, release);
                    if (Files.isSymbolicLink(target)) {
                        throw refuse(target);
                    }
                    if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                        throw clash(target, "a directory in the release where the overlay has a file");
                    }
                    // a name of its own, made anew: a fixed '.NAME.overlay' replaced a release file of that name without a word
                    Path tmp = target.resolveSibling("." + target.getFileName() + ".mo" // 10 bytes more than the name (9 before)
                            + Integer.toString(STAGING.nextInt(1 << 30) | (1 << 30), 36).substring(0, 6));
                    try {
                        // with its owner (an application's secrets, readable by it alone), rwx bits and mtime; never setuid
                        // or setgid (the rwx bits set again clear them)
                        Files.copy(file, tmp, StandardCopyOption.COPY_ATTRIBUTES);
                        Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(file));
                        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    } catch (java.nio.file.FileAlreadyExistsException e) {
                        throw e; // not ours (a release file of that very name): left alone, the overlay fails naming it
                    } catch (IOException e) {
                        try { // never left in the release: a later deploy of the tag would activate it
                            Files.deleteIfExists(tmp);
                        } catch (IOException cleanup) {
                            e.addSuppressed(cleanup);
                        }
                        throw e;
                    }
                    copied[0]++;
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw MurderException.failure("overlay " + org.murder.core.Printable.escape(source.toString()) + " into " + release + ": "
                    + (e.getMessage() != null && e.getMessage().contains("(expected:") ? org.murder.core.Printable.escape(e.getMessage())
                            : org.murder.core.io.IoErrors.describe(e) + " (expected: the overlay's files over the release's files,"
                                    + " its directories over its directories)"), e);
        }
        return copied[0];
    }

    /** Where {@code file} of {@code source} goes in {@code release}, every directory on the way checked not to be a link. */
    private static Path target(Path source, Path file, Path release) throws IOException {
        Path relative = source.relativize(file);
        Path at = release;
        for (int i = 0; i < relative.getNameCount() - 1; i++) {
            at = at.resolve(relative.getName(i));
            if (Files.isSymbolicLink(at)) {
                throw refuse(at);
            }
        }
        return release.resolve(relative);
    }

    private static IOException clash(Path target, String what) {
        return new IOException(target + ": " + what + " (expected: the overlay's files over the release's files, its"
                + " directories over its directories)");
    }

    private static IOException refuse(Path link) {
        return new IOException(link + " is a symbolic link in the release (expected: overlays write only into the release's own"
                + " files and directories)");
    }
}
