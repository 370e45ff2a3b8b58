package org.murder.tracker.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits before the HTTP codec and closes clients that would hold a connection without finishing:
 * a request must be complete (answered) within {@code requestTimeout} of its first byte, or the
 * client gets a {@code 408} and the connection closes (slowloris); so must the first request of a
 * connection from the connection's start (a connection that never sends a byte used to be kept for
 * the idle timeout: silent connections, reopened as they closed, held the connection cap and honest
 * announces got 503); a connection silent for the idle timeout between requests
 * ({@link io.netty.handler.timeout.IdleStateHandler} before this) is closed (half-open or forgotten
 * keep-alive). One instance per channel.
 */
final class SlowClientGuard extends ChannelDuplexHandler {
    private static final Logger log = LoggerFactory.getLogger(SlowClientGuard.class);
    private static final byte[] TIMEOUT = ConnectionLimiter.rawResponse("408 Request Timeout",
            "request not completed in time");

    private final long requestTimeoutMillis;
    private final TrackerMetrics metrics;
    private ScheduledFuture<?> deadline;
    /** A byte came on this connection. */
    private boolean spoke;

    SlowClientGuard(long requestTimeoutMillis, TrackerMetrics metrics) {
        this.requestTimeoutMillis = requestTimeoutMillis;
        this.metrics = metrics;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        deadline = ctx.executor().schedule(() -> silent(ctx), requestTimeoutMillis, TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    /** Nothing came since the connection opened: closed without a word (nothing was asked). */
    private void silent(ChannelHandlerContext ctx) {
        deadline = null;
        if (ctx.channel().isActive()) {
            log.debug("closing silent connection {}: nothing sent in {} ms", ctx.channel().remoteAddress(), requestTimeoutMillis);
            ctx.close();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!spoke && msg instanceof ByteBuf b && b.isReadable()) {
            spoke = true;
            disarm(); // the first request's own deadline, from its first byte
        }
        if (deadline == null && msg instanceof ByteBuf b && b.isReadable()) {
            deadline = ctx.executor().schedule(() -> expire(ctx), requestTimeoutMillis, TimeUnit.MILLISECONDS);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        disarm();
        ctx.write(msg, promise);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            log.debug("closing idle connection {}", ctx.channel().remoteAddress());
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        disarm();
        ctx.fireChannelInactive();
    }

    private void expire(ChannelHandlerContext ctx) {
        deadline = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        metrics.error("timeout");
        log.debug("closing slow client {}: request not complete after {} ms", ctx.channel().remoteAddress(),
                requestTimeoutMillis);
        Closer.afterFlush(ctx.writeAndFlush(Unpooled.wrappedBuffer(TIMEOUT)));
    }

    private void disarm() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }
}
