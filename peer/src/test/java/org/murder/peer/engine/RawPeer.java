package org.murder.peer.engine;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import org.murder.core.InfoHash;
import org.murder.core.PeerId;

/**
 * A BitTorrent peer written with a plain socket, for tests that script what a seed sees: it
 * handshakes (with or without the fast extension), says interested and waits to be unchoked.
 */
final class RawPeer {
    static final int PIECE = 7;
    static final int REJECT = 16;
    static final int HAVE_NONE = 15;

    private final DataInputStream in;
    private final DataOutputStream out;

    RawPeer(Socket socket, InfoHash infoHash, boolean fast) throws IOException {
        this(socket, infoHash, fast, PeerId.random());
    }

    RawPeer(Socket socket, InfoHash infoHash, boolean fast, PeerId id) throws IOException {
        this(socket, infoHash, fast, id, true);
    }

    /** Handshakes and says interested, and returns at once: it may stay choked (what it is sent is left to read). */
    static RawPeer interestedOnly(Socket socket, InfoHash infoHash, boolean fast) throws IOException {
        return new RawPeer(socket, infoHash, fast, PeerId.random(), false);
    }

    /** Handshakes as {@code id} (any peer id it claims) and says interested, and returns at once. */
    static RawPeer claiming(Socket socket, InfoHash infoHash, boolean fast, PeerId id) throws IOException {
        return new RawPeer(socket, infoHash, fast, id, false);
    }

    private RawPeer(Socket socket, InfoHash infoHash, boolean fast, PeerId id, boolean awaitUnchoke) throws IOException {
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
        out = new DataOutputStream(socket.getOutputStream());
        out.writeByte(19);
        out.writeBytes("BitTorrent protocol");
        out.write(new byte[] {0, 0, 0, 0, 0, 0, 0, (byte) (fast ? 0x04 : 0)});
        out.write(infoHash.toBytes());
        out.write(id.toBytes());
        out.writeInt(1);
        out.writeByte(2); // interested
        out.flush();
        in.readFully(new byte[68]);
        while (awaitUnchoke && nextMessage() != 1) {
            // have all, bitfield: until unchoke
        }
    }

    DataInputStream in() {
        return in;
    }

    DataOutputStream out() {
        return out;
    }

    /** Reads one message; returns its id (-1 for a keep-alive). */
    int nextMessage() throws IOException {
        int length = in.readInt();
        if (length == 0) {
            return -1;
        }
        int id = in.readUnsignedByte();
        in.skipNBytes(length - 1);
        return id;
    }

    /** Writes a request (not flushed). */
    static void request(DataOutputStream out, int piece, int begin, int length) throws IOException {
        out.writeInt(13);
        out.writeByte(6);
        out.writeInt(piece);
        out.writeInt(begin);
        out.writeInt(length);
    }

    /** Asks for one 16 KiB block; returns the id of the answer ({@link #PIECE} or {@link #REJECT}). */
    int ask(int piece, int begin) throws IOException {
        request(out, piece, begin, 16384);
        out.flush();
        while (true) {
            int id = nextMessage();
            if (id == PIECE || id == REJECT) {
                return id;
            }
        }
    }
}
