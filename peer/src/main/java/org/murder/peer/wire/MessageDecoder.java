package org.murder.peer.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Length-prefixed peer messages to {@link PeerMessage}s. Piece payloads are retained slices of
 * the socket buffer (no copy). A frame longer than {@code maxFrame}, an unknown id or a message
 * of the wrong length throws {@link WireException}, which closes this connection only. Not sharable.
 *
 * <p>Reads are gathered in a composite buffer, not merged: a read almost always ends inside a
 * message, and the default merge then copied the next whole read (up to 1 MiB) behind the rest,
 * about 0.1 CPU s per GiB received (profiled, loopback 1 -> 4). A block that spans two reads
 * arrives as a slice of two buffers ({@code nioBuffers()}). A peer that sends tiny segments
 * cannot pile up buffers: past {@link #MAX_PARTS} the composite merges them into one.
 */
public final class MessageDecoder extends ByteToMessageDecoder {
    /** Most buffers gathered before they are merged (a frame is at most 128 KiB and 9 bytes). */
    static final int MAX_PARTS = 16;
    private static final Cumulator GATHER = MessageDecoder::gather;
    private int maxFrame;

    /** @param maxFrame largest accepted frame: a 128 KiB block plus header, or the bitfield, whichever is larger */
    public MessageDecoder(int maxFrame) {
        this.maxFrame = maxFrame;
        setCumulator(GATHER);
    }

    /**
     * Lowers the largest accepted frame once the connection's torrent is known (the handshake named
     * it); never raises it. Called on the channel's event loop, as decoding is.
     */
    public void maxFrame(int frame) {
        if (frame > 0 && frame < maxFrame) {
            maxFrame = frame;
        }
    }

    /**
     * What is left of the earlier reads, then {@code in}, without copying either, in a composite
     * buffer of at most {@link #MAX_PARTS} parts. Takes ownership of both buffers.
     */
    private static ByteBuf gather(ByteBufAllocator alloc, ByteBuf cumulation, ByteBuf in) {
        if (!cumulation.isReadable()) {
            cumulation.release();
            return in;
        }
        CompositeByteBuf composite = null;
        try {
            if (cumulation instanceof CompositeByteBuf c && c.refCnt() == 1) {
                composite = c;
                if (c.writerIndex() != c.capacity()) {
                    c.capacity(c.writerIndex()); // new parts go right after the bytes written
                }
            } else {
                // the earlier buffer is shared (piece payloads are slices of it): a new composite holds it
                composite = alloc.compositeBuffer(MAX_PARTS).addFlattenedComponents(true, cumulation);
            }
            composite.addFlattenedComponents(true, in);
            in = null;
            return composite;
        } finally {
            if (in != null) { // not handed over: an error, which closes the connection
                in.release();
                if (composite != null && composite != cumulation) {
                    composite.release();
                }
            }
        }
    }

    public static int maxFrameFor(int pieceCount) {
        return Math.max(PeerMessage.MAX_BLOCK + 9, 1 + (pieceCount + 7) / 8);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.readableBytes() >= 4) {
            int at = in.readerIndex();
            long length = in.getUnsignedInt(at);
            if (length > maxFrame) {
                throw new WireException("message length " + length + " (expected: at most " + maxFrame + ")");
            }
            if (in.readableBytes() < 4 + length) {
                return;
            }
            in.skipBytes(4);
            if (length == 0) {
                out.add(new PeerMessage.KeepAlive());
                continue;
            }
            out.add(decodeBody(in, (int) length));
            in.readerIndex(at + 4 + (int) length);
        }
    }

    private static PeerMessage decodeBody(ByteBuf in, int length) {
        byte id = in.readByte();
        int payload = length - 1;
        try {
            switch (id) {
                case MessageIds.CHOKE:
                    expect(id, payload, 0);
                    return new PeerMessage.Choke();
                case MessageIds.UNCHOKE:
                    expect(id, payload, 0);
                    return new PeerMessage.Unchoke();
                case MessageIds.INTERESTED:
                    expect(id, payload, 0);
                    return new PeerMessage.Interested();
                case MessageIds.NOT_INTERESTED:
                    expect(id, payload, 0);
                    return new PeerMessage.NotInterested();
                case MessageIds.HAVE_ALL:
                    expect(id, payload, 0);
                    return new PeerMessage.HaveAll();
                case MessageIds.HAVE_NONE:
                    expect(id, payload, 0);
                    return new PeerMessage.HaveNone();
                case MessageIds.HAVE:
                    expect(id, payload, 4);
                    return new PeerMessage.Have(in.readInt());
                case MessageIds.SUGGEST_PIECE:
                    expect(id, payload, 4);
                    return new PeerMessage.SuggestPiece(in.readInt());
                case MessageIds.ALLOWED_FAST:
                    expect(id, payload, 4);
                    return new PeerMessage.AllowedFast(in.readInt());
                case MessageIds.BITFIELD: {
                    byte[] bits = new byte[payload];
                    in.readBytes(bits);
                    return new PeerMessage.Bitfield(bits);
                }
                case MessageIds.REQUEST:
                    expect(id, payload, 12);
                    return new PeerMessage.Request(in.readInt(), in.readInt(), in.readInt());
                case MessageIds.CANCEL:
                    expect(id, payload, 12);
                    return new PeerMessage.Cancel(in.readInt(), in.readInt(), in.readInt());
                case MessageIds.REJECT_REQUEST:
                    expect(id, payload, 12);
                    return new PeerMessage.RejectRequest(in.readInt(), in.readInt(), in.readInt());
                case MessageIds.PIECE: {
                    if (payload < 8 || payload - 8 > PeerMessage.MAX_BLOCK) {
                        throw new WireException("piece message length " + length + " (expected: 9 to " + (PeerMessage.MAX_BLOCK + 9) + ")");
                    }
                    int piece = in.readInt();
                    int begin = in.readInt();
                    if (piece < 0 || begin < 0) { // before the slice is retained: an index Piece refuses leaked it
                        throw new WireException("piece message: piece " + Integer.toUnsignedString(piece) + ", begin "
                                + Integer.toUnsignedString(begin) + " (expected: both below 2^31)");
                    }
                    ByteBuf data = in.readRetainedSlice(payload - 8);
                    try {
                        return new PeerMessage.Piece(piece, begin, data);
                    } catch (RuntimeException e) {
                        data.release();
                        throw e;
                    }
                }
                case MessageIds.PORT:
                    expect(id, payload, 2);
                    return new PeerMessage.Port(in.readUnsignedShort());
                case MessageIds.EXTENDED:
                    if (payload < 1) {
                        throw new WireException("extended message length " + length + " (expected: at least 2)");
                    }
                    int extended = in.readUnsignedByte();
                    if (extended == ExtensionHandshakeCodec.ID) {
                        byte[] dictionary = new byte[Math.min(payload - 1, ExtensionHandshakeCodec.MAX_LENGTH + 1)];
                        in.readBytes(dictionary); // past the limit: one byte more than it, which parse declines
                        return ExtensionHandshakeCodec.parse(dictionary);
                    }
                    return new PeerMessage.Extended(extended, payload - 1);
                default:
                    throw new WireException("unknown message id " + (id & 0xff) + " (length " + length + ")");
            }
        } catch (IllegalArgumentException e) {
            throw new WireException("message id " + (id & 0xff) + ": " + e.getMessage());
        }
    }

    private static void expect(byte id, int payload, int expected) {
        if (payload != expected) {
            throw new WireException("message id " + (id & 0xff) + " payload " + payload + " bytes (expected: " + expected + ")");
        }
    }
}
