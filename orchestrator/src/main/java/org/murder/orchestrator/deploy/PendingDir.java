package org.murder.orchestrator.deploy;

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
import org.murder.orchestrator.release.Trees;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The directory {@code .<tag>.pending-<random>} in the deploy host's work directory where a deploy
 * packs its release before moving it into place. The deploy holds a lock on a file inside it while
 * it lives, so a directory left by a deploy that was killed (SIGKILL, a power cut: no hook ran) is
 * known by its free lock and removed by the next deploy's {@link #sweep}; a directory another deploy
 * is packing into now is left alone.
 */
final class PendingDir implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PendingDir.class);
    /** The file whose lock says the directory's deploy is alive. */
    static final String LOCK_FILE = ".lock";
    /**
     * A pending directory without a lock file (its deploy was killed between making it and locking,
     * or it predates the lock) is removed once it is this old.
     */
    static final Duration UNLOCKED_AGE = Duration.ofHours(1);
    /**
     * A lock file younger than this is left even when its lock is free: its deploy may have made it
     * and not locked it yet.
     */
    static final Duration NEW_LOCK_FILE = Duration.ofMinutes(1);
    /**
     * The directories this process holds: never opened by {@link #sweep}, since closing any channel
     * on a file lets go of every lock the process holds on it (POSIX record locks).
     */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path dir;
    private final FileChannel channel;

    private PendingDir(Path dir, FileChannel channel) {
        this.dir = dir;
        this.channel = channel;
    }

    /** Makes a new pending directory for {@code tag} in {@code workDir}, locked by this process. */
    static PendingDir create(Path workDir, String tag) throws IOException {
        Path dir = Files.createTempDirectory(workDir, prefix(tag));
        Path held = dir.toAbsolutePath().normalize();
        HELD.add(held); // before the lock file exists: a sweep in this process never opens it
        FileChannel channel = null;
        try {
            channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            if (channel.tryLock() == null) {
                throw new IOException(dir + ": could not lock " + LOCK_FILE);
            }
            return new PendingDir(dir, channel);
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            Trees.deleteQuietly(dir);
            HELD.remove(held);
            throw e;
        }
    }

    /** Where the release is packed. */
    Path dir() {
        return dir;
    }

    /** Removes the directory and what is left in it, and lets go of its lock. */
    @Override
    public void close() {
        Trees.deleteQuietly(dir);
        closeQuietly(channel);
        HELD.remove(dir.toAbsolutePath().normalize());
    }

    /**
     * Removes the pending directories in {@code workDir} whose deploy is gone: their lock is free
     * (held by no process) and their lock file older than {@link #NEW_LOCK_FILE}, or they have no
     * lock file and are older than {@link #UNLOCKED_AGE}. Returns how many it removed; a directory
     * it cannot read or remove is left with a warning, and the others are still looked at.
     */
    static int sweep(Path workDir, Clock clock) {
        int removed = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(workDir, ".*.pending-*")) {
            for (Path entry : entries) {
                removed += sweepOne(entry, clock) ? 1 : 0;
            }
        } catch (NoSuchFileException absent) {
            return 0;
        } catch (IOException | java.nio.file.DirectoryIteratorException e) {
            LOG.warn("could not look for leftover pending directories in {}: {}", workDir, e.toString());
        }
        return removed;
    }

    private static boolean sweepOne(Path entry, Clock clock) {
        try {
            if (!Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS) || !abandoned(entry, clock)) {
                return false;
            }
        } catch (NoSuchFileException gone) {
            return false; // its deploy finished and removed it while we looked
        } catch (IOException e) {
            LOG.warn("left {}: could not tell whether its deploy is alive: {}", entry, e.toString());
            return false;
        }
        Trees.deleteQuietly(entry);
        if (Files.exists(entry, LinkOption.NOFOLLOW_LINKS)) {
            LOG.warn("could not remove {}, left by a deploy that was stopped before it finished packing", entry);
            return false;
        }
        LOG.info("removed {}: left by a deploy that was stopped before it finished packing", entry);
        return true;
    }

    private static boolean abandoned(Path dir, Clock clock) throws IOException {
        if (HELD.contains(dir.toAbsolutePath().normalize())) {
            return false; // a deploy in this process packs into it
        }
        Path lockFile = dir.resolve(LOCK_FILE);
        Instant now = clock.instant();
        if (!Files.isRegularFile(lockFile, LinkOption.NOFOLLOW_LINKS)) {
            Instant modified = Files.getLastModifiedTime(dir, LinkOption.NOFOLLOW_LINKS).toInstant();
            return modified.plus(UNLOCKED_AGE).isBefore(now);
        }
        Instant made = Files.getLastModifiedTime(lockFile, LinkOption.NOFOLLOW_LINKS).toInstant();
        if (!made.plus(NEW_LOCK_FILE).isBefore(now)) {
            return false; // its deploy may be about to lock it
        }
        // a shared lock, on a channel opened for reading: it needs no write permission, and fails while a deploy holds its own
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.READ)) {
            FileLock lock = channel.tryLock(0, Long.MAX_VALUE, true);
            return lock != null; // released with the channel
        } catch (OverlappingFileLockException ours) {
            return false;
        }
    }

    private static String prefix(String tag) {
        return "." + tag + ".pending-";
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("closing a pending directory's lock: {}", e.toString());
        }
    }
}
