package org.murder.peer.engine;

import java.util.BitSet;

/** The pieces a peer has: a bitset, or everything for a seed (BEP 6 Have All). Owned by one event loop. */
final class PieceSet {
    private final int pieceCount;
    private final BitSet bits = new BitSet();
    /** bits.cardinality(), kept: upload slots compare peers by it (a scan of the bits each time). */
    private int count;
    private boolean all;

    /** How many peers have each piece: told as peers' piece sets change (the piece picker listens). */
    interface Availability {
        void peerHas(int piece);

        void peerHasAll();

        /** The peer that had {@code pieces} is gone, or is about to say it has every piece. */
        void peerGone(PieceSet pieces);
    }

    PieceSet(int pieceCount) {
        this.pieceCount = pieceCount;
    }

    boolean has(int piece) {
        return all || bits.get(piece);
    }

    /** The first piece at or after {@code from} the peer has, or -1. */
    int nextHave(int from) {
        if (all) {
            return from < pieceCount ? from : -1;
        }
        return bits.nextSetBit(from);
    }

    boolean isAll() {
        return all || count == pieceCount;
    }

    int count() {
        return all ? pieceCount : count;
    }

    void setAll() {
        all = true;
        bits.clear();
        count = 0;
    }

    /** @return true when the piece was new */
    boolean add(int piece) {
        if (has(piece)) {
            return false;
        }
        bits.set(piece);
        count++;
        return true;
    }

    int pieceCount() {
        return pieceCount;
    }
}
