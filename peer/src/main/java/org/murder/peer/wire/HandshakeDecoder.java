package org.murder.peer.wire;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Reads the 68-byte handshake, emits a {@link Handshake}, then removes itself so the bytes after
 * it reach the message decoder. Fails fast: the first byte and the protocol string are checked
 * as soon as they arrive, so an encrypted (MSE) opening, an HTTP health check or a port scanner
 * is refused without waiting for 68 bytes. Not sharable.
 */
public final class HandshakeDecoder extends ByteToMessageDecoder {
    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int available = in.readableBytes();
        int start = in.readerIndex();
        if (available >= 1 && in.getUnsignedByte(start) != Handshake.PROTOCOL.length) {
            throw new WireException("handshake: first byte " + in.getUnsignedByte(start)
                    + " (expected: 19; an encrypted (MSE) or non-BitTorrent connection)");
        }
        int prefix = Math.min(available - 1, Handshake.PROTOCOL.length);
        for (int i = 0; i < prefix; i++) {
            if (in.getByte(start + 1 + i) != Handshake.PROTOCOL[i]) {
                throw new WireException("handshake: not the BitTorrent protocol string");
            }
        }
        if (available < Handshake.LENGTH) {
            return;
        }
        out.add(Handshake.readFrom(in));
        ctx.pipeline().remove(this);
    }
}
