package org.murder.peer.engine;

/** A block of a piece: what one request asks for. */
public record Block(int piece, int begin, int length) {
    public Block {
        if (piece < 0 || begin < 0 || length <= 0) {
            throw new IllegalArgumentException("block " + piece + "/" + begin + "/" + length + " (expected: piece >= 0, begin >= 0, length > 0)");
        }
    }

    /** A key unique within a torrent: piece and begin packed in a long. */
    public long key() {
        return key(piece, begin);
    }

    public static long key(int piece, int begin) {
        return ((long) piece << 32) | (begin & 0xffffffffL);
    }
}
