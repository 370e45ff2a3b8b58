package org.murder.core.io;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.murder.core.MurderException;

/**
 * Writes that never leave a half-written file in place of a good one: write to a temporary name
 * in the same directory, then rename over the target.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /**
     * Removes temporary siblings of {@code target} untouched for {@code olderThan}: what a process
     * killed outright (SIGKILL: no hook ran) left while writing it. A writer alive now touches its
     * own often. Returns how many it removed.
     */
    public static int sweepAbandoned(Path target, java.time.Duration olderThan, java.time.Clock clock) {
        Path dir = target.toAbsolutePath().getParent();
        int removed = 0;
        if (dir == null) {
            return 0;
        }
        java.time.Instant before = clock.instant().minus(olderThan);
        try (java.nio.file.DirectoryStream<Path> entries = Files.newDirectoryStream(dir, p -> isTemporarySibling(p, target))) {
            for (Path p : entries) {
                if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                        && Files.getLastModifiedTime(p, java.nio.file.LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(before)
                        && Files.deleteIfExists(p)) {
                    removed++;
                }
            }
        } catch (IOException | java.nio.file.DirectoryIteratorException e) {
            return removed; // best effort: the write itself goes on
        }
        return removed;
    }

    /**
     * A fresh temporary path beside {@code target}: {@code .NAME.RANDOM.partial}, readable by all
     * (rw-r--r--) like a file made by a shell, not the owner-only mode of a temporary file.
     */
    public static Path temporarySibling(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".partial");
        try {
            Files.setPosixFilePermissions(temp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: keep its default
        } catch (IOException e) {
            deleteQuietly(temp);
            throw e;
        }
        return temp;
    }

    /**
     * Creates and removes a {@link #temporarySibling} of {@code target}: fails as writing it would
     * (a directory's mode, a read-only mount, a full disk), before any work is done for it.
     */
    public static void probeWrite(Path target) throws IOException {
        Files.delete(temporarySibling(target));
    }

    /** Whether {@code file} is (named as) a {@link #temporarySibling} of {@code target}: an error about it is one about target. */
    public static boolean isTemporarySibling(Path file, Path target) {
        Path dir = target.toAbsolutePath().getParent();
        String name = file.getFileName() == null ? "" : file.getFileName().toString();
        String prefix = "." + target.getFileName() + ".";
        // the middle is createTempFile's random number: .v42.torrent.123.partial is not a temporary of v42
        return dir != null && dir.equals(file.toAbsolutePath().getParent()) && name.startsWith(prefix) && name.endsWith(".partial")
                && name.substring(prefix.length(), name.length() - ".partial".length()).matches("\\d+");
    }

    /** Moves {@code temp} to {@code target} atomically, replacing it only when {@code replace}. */
    public static void commit(Path temp, Path target, boolean replace) throws IOException {
        if (!replace && Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(target.toString());
        }
        if (replace && Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                && !Files.isRegularFile(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                && !Files.isSymbolicLink(target)) { // a device (--out /dev/null --force, as root), a FIFO, a directory: never replaced
            throw new java.nio.file.FileSystemException(target.toString(), null,
                    "not a regular file (a device, a FIFO, a socket or a directory), not replaced even when told to replace");
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Puts each of {@code temps} in place of the target at the same index ({@link #commit}), all or none:
     * a target that exists gets a second name first ({@link #setAside}), and if a later one cannot be put in place (an immutable
     * file, a sticky directory's file of another owner, a device) every target is as it was, so that files
     * made together (an archive, its md5 and its torrent) never mix two makings. A process killed between
     * two renames can still leave some new and some old, the old ones beside them as temporary siblings.
     */
    public static void commitAll(java.util.List<Path> temps, java.util.List<Path> targets, boolean replace) throws IOException {
        if (temps.size() != targets.size()) {
            throw new IllegalArgumentException(temps.size() + " temporaries for " + targets.size() + " targets");
        }
        Path[] aside = new Path[temps.size()];
        int placed = 0;
        try {
            for (int i = 0; i < temps.size(); i++) {
                Path target = targets.get(i);
                if (replace && (Files.isRegularFile(target, java.nio.file.LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(target))) {
                    aside[i] = setAside(target);
                }
                commit(temps.get(i), target, replace);
                placed++;
            }
        } catch (IOException | RuntimeException e) {
            for (int i = Math.min(placed, temps.size() - 1); i >= 0; i--) {
                try {
                    if (aside[i] != null && Files.exists(targets.get(i), java.nio.file.LinkOption.NOFOLLOW_LINKS)
                            && Files.isSameFile(aside[i], targets.get(i))) {
                        Files.delete(aside[i]); // the old one is still in place (rename would keep both names of it)
                    } else if (aside[i] != null) {
                        Files.move(aside[i], targets.get(i), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    } else if (i < placed) {
                        Files.deleteIfExists(targets.get(i)); // new: there was none before
                    }
                } catch (IOException undo) {
                    e.addSuppressed(undo);
                }
            }
            throw e;
        }
        for (Path backup : aside) {
            deleteQuietly(backup);
        }
    }

    /**
     * A second name for {@code target} beside it (a hard link: the target stays in place for readers, and
     * a process killed now leaves it as it was), or, where the file system has no hard links, the target
     * itself moved there.
     */
    private static Path setAside(Path target) throws IOException {
        Path backup = temporarySibling(target);
        try {
            Files.delete(backup);
            Files.createLink(backup, target);
            return backup;
        } catch (UnsupportedOperationException | java.nio.file.FileSystemException linkFailed) {
            deleteQuietly(backup);
        }
        backup = temporarySibling(target);
        try {
            Files.move(target, backup, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            deleteQuietly(backup);
            throw e;
        }
        return backup;
    }

    /** Writes {@code bytes} to {@code target} through a temporary sibling. */
    public static void write(Path target, byte[] bytes, boolean replace) {
        Path temp = null;
        try {
            temp = temporarySibling(target);
            Files.write(temp, bytes);
            commit(temp, target, replace);
        } catch (FileAlreadyExistsException e) {
            deleteQuietly(temp);
            throw MurderException.badInput(target + ": already exists (expected: a new path, or --force)");
        } catch (IOException e) {
            deleteQuietly(temp);
            // the reason alone: the exception names the temporary file, a new random name each time
            throw MurderException.failure("write " + org.murder.core.Printable.escape(target.toString()) + ": " + IoErrors.reason(e), e);
        }
    }

    /**
     * Writes {@code bytes} to a temporary sibling of {@code target} now (where a full disk or a
     * read-only mount fails) and puts it in place only at {@link Staged#commit}: a rename, which
     * needs no room for data. Closing an uncommitted one removes it.
     */
    public static Staged stage(Path target, byte[] bytes) {
        Path temp = null;
        try {
            temp = temporarySibling(target);
            Files.write(temp, bytes);
            return new Staged(temp, target);
        } catch (IOException e) {
            deleteQuietly(temp);
            throw MurderException.failure("write " + org.murder.core.Printable.escape(target.toString()) + ": " + IoErrors.reason(e), e);
        }
    }

    /** A file written beside its target, not in place yet ({@link #stage}). */
    public static final class Staged implements AutoCloseable {
        private final Path temp;
        private final Path target;
        private boolean committed;

        private Staged(Path temp, Path target) {
            this.temp = temp;
            this.target = target;
        }

        /** Renames it over the target. */
        public void commit() {
            try {
                AtomicFiles.commit(temp, target, true);
                committed = true;
            } catch (IOException e) {
                throw MurderException.failure("write " + org.murder.core.Printable.escape(target.toString()) + ": "
                        + IoErrors.reason(e), e);
            }
        }

        @Override
        public void close() {
            if (!committed) {
                deleteQuietly(temp);
            }
        }
    }

    /**
     * Checks, before any work, that {@code file} (given with {@code option}) can be written later:
     * its directory exists and it is not a directory itself. {@code expectedFile} says what it is for.
     */
    public static void checkTarget(Path file, String option, String expectedFile) {
        Path absolute = file.toAbsolutePath();
        Path dir = absolute.getParent();
        String shown = option + " " + org.murder.core.Printable.escape(file.toString());
        if (Files.isDirectory(absolute)) {
            throw MurderException.badInput(shown + ": is a directory (expected: " + expectedFile + ")");
        }
        if (dir == null || !Files.isDirectory(dir)) {
            throw MurderException.badInput(shown + ": no directory " + org.murder.core.Printable.escape(String.valueOf(dir))
                    + " (expected: a file in an existing directory)");
        }
        checkWritable(absolute, shown, "a directory this user can write, for " + expectedFile);
    }

    /**
     * Refuses (bad input) a {@code target} whose directory this user cannot create files in (its
     * mode, a read-only mount, a full disk): written as a temporary sibling renamed into place, it
     * would fail every write after the work started. {@code shown} names it in the message.
     */
    public static void checkWritable(Path target, String shown, String expected) {
        try {
            probeWrite(target);
        } catch (IOException e) {
            throw MurderException.badInput(shown + ": cannot write in "
                    + org.murder.core.Printable.escape(String.valueOf(target.toAbsolutePath().getParent())) + ": " + IoErrors.reason(e)
                    + " (expected: " + expected + ")");
        }
    }

    public static void deleteQuietly(Path path) {
        if (path != null) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException ignored) {
                // best effort: the caller is already reporting the real failure
            }
        }
    }
}
