package org.murder.maker;

import org.murder.core.ByteSize;
import org.murder.core.MurderException;

/** Piece sizes we write: powers of two in [16 KiB, 16 MiB], chosen from the content size. */
public final class PieceSizes {
    public static final long MIN = 16L << 10;
    public static final long MAX = 16L << 20;
    /** The automatic choice never goes below this: small pieces cost per-piece overhead on fast links. */
    static final long AUTO_MIN = 256L << 10;
    /** Aim for about this many pieces: enough to spread across a swarm, few enough to keep the .torrent small. */
    static final long TARGET_PIECES = 1500;

    private PieceSizes() {
    }

    /** The smallest power of two giving at most about {@value #TARGET_PIECES} pieces, within [256 KiB, 16 MiB]. */
    public static long choose(long totalBytes) {
        long size = AUTO_MIN;
        while (size < MAX && (totalBytes + size - 1) / size > TARGET_PIECES) {
            size <<= 1;
        }
        return size;
    }

    /**
     * For a packed release of {@code contentBytes} (before compression): pieces about the size of
     * its frames (see FrameWriter), so that a frame that changed between releases costs few pieces
     * besides its own bytes: 128 KiB up to about 1.5 GB of content, then the smallest power of two
     * giving at most 12,000 pieces of content (fewer of the compressed archive; 240 KB of hashes at
     * most, in a job that ZooKeeper must hold).
     */
    public static long chooseForRelease(long contentBytes) {
        long size = RELEASE_MIN;
        while (size < MAX && (contentBytes + size - 1) / size > RELEASE_TARGET_PIECES) {
            size <<= 1;
        }
        return size;
    }

    static final long RELEASE_MIN = 128L << 10;
    static final long RELEASE_TARGET_PIECES = 12_000;

    /** Checks an operator's {@code --piece-size}. */
    public static long validate(ByteSize requested) {
        long b = requested.bytes();
        if (b < MIN || b > MAX || Long.bitCount(b) != 1) {
            throw MurderException.badInput("--piece-size: " + b + " (expected: a power of two between 16 KiB and 16 MiB)");
        }
        return b;
    }
}
