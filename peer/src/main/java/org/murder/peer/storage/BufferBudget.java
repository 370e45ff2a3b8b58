package org.murder.peer.storage;

/**
 * The direct memory every torrent of an engine may hold in piece buffers ({@link PieceVerifier}), together:
 * each torrent had {@link PieceVerifier#BUFFER_BUDGET} of its own, and an agent running four downloads at once (or
 * a seed of many torrents checking its files) needed 256 MiB, the peers' whole cap of direct memory, before Netty
 * took any. A torrent with no buffer yet always gets one, whatever the budget holds, so each check goes on.
 * Thread-safe.
 */
public final class BufferBudget {
    private final long bytes;
    private long taken;

    public BufferBudget(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("bytes: " + bytes + " (expected: > 0)");
        }
        this.bytes = bytes;
    }

    /** The budget of one engine: {@link PieceVerifier#BUFFER_BUDGET}. */
    public static BufferBudget forEngine() {
        return new BufferBudget(PieceVerifier.BUFFER_BUDGET);
    }

    /** Takes {@code n} bytes if they are free, or whatever is free when {@code first} (the taker holds none yet). */
    synchronized boolean tryTake(long n, boolean first) {
        if (!first && taken + n > bytes) {
            return false;
        }
        taken += n;
        return true;
    }

    /** Bytes free now. */
    synchronized long free() {
        return Math.max(0, bytes - taken);
    }

    synchronized void giveBack(long n) {
        taken = Math.max(0, taken - n);
    }

    /** Bytes taken now (tests, metrics). */
    public synchronized long taken() {
        return taken;
    }
}
