package org.murder.peer.engine;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.unix.Errors;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.handler.traffic.GlobalTrafficShapingHandler;
import java.io.Closeable;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.murder.core.InfoHash;
import org.murder.core.MurderException;
import org.murder.core.PeerId;
import org.murder.core.metainfo.MetaInfo;
import org.murder.peer.storage.Storage;
import org.murder.peer.wire.HandshakeDecoder;
import org.murder.peer.wire.MessageDecoder;
import org.murder.peer.wire.MessageEncoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The BitTorrent engine of one process: a listener on the first free port of the configured
 * range, the event loops, the hashing pool, and the torrents it downloads or seeds. A peer and
 * a seeder are this same engine with different storage and session options.
 */
public final class Engine implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);
    /** Largest frame accepted before we know the torrent: a 128 KiB block, or a bitfield of 8 M pieces. */
    static final int MAX_FRAME = 1 << 20;
    /**
     * Unsent bytes a socket holds at most before it takes more (TCP_NOTSENT_LOWAT; with Netty's
     * epoll transport, Linux): what the uplink sends next is then mostly still in the torrent's
     * {@link SendOrder}, not in the kernel in the order asked. Enough to keep a loopback or
     * datacenter link busy between two wake-ups of the event loop.
     */
    static final int NOT_SENT_LOW_WATER = 128 * 1024;
    /**
     * Incoming connections that may wait for their handshake at once (each for at most
     * {@code handshakeTimeout}): a new one beyond closes the oldest, so connections that never say
     * anything can neither take every file descriptor nor keep a real peer out (its handshake
     * comes within a round trip).
     */
    static final int MAX_AWAITING_HANDSHAKE = 256;
    /** Reads of up to 1 MiB when data streams in: a quarter of the system calls of Netty's 64 KiB default. */
    private static final io.netty.channel.AdaptiveRecvByteBufAllocator RECEIVE_BUFFERS =
            new io.netty.channel.AdaptiveRecvByteBufAllocator(512, 16 * 1024, 1 << 20);

    private final EngineConfig config;
    private final Clock clock;
    private final PeerId peerId = PeerId.random();
    private final EngineThreads threads;
    /** Piece buffers, shared by the torrents (see BufferBudget). */
    private final org.murder.peer.storage.BufferBudget pieceBuffers = org.murder.peer.storage.BufferBudget.forEngine();
    /** Whether {@link #threads} are this engine's own (closed with it) or shared with other engines. */
    private final boolean ownThreads;
    private final GlobalTrafficShapingHandler shaper;
    private final Map<InfoHash, TorrentSession> sessions = new ConcurrentHashMap<>();
    private final Random random = new Random();
    /** Incoming connections that have not sent their handshake yet, oldest first (see {@link #MAX_AWAITING_HANDSHAKE}). */
    private final java.util.Deque<PeerConnection> awaitingHandshake = new java.util.concurrent.ConcurrentLinkedDeque<>();
    private final java.util.concurrent.atomic.AtomicInteger awaitingCount = new java.util.concurrent.atomic.AtomicInteger();
    /** Guards {@link #ended} and the removal of sessions, so that a torrent ending is counted once. */
    private final Object statsLock = new Object();
    /** The counters of the torrents that ended: {@link #stats()} adds them, so its totals never go back. */
    private Totals ended = Totals.ZERO;
    private final SessionContext context = new Context();
    private final PeerConnection.Host host = new Host();
    private Channel server;
    private int port;
    private boolean closed;

    private Engine(EngineConfig config, Clock clock, EngineThreads threads, boolean ownThreads) {
        this.config = config;
        this.clock = clock;
        this.threads = threads;
        this.ownThreads = ownThreads;
        this.shaper = config.maxUp().isUnlimited() && config.maxDown().isUnlimited() ? null
                : new GlobalTrafficShapingHandler(threads.group.next(), config.maxUp().bytesPerSecond(),
                        config.maxDown().bytesPerSecond(), 100);
    }

    /** Starts an engine listening on the first free port of {@code config.portRange()}. */
    public static Engine start(EngineConfig config, Clock clock) {
        return start(new Engine(config, clock, EngineThreads.create(config.ioThreads(), config.hashThreads()), true));
    }

    /**
     * Starts an engine on threads shared with other engines of this process (its config's thread
     * counts do not apply); closing it leaves {@code threads} running.
     */
    public static Engine start(EngineConfig config, Clock clock, EngineThreads threads) {
        return start(new Engine(config, clock, threads, false));
    }

    private static Engine start(Engine engine) {
        try {
            engine.listen();
            return engine;
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    private void listen() {
        ServerBootstrap b = new ServerBootstrap().group(threads.group).channel(threads.serverChannel)
                .option(ChannelOption.SO_BACKLOG, 256)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, RECEIVE_BUFFERS)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 4 << 20))
                .childHandler(initializer(null, false));
        InetAddress bind = config.bindAddress().orElse(null);
        if (bind != null && !bind.isAnyLocalAddress() && !isOurs(bind)) { // NIO would call it a port in use, epoll errno -99
            throw MurderException.badInput("--bind " + bind.getHostAddress() + ": not an address of this host (expected: one of its"
                    + " interfaces' addresses, or none to listen on all)");
        }
        for (int p = config.portRange().first(); p <= config.portRange().last(); p++) {
            ChannelFuture f = b.bind(bind == null ? new InetSocketAddress(p) : new InetSocketAddress(bind, p)).awaitUninterruptibly();
            if (f.isSuccess()) {
                server = f.channel();
                port = p;
                LOG.info("listening for peers on {}:{} (range {}), peer id {}", bind == null ? "*" : bind.getHostAddress(), p,
                        config.portRange(), peerId);
                LOG.debug("transport: {}", threads.serverChannel.getSimpleName());
                return;
            }
            if (!portTaken(f.cause())) {
                throw MurderException.failure("listen on port " + p + ": " + f.cause().getMessage(), f.cause());
            }
        }
        throw new NoFreePortException(config.portRange());
    }

    /** The port is in use (or not ours to take): try the next one of the range. */
    /** Whether {@code address} is one of this host's (loopback ones included). */
    private static boolean isOurs(InetAddress address) {
        try {
            return address.isLoopbackAddress() || java.net.NetworkInterface.getByInetAddress(address) != null;
        } catch (java.net.SocketException e) {
            return true; // cannot tell: the bind says
        }
    }

    private static boolean portTaken(Throwable t) {
        // NIO says BindException; the native transport gives bind(2)'s errno: EADDRINUSE 98, EACCES 13 (Linux)
        return t instanceof BindException
                || t instanceof Errors.NativeIoException e && (e.expectedErr() == -98 || e.expectedErr() == -13);
    }

    private ChannelInitializer<SocketChannel> initializer(PeerConnection.Events torrent, boolean outgoing) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                if (ch instanceof EpollSocketChannel epoll) {
                    epoll.config().setTcpNotSentLowAt(NOT_SENT_LOW_WATER);
                }
                ChannelPipeline p = ch.pipeline();
                if (shaper != null) {
                    p.addLast("shaper", shaper);
                }
                // reads only: keep-alives come from the session's tick (PeerConnection.keepAlive); a
                // writer timeout here would put a listener on every write
                p.addLast("idle", new IdleStateHandler(config.idleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
                PeerConnection peer = new PeerConnection(host, torrent, outgoing);
                p.addLast("heard", new io.netty.channel.ChannelInboundHandlerAdapter() { // bytes, before a message is whole
                    @Override
                    public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                        peer.bytesCame();
                        ctx.fireChannelRead(msg);
                    }
                });
                p.addLast("handshake", new HandshakeDecoder());
                p.addLast("messages", new MessageDecoder(MAX_FRAME));
                p.addLast("encoder", MessageEncoder.INSTANCE);
                p.addLast("peer", peer);
            }
        };
    }

    /**
     * Dials from the address we listen on when that is one address (a host with several, or many
     * engines on one machine each on its own address: peers, bans and rate limits see the address
     * the tracker gave them), from any otherwise.
     */
    private ChannelFuture connect(PeerConnection.Events torrent, InetSocketAddress address, EventLoop loop) {
        Bootstrap b = new Bootstrap().group(loop).channel(threads.socketChannel)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.RCVBUF_ALLOCATOR, RECEIVE_BUFFERS)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 4 << 20))
                .handler(initializer(torrent, true));
        InetAddress bind = config.bindAddress().filter(a -> !a.isAnyLocalAddress()).orElse(null);
        return bind == null || address.isUnresolved() || bind.getClass() != address.getAddress().getClass() ? b.connect(address)
                : b.connect(address, new InetSocketAddress(bind, 0));
    }

    /**
     * Adds a torrent and starts it. For a download, pass {@link Storage#forDownload}; for seeding,
     * {@link Storage#forSeeding} with {@code recheck} set in the options.
     */
    public Torrent add(MetaInfo meta, Storage storage, SessionOptions options, SessionListener listener) {
        EventLoop loop = threads.group.next();
        TorrentSession s = new TorrentSession(context, meta, storage, options, listener, loop, clock, new Random(random.nextLong()));
        if (sessions.putIfAbsent(meta.infoHash(), s) != null) {
            storage.close();
            throw MurderException.badInput(meta.name() + " (" + meta.infoHash() + "): already running in this engine");
        }
        s.finished().whenComplete((v, e) -> storage.close());
        s.start();
        return new Torrent(s);
    }

    /** The torrent of {@code infoHash} this engine runs now (downloading, or seeding after it finished), if any. */
    public java.util.Optional<Torrent> running(org.murder.core.InfoHash infoHash) {
        TorrentSession s = sessions.get(infoHash);
        return s == null ? java.util.Optional.empty() : java.util.Optional.of(new Torrent(s));
    }

    /** Counts an incoming connection until its handshake, closing the oldest waiting one when too many wait. */
    private void awaitHandshake(PeerConnection c) {
        awaitingHandshake.addLast(c);
        if (awaitingCount.incrementAndGet() > MAX_AWAITING_HANDSHAKE) {
            PeerConnection oldest = awaitingHandshake.pollFirst();
            if (oldest != null) {
                awaitingCount.decrementAndGet();
                if (oldest.handshakeSettled.compareAndSet(false, true)) { // not if its handshake is being handled
                    oldest.close(MAX_AWAITING_HANDSHAKE + " newer connections wait for their handshake");
                }
            }
        }
    }

    private void handshakeOver(PeerConnection c) {
        if (awaitingHandshake.remove(c)) {
            awaitingCount.decrementAndGet();
        }
    }

    private void remove(TorrentSession s) {
        synchronized (statsLock) {
            if (sessions.remove(s.infoHash(), s)) {
                ended = ended.plus(s.stats());
            }
        }
    }

    /**
     * The engine's counters now, from any thread: totals over the torrents that ended and those
     * running (each read from its volatile counters, never from its loop's collections).
     */
    public EngineStats stats() {
        java.util.List<TorrentStats> running = new java.util.ArrayList<>();
        Totals total;
        synchronized (statsLock) { // a torrent ending now is counted once: in `ended` or in `running`
            total = ended;
            for (TorrentSession s : sessions.values()) {
                running.add(s.stats());
            }
        }
        int peers = 0;
        for (TorrentStats t : running) {
            total = total.plus(t);
            peers += t.peers();
        }
        return new EngineStats(total.downloaded(), total.uploaded(), total.piecesVerified(), total.piecesFailed(),
                total.peersBanned(), peers, running);
    }

    /** Counters summed over torrents. */
    private record Totals(long downloaded, long uploaded, long piecesVerified, long piecesFailed, long peersBanned) {
        static final Totals ZERO = new Totals(0, 0, 0, 0, 0);

        Totals plus(TorrentStats t) {
            return new Totals(downloaded + t.downloaded(), uploaded + t.uploaded(), piecesVerified + t.piecesVerified(),
                    piecesFailed + t.piecesFailed(), peersBanned + t.peersBanned());
        }
    }

    /**
     * Whether a peer address is this engine. Bound to one address, only that address (and the one we
     * announce) is us: another engine of this machine on another address may well have our port.
     */
    private boolean isSelf(InetSocketAddress a) {
        if (a.getPort() != port) {
            return false;
        }
        InetAddress bind = config.bindAddress().filter(b -> !b.isAnyLocalAddress()).orElse(null);
        if (bind != null && a.getAddress() != null) {
            return a.getAddress().equals(bind) || config.announceIp().filter(ip -> ip.equals(a.getAddress().getHostAddress())).isPresent();
        }
        return a.getAddress() == null || a.getAddress().isLoopbackAddress() || a.getAddress().isAnyLocalAddress()
                || isLocal(a.getAddress());
    }

    private static boolean isLocal(InetAddress a) {
        try {
            return java.net.NetworkInterface.getByInetAddress(a) != null;
        } catch (java.net.SocketException e) {
            return false;
        }
    }

    public int port() {
        return port;
    }

    public PeerId peerId() {
        return peerId;
    }

    public EngineConfig config() {
        return config;
    }

    /** What a torrent sees of the engine. */
    private final class Context implements SessionContext {
        @Override
        public EngineConfig config() {
            return config;
        }

        @Override
        public PeerId peerId() {
            return peerId;
        }

        @Override
        public int port() {
            return port;
        }

        @Override
        public boolean isSelf(InetSocketAddress address) {
            return Engine.this.isSelf(address);
        }

        @Override
        public ChannelFuture connect(PeerConnection.Events torrent, InetSocketAddress address, EventLoop loop) {
            return Engine.this.connect(torrent, address, loop);
        }

        @Override
        public ExecutorService hashPool() {
            return threads.hashPool;
        }

        @Override
        public org.murder.peer.storage.BufferBudget pieceBuffers() {
            return pieceBuffers;
        }

        @Override
        public ExecutorService md5Executor() {
            return threads.md5Executor;
        }

        @Override
        public ExecutorService syncExecutor() {
            return threads.syncExecutor;
        }

        @Override
        public void ended(TorrentSession session) {
            remove(session);
        }
    }

    /** What a connection sees of the engine before its handshake names a torrent. */
    private final class Host implements PeerConnection.Host {
        @Override
        public PeerId peerId() {
            return peerId;
        }

        @Override
        public java.time.Duration handshakeTimeout() {
            return config.handshakeTimeout();
        }

        @Override
        public PeerConnection.Events torrent(InfoHash infoHash) {
            return sessions.get(infoHash);
        }

        @Override
        public void awaitHandshake(PeerConnection c) {
            Engine.this.awaitHandshake(c);
        }

        @Override
        public void handshakeOver(PeerConnection c) {
            Engine.this.handshakeOver(c);
        }
    }

    /**
     * Stops every torrent (announcing {@code stopped}), then the listener and the threads. Safe to
     * call more than once and from several threads (a shutdown hook and the main thread): the
     * first call does the work, later ones wait for it and return.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        // all at once, one deadline: `seed --dir` with many torrents must stop within systemd's timeout
        CompletableFuture<?>[] stops = sessions.values().stream().map(TorrentSession::stop).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(stops).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the rest of the close goes on; the caller sees the flag
            LOG.debug("stopping {} torrents: interrupted", stops.length);
        } catch (Exception e) {
            LOG.debug("stopping {} torrents: {}", stops.length, e.toString());
        }
        if (server != null) {
            server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        if (shaper != null) {
            shaper.release();
        }
        if (ownThreads) {
            threads.close();
        }
    }
}
