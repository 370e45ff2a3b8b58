package org.murder.orchestrator.rollout;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.FileLockInterruptionException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.murder.core.Printable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A destination's turn to run one activation hook, taken by whoever runs one there: the threads of
 * this JVM (two jobs of one agent) wait on an in-process lock, other processes (a second agent
 * given the same destination, by mistake or by a job's {@code dest}) on a POSIX record lock on
 * {@code DEST/releases/.murder-hook.lock}. Two drain or restart scripts of one service never run at
 * once; they take turns, hook by hook. Not reentrant.
 *
 * <p>The lock file is this user's and only this user's (0600): anyone who could open it could hold a
 * lock that keeps every hook waiting. Where the file system has no record locks (NFS without its
 * lock daemon, some FUSE file systems), the turn is this process's alone, with a warning: hooks ran
 * there before the lock existed, and still do.
 */
public final class HookTurn implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HookTurn.class);
    /** The lock file's name in {@code DEST/releases}. */
    public static final String FILE = ".murder-hook.lock";
    /**
     * One in-process lock per directory, by its file key (device and inode): two names of one directory
     * (a link, a bind mount) must meet here, not in the record lock, where a second channel's
     * failure would close and so release the first one's lock (POSIX locks are the process's).
     */
    private static final ConcurrentHashMap<Object, ReentrantLock> LOCAL = new ConcurrentHashMap<>();
    private static final Set<Object> WARNED = ConcurrentHashMap.newKeySet();

    private final org.murder.core.io.HeldLock held;

    private HookTurn(org.murder.core.io.HeldLock held) {
        this.held = held;
    }

    /**
     * Waits for the turn of {@code releases} ({@code DEST/releases}, which exists); {@code waiting}
     * hears, once, before a wait behind another process, what that process's ledger says runs there.
     * A lock file that is not a regular file of this user is refused (IllegalStateException).
     */
    public static HookTurn take(Path releases, Consumer<String> waiting) throws InterruptedException {
        Object key = keyOf(releases);
        ReentrantLock local = LOCAL.computeIfAbsent(key, k -> new ReentrantLock(true));
        if (local.isHeldByCurrentThread()) {
            throw new IllegalStateException("the hook turn of " + Printable.escape(releases.toString()) + " taken twice by one thread");
        }
        local.lockInterruptibly();
        Path file = releases.resolve(FILE);
        FileChannel channel = null;
        try {
            if (Files.exists(file, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new IllegalStateException(Printable.escape(file.toString()) + ": not a regular file (expected: murder's hook"
                        + " lock, or nothing)");
            }
            // read and write: opening a FIFO swapped in meanwhile does not block; no link followed (we may be root)
            channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            onlyOurs(file);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                waiting.accept(new HookLedger(releases.resolve(HookLedger.FILE)).describe());
                lock = channel.lock(); // interruptible: an interrupt closes the channel and throws
            }
            return new HookTurn(new org.murder.core.io.HeldLock(local, channel, lock));
        } catch (FileLockInterruptionException e) {
            org.murder.core.io.HeldLock.closeQuietly(channel);
            local.unlock();
            throw new InterruptedException("interrupted waiting for the hook turn of " + releases);
        } catch (IOException e) {
            org.murder.core.io.HeldLock.closeQuietly(channel);
            if (WARNED.add(key)) {
                LOG.warn("cannot lock {}: {}; hooks that other processes run on this destination are not kept apart from ours",
                        Printable.escape(file.toString()), org.murder.core.io.IoErrors.reason(e));
            }
            return new HookTurn(new org.murder.core.io.HeldLock(local, null, null));
        } catch (RuntimeException e) {
            org.murder.core.io.HeldLock.closeQuietly(channel);
            local.unlock();
            throw e;
        }
    }

    /** A regular file of this user that nobody else may open: its mode made so if needed; else refused. */
    private static void onlyOurs(Path file) throws IOException {
        PosixFileAttributes a;
        try {
            a = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (UnsupportedOperationException e) {
            return; // no POSIX attributes: nothing to check
        }
        if (!a.isRegularFile() || !ours(file, a)) {
            throw new IllegalStateException(Printable.escape(file.toString()) + ": not a regular file of " + System.getProperty("user.name")
                    + " (expected: murder's hook lock, or nothing)");
        }
        Set<PosixFilePermission> others = Set.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);
        if (a.permissions().stream().anyMatch(others::contains)) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        }
    }

    /**
     * Whether this process's user owns {@code file}: by uid where Linux says it (/proc/self is the process's own),
     * so that a container's user without a name in /etc/passwd still owns what it made; else by name.
     */
    private static boolean ours(Path file, PosixFileAttributes a) {
        try {
            return Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS).equals(Files.getAttribute(Path.of("/proc/self"),
                    "unix:uid"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return a.owner().getName().equals(System.getProperty("user.name"));
        }
    }

    /** The directory's file key (device and inode), or its real path where the file system has none. */
    private static Object keyOf(Path dir) {
        try {
            Object fileKey = Files.readAttributes(dir, BasicFileAttributes.class).fileKey();
            return fileKey != null ? fileKey : dir.toRealPath();
        } catch (IOException e) {
            return dir.toAbsolutePath().normalize();
        }
    }

    @Override
    public void close() {
        held.close();
    }
}
