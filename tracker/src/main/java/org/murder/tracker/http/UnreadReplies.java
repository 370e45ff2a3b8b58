package org.murder.tracker.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * Closes a connection that keeps sending requests while it does not read the replies: with its
 * socket full, what we write waits in our memory, and a client pipelining 300,000 requests it never
 * read held 1.6 GB of the tracker's. A request that comes while the connection is not writable (over
 * its write buffer's high-water mark) is dropped with the connection: no client that reads its
 * replies ever gets there. Between the aggregator and the router; shared, it keeps no state.
 */
@ChannelHandler.Sharable
final class UnreadReplies extends ChannelInboundHandlerAdapter {
    private final TrackerMetrics metrics;

    UnreadReplies(TrackerMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (ctx.channel().isWritable()) {
            ctx.fireChannelRead(msg);
            return;
        }
        ReferenceCountUtil.release(msg);
        if (ctx.channel().isOpen()) {
            metrics.error("unread");
            ctx.close();
        }
    }
}
