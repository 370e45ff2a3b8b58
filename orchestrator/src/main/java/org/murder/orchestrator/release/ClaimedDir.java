package org.murder.orchestrator.release;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A scratch directory {@code PREFIX<random>} that a process fills before moving its content into
 * place: the deploy host's {@code .<tag>.pending-*} where a deploy packs its release, an agent's
 * {@code releases/.<tag>.partial-*} where it unpacks one. Its maker holds a lock on a file inside
 * it while it lives, so a directory left by a process that was killed (SIGKILL, a power cut: no hook
 * ran) is known by its free lock and removed by the next {@link #sweep}; a directory another live
 * process fills now is left alone.
 */
public final class ClaimedDir implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClaimedDir.class);
    /** The file whose lock says the directory's maker is alive. */
    public static final String LOCK_FILE = ".lock";
    /**
     * A directory without a lock file (its maker was killed between making it and locking, or it
     * predates the lock) is removed once it is this old.
     */
    public static final Duration UNLOCKED_AGE = Duration.ofHours(1);
    /**
     * A lock file younger than this is left even when its lock is free: its maker may have made it
     * and not locked it yet.
     */
    public static final Duration NEW_LOCK_FILE = Duration.ofMinutes(1);
    /**
     * The directories this process holds: never opened by {@link #sweep}, since closing any channel
     * on a file lets go of every lock the process holds on it (POSIX record locks).
     */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    static {
        try { // stopped with SIGTERM or Ctrl-C: what this process held goes with it (a SIGKILL leaves it to the next sweep)
            Runtime.getRuntime().addShutdownHook(new Thread(() -> HELD.forEach(ClaimedDir::removeWhileStopping), "murder-claimed-cleanup"));
        } catch (IllegalStateException shuttingDown) {
            // loaded while the JVM stops: nothing held yet
        }
    }

    private final Path dir;
    /** {@link #dir}'s real path: its key in {@link #HELD}. */
    private final Path held;
    private final FileChannel channel;

    private ClaimedDir(Path dir, Path held, FileChannel channel) {
        this.dir = dir;
        this.held = held;
        this.channel = channel;
    }

    /**
     * Removes {@code dir} while a thread of this process may still be writing into it (an unpack):
     * renamed first, so that its next file made by path fails and it stops adding entries under
     * what is being deleted; the new name still matches the sweep's, should the removal fail.
     */
    private static void removeWhileStopping(Path dir) {
        Path stopped = dir.resolveSibling(dir.getFileName() + "-stopped");
        try {
            Files.move(dir, stopped, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            stopped = dir;
        }
        Trees.deleteQuietly(stopped);
    }

    /** Makes a new directory {@code PREFIX<random>} in {@code parent}, locked by this process. */
    public static ClaimedDir create(Path parent, String prefix) throws IOException {
        Path dir = Files.createTempDirectory(parent, prefix);
        Path held = dir.toRealPath(); // one name whatever the spelling (a DEST reached through a link, say)
        HELD.add(held); // before the lock file exists: a sweep in this process never opens it
        FileChannel channel = null;
        try {
            channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            if (channel.tryLock() == null) {
                throw new IOException(dir + ": could not lock " + LOCK_FILE);
            }
            return new ClaimedDir(dir, held, channel);
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            Trees.deleteQuietly(dir);
            HELD.remove(held);
            throw e;
        }
    }

    /** The directory (with the lock file in it). */
    public Path dir() {
        return dir;
    }

    /** Removes the directory and what is left in it, and lets go of its lock. */
    @Override
    public void close() {
        Trees.deleteQuietly(dir);
        closeQuietly(channel);
        HELD.remove(held);
    }

    /**
     * Removes the directories in {@code parent} named like {@code glob} whose maker is gone: their
     * lock is free (held by no process) and their lock file older than {@link #NEW_LOCK_FILE}, or
     * they have no lock file and are older than {@link #UNLOCKED_AGE}. {@code leftBy} says who left
     * them, for the log ("a deploy that was stopped before it finished packing"). Returns how many
     * it removed; a directory it cannot read or remove is left with a warning, and the others are
     * still looked at. Only directories are looked at, never followed through a link.
     */
    public static int sweep(Path parent, String glob, String leftBy, Clock clock) {
        int removed = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(parent, glob)) {
            for (Path entry : entries) {
                removed += sweepOne(entry, leftBy, clock) ? 1 : 0;
            }
        } catch (NoSuchFileException absent) {
            return 0;
        } catch (IOException | java.nio.file.DirectoryIteratorException e) {
            LOG.warn("could not look for leftover {} directories in {}: {}", glob, parent, e.toString());
        }
        return removed;
    }

    private static boolean sweepOne(Path entry, String leftBy, Clock clock) {
        try {
            if (!Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS) || !abandoned(entry, clock)) {
                return false;
            }
        } catch (NoSuchFileException gone) {
            return false; // its maker finished and removed it while we looked
        } catch (IOException e) {
            LOG.warn("left {}: could not tell whether its maker is alive: {}", entry, e.toString());
            return false;
        }
        Trees.deleteQuietly(entry);
        if (Files.exists(entry, LinkOption.NOFOLLOW_LINKS)) {
            LOG.warn("could not remove {}, left by {}", entry, leftBy);
            return false;
        }
        LOG.info("removed {}: left by {}", entry, leftBy);
        return true;
    }

    private static boolean abandoned(Path dir, Clock clock) throws IOException {
        if (HELD.contains(dir.toRealPath())) {
            return false; // this process fills it
        }
        Path lockFile = dir.resolve(LOCK_FILE);
        Instant now = clock.instant();
        if (!Files.isRegularFile(lockFile, LinkOption.NOFOLLOW_LINKS)) {
            Instant modified = Files.getLastModifiedTime(dir, LinkOption.NOFOLLOW_LINKS).toInstant();
            return modified.plus(UNLOCKED_AGE).isBefore(now);
        }
        Instant made = Files.getLastModifiedTime(lockFile, LinkOption.NOFOLLOW_LINKS).toInstant();
        if (!made.plus(NEW_LOCK_FILE).isBefore(now)) {
            return false; // its maker may be about to lock it
        }
        // a shared lock, on a channel opened for reading: it needs no write permission, and fails while the maker holds its own
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            FileLock lock = channel.tryLock(0, Long.MAX_VALUE, true);
            return lock != null; // released with the channel
        } catch (OverlappingFileLockException ours) {
            return false;
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("closing a claimed directory's lock: {}", e.toString());
        }
    }
}
