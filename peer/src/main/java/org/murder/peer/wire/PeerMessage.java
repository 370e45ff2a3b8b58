package org.murder.peer.wire;

import io.netty.buffer.ByteBuf;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCounted;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import org.murder.core.RackName;

/**
 * One peer wire message (BEP 3 and BEP 6), immutable and validated: constructors reject
 * negative indexes and impossible lengths. {@link Piece} carries a reference-counted block.
 */
public sealed interface PeerMessage {
    /** Largest block we request or serve; larger requests close the connection. */
    int MAX_BLOCK = 128 * 1024;

    record KeepAlive() implements PeerMessage {
    }

    record Choke() implements PeerMessage {
    }

    record Unchoke() implements PeerMessage {
    }

    record Interested() implements PeerMessage {
    }

    record NotInterested() implements PeerMessage {
    }

    record HaveAll() implements PeerMessage {
    }

    record HaveNone() implements PeerMessage {
    }

    record Have(int piece) implements PeerMessage {
        public Have {
            checkIndex("piece", piece);
        }
    }

    record AllowedFast(int piece) implements PeerMessage {
        public AllowedFast {
            checkIndex("piece", piece);
        }
    }

    record SuggestPiece(int piece) implements PeerMessage {
        public SuggestPiece {
            checkIndex("piece", piece);
        }
    }

    /** BEP 5 DHT port: parsed so a DHT-enabled client does not look broken, otherwise ignored. */
    record Port(int port) implements PeerMessage {
    }

    /** BEP 10 extension message other than the handshake: ignored (we offer no extensions). */
    record Extended(int id, int length) implements PeerMessage {
    }

    /**
     * The BEP 10 extension handshake (extended message 0), of which we use two fields: {@code p},
     * the port the peer listens on, and murder's own {@code murder rack}, the rack it is in. A peer
     * that dialled us connects from a port of its own; its listening address tells us that dialling
     * the address a tracker gave for it would only reach it again. Its rack tells us it is a
     * rack-mate before our tracker names it (at our next announce, up to 5 s later).
     *
     * <p>A third field, {@code murder rack proof}, says the claim comes from a holder of the deploy's
     * secret (see RackProofs): 32 hex digits, or left out.
     *
     * @param listenPort the port it listens on, or 0 when it did not say (or said something unusable)
     * @param rack       the rack it said it is in (empty: none, or not a rack name)
     * @param rackProof  its proof of that rack (empty: none, or not 32 lower-case hex digits)
     */
    record ExtensionHandshake(int listenPort, Optional<RackName> rack, Optional<String> rackProof) implements PeerMessage {
        public ExtensionHandshake {
            if (listenPort < 0 || listenPort > 0xffff) {
                throw new IllegalArgumentException("listen port " + listenPort + " (expected: 0 to 65535)");
            }
            Objects.requireNonNull(rack, "rack");
            Objects.requireNonNull(rackProof, "rackProof");
        }

        /** Without a proof. */
        public ExtensionHandshake(int listenPort, Optional<RackName> rack) {
            this(listenPort, rack, Optional.empty());
        }
    }

    record Bitfield(byte[] bits) implements PeerMessage {
        public Bitfield {
            bits = bits.clone();
        }

        @Override
        public byte[] bits() {
            return bits.clone();
        }

        public boolean has(int piece) {
            int i = piece >>> 3;
            return i < bits.length && (bits[i] & (0x80 >>> (piece & 7))) != 0;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Bitfield b && Arrays.equals(bits, b.bits);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bits);
        }

        @Override
        public String toString() {
            return "Bitfield[" + bits.length + " bytes]";
        }
    }

    record Request(int piece, int begin, int length) implements PeerMessage {
        public Request {
            checkBlock(piece, begin, length);
        }
    }

    record Cancel(int piece, int begin, int length) implements PeerMessage {
        public Cancel {
            checkBlock(piece, begin, length);
        }
    }

    record RejectRequest(int piece, int begin, int length) implements PeerMessage {
        public RejectRequest {
            checkBlock(piece, begin, length);
        }
    }

    /** A block of data. Owns one reference to {@code data}; whoever consumes it releases it. */
    final class Piece extends AbstractReferenceCounted implements PeerMessage {
        private final int piece;
        private final int begin;
        private final ByteBuf data;

        public Piece(int piece, int begin, ByteBuf data) {
            checkIndex("piece", piece);
            checkIndex("begin", begin);
            if (data.readableBytes() > MAX_BLOCK) {
                throw new IllegalArgumentException("block length " + data.readableBytes() + " (expected: at most " + MAX_BLOCK + ")");
            }
            this.piece = piece;
            this.begin = begin;
            this.data = data;
        }

        public int piece() {
            return piece;
        }

        public int begin() {
            return begin;
        }

        public int length() {
            return data.readableBytes();
        }

        public ByteBuf data() {
            return data;
        }

        @Override
        protected void deallocate() {
            data.release();
        }

        @Override
        public ReferenceCounted touch(Object hint) {
            data.touch(hint);
            return this;
        }

        @Override
        public String toString() {
            return "Piece[piece=" + piece + ", begin=" + begin + ", length=" + length() + "]";
        }
    }

    private static void checkIndex(String name, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " " + (value & 0xffffffffL) + " (expected: < 2^31)");
        }
    }

    private static void checkBlock(int piece, int begin, int length) {
        checkIndex("piece", piece);
        checkIndex("begin", begin);
        if (length <= 0 || length > MAX_BLOCK) {
            throw new IllegalArgumentException("request length " + (length & 0xffffffffL) + " (expected: 1 to " + MAX_BLOCK + ")");
        }
    }
}
