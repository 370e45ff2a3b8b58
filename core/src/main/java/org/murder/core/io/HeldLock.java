package org.murder.core.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A lock held between the threads of this JVM and between processes: an in-process lock, then a
 * record lock on a file through its channel (either of those two may be null: no file lock to
 * hold). Closing releases the file lock, closes the channel and unlocks, in that order, whatever
 * fails on the way. Used by the locks of a destination (its switches, its hooks).
 */
public final class HeldLock implements AutoCloseable {
    private final ReentrantLock local;
    private final FileChannel channel;
    private final FileLock lock;

    public HeldLock(ReentrantLock local, FileChannel channel, FileLock lock) {
        this.local = local;
        this.channel = channel;
        this.lock = lock;
    }

    @Override
    public void close() {
        try {
            if (lock != null) {
                lock.release();
            }
        } catch (IOException ignored) {
            // closing the channel releases it too
        } finally {
            closeQuietly(channel);
            local.unlock();
        }
    }

    /** Closes {@code channel} (null: nothing) and ignores a failure: on the way out of an error, or of the lock. */
    public static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing left to do
            }
        }
    }
}
