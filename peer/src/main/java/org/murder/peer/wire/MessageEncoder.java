package org.murder.peer.wire;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/**
 * {@link PeerMessage}s and {@link Handshake}s to bytes. A {@link PeerMessage.Piece} becomes a
 * 13-byte header followed by its own data buffer, never copied; a {@link BlockUpload} the header
 * followed by its file regions (sendfile). Stateless, so sharable.
 */
@ChannelHandler.Sharable
public final class MessageEncoder extends MessageToMessageEncoder<Object> {
    public static final MessageEncoder INSTANCE = new MessageEncoder();

    @Override
    public boolean acceptOutboundMessage(Object msg) {
        return msg instanceof PeerMessage || msg instanceof Handshake || msg instanceof BlockUpload;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Object msg, List<Object> out) {
        if (msg instanceof Handshake h) {
            ByteBuf buf = ctx.alloc().buffer(Handshake.LENGTH);
            h.writeTo(buf);
            out.add(buf);
            return;
        }
        if (msg instanceof BlockUpload u) {
            out.add(pieceHeader(ctx, u.piece(), u.begin(), u.length()));
            for (io.netty.channel.FileRegion r : u.regions()) {
                out.add(r.retain()); // the encoder releases the upload after this, and with it its own hold on them
            }
            return;
        }
        if (msg instanceof PeerMessage.Piece p) {
            out.add(pieceHeader(ctx, p.piece(), p.begin(), p.length()));
            out.add(p.data().retain());
            return;
        }
        ByteBuf buf = ctx.alloc().buffer(17);
        write((PeerMessage) msg, buf);
        out.add(buf);
    }

    /** The 13 bytes before a block: length, id 7, piece, begin. */
    private static ByteBuf pieceHeader(ChannelHandlerContext ctx, int piece, int begin, int length) {
        ByteBuf header = ctx.alloc().buffer(13);
        header.writeInt(9 + length).writeByte(MessageIds.PIECE).writeInt(piece).writeInt(begin);
        return header;
    }

    static void write(PeerMessage msg, ByteBuf buf) {
        if (msg instanceof PeerMessage.KeepAlive) {
            buf.writeInt(0);
        } else if (msg instanceof PeerMessage.Choke) {
            simple(buf, MessageIds.CHOKE);
        } else if (msg instanceof PeerMessage.Unchoke) {
            simple(buf, MessageIds.UNCHOKE);
        } else if (msg instanceof PeerMessage.Interested) {
            simple(buf, MessageIds.INTERESTED);
        } else if (msg instanceof PeerMessage.NotInterested) {
            simple(buf, MessageIds.NOT_INTERESTED);
        } else if (msg instanceof PeerMessage.HaveAll) {
            simple(buf, MessageIds.HAVE_ALL);
        } else if (msg instanceof PeerMessage.HaveNone) {
            simple(buf, MessageIds.HAVE_NONE);
        } else if (msg instanceof PeerMessage.Have h) {
            buf.writeInt(5).writeByte(MessageIds.HAVE).writeInt(h.piece());
        } else if (msg instanceof PeerMessage.SuggestPiece s) {
            buf.writeInt(5).writeByte(MessageIds.SUGGEST_PIECE).writeInt(s.piece());
        } else if (msg instanceof PeerMessage.AllowedFast a) {
            buf.writeInt(5).writeByte(MessageIds.ALLOWED_FAST).writeInt(a.piece());
        } else if (msg instanceof PeerMessage.Bitfield b) {
            byte[] bits = b.bits();
            buf.writeInt(1 + bits.length).writeByte(MessageIds.BITFIELD).writeBytes(bits);
        } else if (msg instanceof PeerMessage.Request r) {
            block(buf, MessageIds.REQUEST, r.piece(), r.begin(), r.length());
        } else if (msg instanceof PeerMessage.Cancel c) {
            block(buf, MessageIds.CANCEL, c.piece(), c.begin(), c.length());
        } else if (msg instanceof PeerMessage.RejectRequest r) {
            block(buf, MessageIds.REJECT_REQUEST, r.piece(), r.begin(), r.length());
        } else if (msg instanceof PeerMessage.ExtensionHandshake h) {
            byte[] dictionary = ExtensionHandshakeCodec.payload(h);
            buf.writeInt(2 + dictionary.length).writeByte(MessageIds.EXTENDED).writeByte(ExtensionHandshakeCodec.ID).writeBytes(dictionary);
        } else if (msg instanceof PeerMessage.Port p) {
            buf.writeInt(3).writeByte(MessageIds.PORT).writeShort(p.port());
        } else {
            throw new IllegalArgumentException("cannot encode " + msg);
        }
    }

    private static void simple(ByteBuf buf, byte id) {
        buf.writeInt(1).writeByte(id);
    }

    private static void block(ByteBuf buf, byte id, int piece, int begin, int length) {
        buf.writeInt(13).writeByte(id).writeInt(piece).writeInt(begin).writeInt(length);
    }
}
