package org.murder.peer.engine;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;
import org.murder.core.PeerId;
import org.murder.peer.wire.Handshake;
import org.murder.peer.wire.PeerMessage;
import org.murder.peer.wire.WireException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One peer connection: the last handler of the pipeline and the per-peer protocol state. Netty
 * events are handed to the owning {@link TorrentSession} on its event loop; every field below
 * the handshake is read and written on that loop only.
 */
final class PeerConnection extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(PeerConnection.class);

    private final Engine engine;
    private final boolean outgoing;
    private Channel channel;
    private volatile TorrentSession session;
    private io.netty.util.concurrent.ScheduledFuture<?> handshakeTimer;
    /**
     * An incoming connection's wait for its handshake is over: its handshake came, it closed, or the
     * engine closed it to make room (Engine.awaitHandshake). Whichever comes first wins; the others
     * do nothing, so a peer whose handshake is being handled on its loop is never closed for room.
     */
    final java.util.concurrent.atomic.AtomicBoolean handshakeSettled = new java.util.concurrent.atomic.AtomicBoolean();

    // protocol state, owned by the session loop
    PeerId peerId;
    boolean fast;
    PieceSet has;
    /** It had every piece when it connected (Have All or a full bitfield): see TorrentSession.sparingSeeds. */
    boolean seedFromStart;
    boolean amChoking = true;
    boolean amInterested;
    boolean peerChoking = true;
    boolean peerInterested;
    boolean attached;
    final Map<Long, Block> requests = new LinkedHashMap<>();
    /** How many of {@link #requests} to keep in flight; set when attached to a session. */
    RequestDepth requestDepth;
    /** Something was written to this peer since the session's last tick; see {@link #quietSince}. */
    boolean wrote;
    /** Since when nothing was written to this peer, as the session's tick saw it; set when attached. */
    Instant quietSince;
    /** Blocks per request to this peer (see EngineConfig.MURDER_REQUEST_BLOCKS); set when attached. */
    int requestBlocks = 1;
    /** Pieces this peer rejected a request for lately: not asked of it again until the next tick. */
    final BitSet refused = new BitSet();
    int queuedUploads;
    /** When it last moved data either way (or connected): see {@link IdleSlots}; set when attached. */
    Instant usefulAt;
    /** When we last unchoked it. */
    Instant unchokedAt = Instant.EPOCH;
    /** Choked for holding an upload slot without asking: unchoked again only after peers that wait. */
    boolean idleChoked;
    /** {@link PiecePicker#generation()} when the picker last had nothing for this peer; -1: never. */
    long nothingToAskAt = -1;
    long downloaded;
    long uploaded;

    PeerConnection(Engine engine, TorrentSession session, boolean outgoing) {
        this.engine = engine;
        this.session = session;
        this.outgoing = outgoing;
    }

    Channel channel() {
        return channel;
    }

    InetSocketAddress remote() {
        return (InetSocketAddress) channel.remoteAddress();
    }

    boolean outgoing() {
        return outgoing;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        if (!outgoing) {
            engine.awaitHandshake(this);
        }
        long timeout = engine.config().handshakeTimeout().toMillis();
        handshakeTimer = ctx.executor().schedule(() -> close("no handshake within " + timeout + " ms"), timeout,
                java.util.concurrent.TimeUnit.MILLISECONDS);
        if (outgoing) {
            ctx.writeAndFlush(session.ourHandshake());
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Handshake h) {
            onHandshake(ctx, h);
            return;
        }
        TorrentSession s = session;
        if (s == null || !(msg instanceof PeerMessage m)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        s.run(() -> {
            try {
                if (attached) {
                    s.onMessage(this, m);
                }
            } finally {
                ReferenceCountUtil.release(m);
            }
        });
    }

    /** Requests and haves written while handling a batch of reads go out in one flush. */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        TorrentSession s = session;
        if (s != null) {
            s.run(ctx::flush);
        } else {
            ctx.flush();
        }
        ctx.fireChannelReadComplete();
    }

    /** Ends the wait for the handshake; false when the engine had already closed this connection for room. */
    private boolean handshakeOver() {
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
        }
        if (outgoing) {
            return true;
        }
        if (handshakeSettled.compareAndSet(false, true)) {
            engine.handshakeOver(this);
            return true;
        }
        return false;
    }

    private void onHandshake(ChannelHandlerContext ctx, Handshake h) {
        if (!handshakeOver()) {
            return; // closed to make room for newer connections
        }
        TorrentSession s = outgoing ? session : engine.session(h.infoHash());
        if (s == null) {
            close("handshake for a torrent we do not serve: " + h.infoHash());
            return;
        }
        if (!h.infoHash().equals(s.infoHash())) {
            close("handshake infohash " + h.infoHash() + " (expected: " + s.infoHash() + ")");
            return;
        }
        if (h.peerId().equals(engine.peerId())) {
            close("connected to ourselves");
            return;
        }
        session = s;
        if (!outgoing) {
            ctx.writeAndFlush(s.ourHandshake());
        }
        s.run(() -> {
            peerId = h.peerId();
            fast = h.fastExtension();
            s.attach(this);
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        handshakeOver();
        TorrentSession s = session;
        if (s != null) {
            s.run(() -> s.detach(this));
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent idle) {
            if (idle.state() == IdleState.READER_IDLE) {
                close("silent for too long");
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause.getCause() instanceof WireException w ? w : cause;
        if (root instanceof WireException || root instanceof java.io.IOException) {
            LOG.debug("[peer={}] closing: {}", ctx.channel().remoteAddress(), root.getMessage());
        } else {
            LOG.warn("[peer={}] closing after an unexpected error", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }

    void send(Object msg) {
        wrote = true;
        channel.write(msg, channel.voidPromise());
    }

    void flush() {
        channel.flush();
    }

    void close(String reason) {
        LOG.debug("[peer={}] closing: {}", channel == null ? "?" : channel.remoteAddress(), reason);
        if (channel != null) {
            channel.close();
        }
    }

    void closeAfterFlush(String reason) {
        LOG.debug("[peer={}] closing: {}", channel.remoteAddress(), reason);
        channel.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public String toString() {
        return String.valueOf(channel == null ? "?" : channel.remoteAddress()) + (peerId == null ? "" : "/" + peerId);
    }
}
