package org.murder.orchestrator.release;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.murder.core.MurderException;

/**
 * Serialises the changes to one destination (switching {@code current}, writing the history,
 * removing releases) between threads of this JVM and between processes (the agent activating while
 * an operator runs {@code murder rollback}): an in-process lock, then {@code flock} on
 * {@code releases/.lock}. Unpacking happens outside it. Not reentrant.
 */
final class DestLock implements AutoCloseable {
    private static final ConcurrentHashMap<Path, ReentrantLock> LOCAL = new ConcurrentHashMap<>();

    private final org.murder.core.io.HeldLock held;

    private DestLock(org.murder.core.io.HeldLock held) {
        this.held = held;
    }

    static DestLock acquire(Path releases) {
        Path key = releases.toAbsolutePath().normalize();
        ReentrantLock local = LOCAL.computeIfAbsent(key, k -> new ReentrantLock());
        local.lock();
        FileChannel channel = null;
        try {
            Path file = key.resolve(".lock");
            if (Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                // a link would have us create (as root, perhaps) the file it names, anywhere; a FIFO would block the open
                throw MurderException.badInput(org.murder.core.Printable.escape(file.toString())
                        + ": not a regular file (expected: murder's lock file, or nothing)");
            }
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            return new DestLock(new org.murder.core.io.HeldLock(local, channel, channel.lock()));
        } catch (IOException | RuntimeException e) {
            org.murder.core.io.HeldLock.closeQuietly(channel);
            local.unlock();
            if (e instanceof RuntimeException r) {
                throw r;
            }
            String why = Trees.describe((IOException) e); // names the file when the exception does
            String lock = org.murder.core.Printable.escape(key.resolve(".lock").toString());
            throw MurderException.failure("lock " + (why.startsWith(lock + ": ") ? why : lock + ": " + why), e);
        }
    }

    @Override
    public void close() {
        held.close();
    }
}
