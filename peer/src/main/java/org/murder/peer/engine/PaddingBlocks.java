package org.murder.peer.engine;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import org.murder.core.metainfo.MetaInfo;
import org.murder.core.metainfo.TorrentFile;

/**
 * The blocks of each piece that lie wholly in BEP 47 padding. They hold zeros (storage reads zeros
 * there and drops what is written), so they are never asked of a peer: a torrent of many small
 * files, each padded to a large piece, would otherwise move mostly zeros over the wire. The piece is
 * still verified whole, from what storage reads back. Immutable.
 */
final class PaddingBlocks {
    private static final BitSet NONE = new BitSet();
    /** Only the pieces with such blocks. */
    private final Map<Integer, BitSet> byPiece;
    /** The pieces that overlap padding at all. */
    private final BitSet padded;

    private PaddingBlocks(Map<Integer, BitSet> byPiece, BitSet padded) {
        this.byPiece = byPiece;
        this.padded = padded;
    }

    /** For {@code meta}'s padding files, in blocks of {@code blockSize} bytes. */
    static PaddingBlocks of(MetaInfo meta, int blockSize) {
        Map<Integer, BitSet> byPiece = new HashMap<>();
        BitSet padded = new BitSet();
        long pieceLength = meta.pieceLength();
        for (TorrentFile f : meta.files()) {
            if (!f.padding() || f.length() <= 0) {
                continue;
            }
            long start = f.offset();
            long end = start + f.length();
            for (int piece = (int) (start / pieceLength); piece <= (int) ((end - 1) / pieceLength); piece++) {
                padded.set(piece);
                long pieceStart = piece * pieceLength;
                long pieceEnd = pieceStart + meta.pieceSize(piece);
                long from = Math.max(start, pieceStart) - pieceStart;
                long to = Math.min(end, pieceEnd) - pieceStart;
                int first = (int) ((from + blockSize - 1) / blockSize); // the first block that starts in it
                // the blocks that end in it: a piece's last block may be short
                int last = to == pieceEnd - pieceStart ? (int) ((to + blockSize - 1) / blockSize) : (int) (to / blockSize);
                if (first < last) {
                    byPiece.computeIfAbsent(piece, k -> new BitSet()).set(first, last);
                }
            }
        }
        return new PaddingBlocks(byPiece, padded);
    }

    /** The blocks of {@code piece} wholly in padding (empty: none); not to be changed. */
    BitSet of(int piece) {
        return byPiece.getOrDefault(piece, NONE);
    }

    /** The pieces that overlap padding (see TorrentSession: a failed check of one may be the torrent's fault). */
    BitSet paddedPieces() {
        return (BitSet) padded.clone();
    }

    /** Whether any block lies wholly in padding. */
    boolean any() {
        return !byPiece.isEmpty();
    }
}
