package org.murder.orchestrator.rollout;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.FileLockInterruptionException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.murder.core.MurderException;
import org.murder.core.Printable;

/**
 * A destination's turn to run one activation hook, taken by whoever runs one there: the threads of
 * this JVM (two jobs of one agent) wait on an in-process lock, other processes (a second agent
 * given the same destination, by mistake or by a job's {@code dest}) on a POSIX record lock on
 * {@code DEST/releases/.murder-hook.lock}. Two drain or restart scripts of one service never run at
 * once; they take turns, hook by hook. Not reentrant.
 */
public final class HookTurn implements AutoCloseable {
    /** The lock file's name in {@code DEST/releases}. */
    public static final String FILE = ".murder-hook.lock";
    private static final ConcurrentHashMap<Path, ReentrantLock> LOCAL = new ConcurrentHashMap<>();

    private final ReentrantLock local;
    private final FileChannel channel;
    private final FileLock lock;

    private HookTurn(ReentrantLock local, FileChannel channel, FileLock lock) {
        this.local = local;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Waits for the turn of {@code releases} ({@code DEST/releases}, which exists); {@code waiting}
     * hears, once, before a wait behind another process, what that process's ledger says runs there.
     */
    public static HookTurn take(Path releases, Consumer<String> waiting) throws InterruptedException {
        Path key = realOrAbsolute(releases);
        ReentrantLock local = LOCAL.computeIfAbsent(key, k -> new ReentrantLock(true));
        local.lockInterruptibly();
        FileChannel channel = null;
        try {
            Path file = key.resolve(FILE);
            if (Files.exists(file, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                // a link would have us create (as root) the file it names, anywhere; a FIFO would block the open
                throw new IllegalStateException(Printable.escape(file.toString()) + ": not a regular file (expected: murder's hook lock,"
                        + " or nothing)");
            }
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                waiting.accept(new HookLedger(key.resolve(HookLedger.FILE)).describe());
                lock = channel.lock(); // interruptible: an interrupt closes the channel and throws
            }
            return new HookTurn(local, channel, lock);
        } catch (FileLockInterruptionException e) {
            closeQuietly(channel);
            local.unlock();
            throw new InterruptedException("interrupted waiting for the hook turn of " + key);
        } catch (IOException e) {
            closeQuietly(channel);
            local.unlock();
            throw MurderException.failure("lock " + Printable.escape(key.resolve(FILE).toString()) + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            local.unlock();
            throw e;
        }
    }

    /** One key per directory however it is named (a link, {@code ..}): two keys would meet in the file lock and fail there. */
    private static Path realOrAbsolute(Path dir) {
        try {
            return dir.toRealPath();
        } catch (IOException e) {
            return dir.toAbsolutePath().normalize();
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it too
        } finally {
            closeQuietly(channel);
            local.unlock();
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing left to do
            }
        }
    }
}
