package org.murder.peer.wire;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.murder.core.InfoHash;
import org.murder.core.PeerId;

/**
 * The 68-byte BEP 3 handshake: 19, "BitTorrent protocol", 8 reserved bytes, infohash, peer id.
 * We set the fast-extension bit (BEP 6: reserved[7] & 0x04) and the extension-protocol bit
 * (BEP 10: reserved[5] & 0x10).
 */
public record Handshake(InfoHash infoHash, PeerId peerId, boolean fastExtension, boolean extensionProtocol) {
    public static final int LENGTH = 68;
    static final byte[] PROTOCOL = "BitTorrent protocol".getBytes(StandardCharsets.US_ASCII);
    static final int FAST_BIT = 0x04;
    static final int EXTENSION_BIT = 0x10;

    public void writeTo(ByteBuf out) {
        out.writeByte(PROTOCOL.length);
        out.writeBytes(PROTOCOL);
        byte[] reserved = new byte[8];
        if (fastExtension) {
            reserved[7] |= FAST_BIT;
        }
        if (extensionProtocol) {
            reserved[5] |= EXTENSION_BIT;
        }
        out.writeBytes(reserved);
        out.writeBytes(infoHash.toBytes());
        out.writeBytes(peerId.toBytes());
    }

    /** Reads 68 bytes; throws {@link WireException} when they are not a BitTorrent handshake. */
    public static Handshake readFrom(ByteBuf in) {
        int length = in.readUnsignedByte();
        byte[] protocol = new byte[Math.min(length, 19)];
        in.readBytes(protocol);
        if (length != PROTOCOL.length || !Arrays.equals(protocol, PROTOCOL)) {
            throw new WireException("handshake: not the BitTorrent protocol (first byte " + length
                    + "; an encrypted (MSE) or non-BitTorrent connection)");
        }
        byte[] reserved = new byte[8];
        in.readBytes(reserved);
        byte[] hash = new byte[20];
        in.readBytes(hash);
        byte[] id = new byte[20];
        in.readBytes(id);
        return new Handshake(InfoHash.of(hash), PeerId.of(id), (reserved[7] & FAST_BIT) != 0, (reserved[5] & EXTENSION_BIT) != 0);
    }
}
