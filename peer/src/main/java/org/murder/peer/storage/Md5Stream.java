package org.murder.peer.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import org.murder.core.Hex;
import org.murder.core.crypto.Digests;

/**
 * The md5 of the whole file, computed in piece order while the download runs. A piece verified
 * exactly when the md5 has reached it is digested from the buffer its SHA-1 was computed from
 * (no second read); pieces that arrived earlier are read back from disk by {@link #catchUp}.
 * Thread-safe: hash workers offer, one executor catches up, a piece at a time under the lock;
 * {@link #next()} and {@link #isDone()} never wait for it (the event loop asks them).
 */
public final class Md5Stream {
    private final MessageDigest md5 = Digests.md5();
    private final int pieceCount;
    private volatile int next;
    private String hex;

    public Md5Stream(int pieceCount) {
        this.pieceCount = pieceCount;
    }

    /** Digests {@code data} if piece {@code index} is the next one; returns whether it did. */
    public synchronized boolean offer(int index, ByteBuffer data) {
        if (index != next) {
            return false;
        }
        md5.update(data);
        next++;
        return true;
    }

    /** Reads and digests every piece from the next one up to {@code upTo} (exclusive). */
    public void catchUp(int upTo, PieceVerifier reader) throws IOException {
        while (true) {
            synchronized (this) {
                if (next >= upTo) {
                    return; // done, or a hash worker's offer went past upTo meanwhile
                }
                reader.digestPiece(md5, next);
                next++;
            }
        }
    }

    /** The first piece not digested yet. */
    public int next() {
        return next;
    }

    public boolean isDone() {
        return next == pieceCount;
    }

    /** The hex md5, once {@link #isDone()}. */
    public synchronized String hex() {
        if (next != pieceCount) {
            throw new IllegalStateException("md5 at piece " + next + " of " + pieceCount);
        }
        if (hex == null) {
            hex = Hex.encode(md5.digest());
        }
        return hex;
    }
}
