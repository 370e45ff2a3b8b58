package org.murder.tracker.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;
import org.murder.core.LogThrottle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First in every pipeline: counts open connections and turns away those past the cap with a
 * {@code 503} and a close, logging (throttled) that the cap was hit.
 */
@Sharable
final class ConnectionLimiter extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionLimiter.class);
    private static final byte[] BUSY = rawResponse("503 Service Unavailable", "tracker too busy: connection cap reached");

    private static final io.netty.util.AttributeKey<Boolean> REFUSED = io.netty.util.AttributeKey.valueOf("murder.refused");

    private static final byte[] BUSY_SOURCE = rawResponse("503 Service Unavailable",
            "tracker too busy for this address: its connection cap reached");
    /** The source a counted connection was counted under. */
    private static final io.netty.util.AttributeKey<java.net.InetAddress> COUNTED = io.netty.util.AttributeKey.valueOf("murder.source");

    private final int maxConnections;
    private final int maxPerSource;
    private final java.util.function.UnaryOperator<java.net.InetAddress> sourceKey;
    /** Open connections by source (each change atomic for its key: merge, computeIfPresent). */
    private final java.util.concurrent.ConcurrentHashMap<java.net.InetAddress, Integer> bySource = new java.util.concurrent.ConcurrentHashMap<>();
    private final TrackerMetrics metrics;
    private final LogThrottle throttle = new LogThrottle(10_000, 1);

    /**
     * @param maxPerSource open connections one source may hold once more than half of {@code maxConnections} are
     *                     open ({@code sourceKey} says what a source is: the address, an IPv6 one by its prefix)
     */
    ConnectionLimiter(int maxConnections, int maxPerSource, java.util.function.UnaryOperator<java.net.InetAddress> sourceKey,
            TrackerMetrics metrics) {
        this.maxConnections = maxConnections;
        this.maxPerSource = maxPerSource;
        this.sourceKey = sourceKey;
        this.metrics = metrics;
    }

    /** A complete {@code Connection: close} response with a bencoded failure reason, for handlers before the codec. */
    static byte[] rawResponse(String status, String reason) {
        String body = "d14:failure reason" + reason.length() + ":" + reason + "e";
        return ("HTTP/1.1 " + status + "\r\nContent-Type: text/plain\r\nContent-Length: " + body.length()
                + "\r\nConnection: close\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        metrics.connectionOpened();
        int open = metrics.openConnections();
        if (open > maxConnections) {
            metrics.capHit("connections");
            metrics.error("capacity");
            long heldBack = throttle.acquire();
            if (heldBack >= 0) {
                log.warn("cap hit: {} open connections (cap --max-connections {}); refusing {}{}", open, maxConnections,
                        ctx.channel().remoteAddress(), LogThrottle.suffix(heldBack));
            }
            refuse(ctx, BUSY);
            return;
        }
        if (ctx.channel().remoteAddress() instanceof java.net.InetSocketAddress remote) {
            java.net.InetAddress source = sourceKey.apply(remote.getAddress());
            int held = bySource.merge(source, 1, Integer::sum);
            ctx.channel().attr(COUNTED).set(source);
            if (held > maxPerSource && open > maxConnections / 2) { // only when connections run short: a fleet behind one NAT
                // or proxy may hold them all while nobody else needs them
                metrics.capHit("connections_per_source");
                metrics.error("capacity");
                long heldBack = throttle.acquire();
                if (heldBack >= 0) {
                    log.warn("cap hit: {} open connections from {} (cap --max-connections-per-source {}); refusing{}", held,
                            source.getHostAddress(), maxPerSource, LogThrottle.suffix(heldBack));
                }
                refuse(ctx, BUSY_SOURCE);
                return;
            }
        }
        ctx.fireChannelActive();
    }

    private static void refuse(ChannelHandlerContext ctx, byte[] response) {
        ctx.channel().attr(REFUSED).set(Boolean.TRUE);
        Closer.afterFlush(ctx.writeAndFlush(Unpooled.wrappedBuffer(response)));
    }

    /** A refused connection's requests are read and dropped until it closes. */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (Boolean.TRUE.equals(ctx.channel().attr(REFUSED).get())) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        metrics.connectionClosed();
        java.net.InetAddress source = ctx.channel().attr(COUNTED).getAndSet(null);
        if (source != null) {
            bySource.computeIfPresent(source, (k, n) -> n <= 1 ? null : n - 1);
        }
        ctx.fireChannelInactive();
    }
}
