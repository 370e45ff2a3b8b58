package org.murder.tracker.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * The pipeline of one client connection, head to tail: connection cap, idle detection, the slow
 * client guard, the HTTP codec with capped request line and headers, a small aggregator (no
 * tracker request has a body worth more than a few bytes), a client that does not read its replies
 * closed ({@link UnreadReplies}), then the router.
 */
public final class TrackerChannelInitializer extends ChannelInitializer<SocketChannel> {
    private final HttpSettings settings;
    private final TrackerMetrics metrics;
    private final ConnectionLimiter limiter;
    private final TrackerHttpHandler handler;
    private final UnreadReplies unread;

    public TrackerChannelInitializer(HttpSettings settings, TrackerMetrics metrics, TrackerHttpHandler handler) {
        this.settings = settings;
        this.metrics = metrics;
        this.limiter = new ConnectionLimiter(settings.maxConnections(), settings.maxConnectionsPerSource(),
                address -> org.murder.tracker.swarm.SwarmSettings.sourceKey(address, settings.sourcePrefixV6()), metrics);
        this.handler = handler;
        this.unread = new UnreadReplies(metrics);
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ChannelPipeline p = ch.pipeline();
        p.addLast("limit", limiter);
        p.addLast("idle", new IdleStateHandler(settings.idleTimeoutMillis(), 0, 0, TimeUnit.MILLISECONDS));
        p.addLast("guard", new SlowClientGuard(settings.requestTimeoutMillis(), metrics));
        p.addLast("codec", new HttpServerCodec(settings.maxRequestLine(), settings.maxHeaderSize(), 8192));
        p.addLast("aggregate", new HttpObjectAggregator(settings.maxBody()) {
            @Override
            protected void handleOversizedMessage(ChannelHandlerContext ctx, io.netty.handler.codec.http.HttpMessage m)
                    throws Exception {
                metrics.error("too_large");
                // Netty's own answer keeps a keep-alive connection open and drops the rest of the body as it comes: a client
                // that sent it all waits on the open connection for a reply that never comes (5 s, the audit saw). Closed.
                io.netty.handler.codec.http.FullHttpResponse tooLarge = new io.netty.handler.codec.http.DefaultFullHttpResponse(
                        m.protocolVersion(), io.netty.handler.codec.http.HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE);
                tooLarge.headers().set(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_LENGTH, 0)
                        .set(io.netty.handler.codec.http.HttpHeaderNames.CONNECTION, io.netty.handler.codec.http.HttpHeaderValues.CLOSE);
                // half-closed, not closed: a close with the body's bytes still unread sends a reset, and the client may lose the
                // answer to it; the rest of the body is read and dropped (the aggregator's) until the client closes, 2 s at most
                ctx.writeAndFlush(tooLarge).addListener(f -> {
                    if (ctx.channel() instanceof SocketChannel sc && f.isSuccess()) {
                        sc.shutdownOutput();
                        ctx.executor().schedule(() -> ctx.close(), 2, TimeUnit.SECONDS);
                    } else {
                        ctx.close();
                    }
                });
            }
        });
        p.addLast("unread", unread);
        p.addLast("tracker", handler);
    }
}
