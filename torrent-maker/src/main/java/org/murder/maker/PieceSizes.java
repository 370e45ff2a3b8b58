package org.murder.maker;

import org.murder.core.ByteSize;
import org.murder.core.MurderException;

/** Piece sizes we write: powers of two in [16 KiB, 16 MiB], chosen from the content size. */
public final class PieceSizes {
    public static final long MIN = 16L << 10;
    public static final long MAX = 16L << 20;
    /**
     * The automatic choice never goes below this. Each piece costs a Have to every peer and a
     * hand-over (Have, Request, first block) before the peer that got it can pass it on: in pieces of
     * 32 KiB the hosts' uplinks carried 1.110 x their payload, in 64 KiB 1.068 x (bench/fleet.sh 200,
     * 20 peers each).
     */
    static final long AUTO_MIN = 32L << 10;
    /**
     * Aim for at most about this many pieces: small pieces are handed on sooner (bench/fleet.sh 200 at
     * 1 Mbit/s, 16 MiB: 1.29-1.30 x F/c in 128 KiB pieces, 1.22 in 64, 1.19 in 32; bench/swarm.sh, 16
     * hosts at 25 Mbit/s, 64 MiB: 1.17-1.20 in 256 KiB, 1.14 in 64), while the count keeps the
     * .torrent small and bounds the Haves every peer sends and receives.
     */
    static final long TARGET_PIECES = 1500;

    private PieceSizes() {
    }

    /** The smallest power of two giving at most about {@value #TARGET_PIECES} pieces, within [32 KiB, 16 MiB]. */
    public static long choose(long totalBytes) {
        return smallestFor(totalBytes, AUTO_MIN, MAX, TARGET_PIECES);
    }

    /**
     * For a packed release of {@code contentBytes} (before compression): as {@link #choose} up to
     * pieces about the size of its frames (see FrameWriter), 128 KiB, so that a frame that changed
     * between releases costs few pieces besides its own bytes (32 KiB up to about 49 MB of content,
     * 64 KiB to about 98 MB); 128 KiB up to about 1.5 GB of content, then the smallest power of two
     * giving at most 12,000 pieces of content (fewer of the compressed archive; 240 KB of hashes at
     * most, in a job that ZooKeeper must hold).
     */
    public static long chooseForRelease(long contentBytes) {
        long small = smallestFor(contentBytes, AUTO_MIN, FRAME_PIECE, TARGET_PIECES);
        return smallestFor(contentBytes, small, MAX, RELEASE_TARGET_PIECES);
    }

    /** The smallest power of two in [{@code from}, {@code to}] giving at most {@code pieces} pieces, else {@code to}. */
    private static long smallestFor(long bytes, long from, long to, long pieces) {
        long size = from;
        while (size < to && (bytes + size - 1) / size > pieces) {
            size <<= 1;
        }
        return size;
    }

    /** A release's pieces are at most this (about a frame) while that gives at most 12,000 of them. */
    static final long FRAME_PIECE = 128L << 10;
    static final long RELEASE_TARGET_PIECES = 12_000;

    /** Checks an operator's {@code --piece-size}. */
    public static long validate(ByteSize requested) {
        long b = requested.bytes();
        if (b < MIN || b > MAX || Long.bitCount(b) != 1) {
            throw MurderException.badInput("--piece-size: " + org.murder.core.ByteSize.format(b) + (b < 1024 ? "" : " (" + b + " bytes)")
                    + " (expected: a power of two between 16 KiB and 16 MiB)");
        }
        return b;
    }

    /**
     * Refuses a piece size that would give {@code bytes} more pieces than a .torrent murder reads can hold
     * ({@link org.murder.core.metainfo.MetaInfo#MAX_TORRENT_FILE_SIZE}, less 1 MiB for names): such a torrent would be
     * written, and refused by every peer and agent.
     */
    static void requireReadable(long bytes, long pieceLength) {
        long pieces = bytes / pieceLength + (bytes % pieceLength == 0 ? 0 : 1);
        long most = (org.murder.core.metainfo.MetaInfo.MAX_TORRENT_FILE_SIZE - (1L << 20)) / 20;
        if (pieces > most) {
            long needed = MIN;
            while (needed < MAX && bytes / needed + 1 > most) {
                needed <<= 1;
            }
            throw org.murder.core.MurderException.badInput("piece size " + org.murder.core.ByteSize.format(pieceLength) + ": "
                    + pieces + " pieces for " + org.murder.core.ByteSize.format(bytes) + " (expected: at most " + most
                    + " pieces, the most a .torrent murder reads holds: " + (needed <= MAX && bytes / needed < most
                    ? "--piece-size " + org.murder.core.ByteSize.format(needed) + " or more)" : "a release in parts of at most "
                    + org.murder.core.ByteSize.format(most * MAX) + ")"));
        }
    }
}
