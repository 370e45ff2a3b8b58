package org.murder.peer.engine;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.FileRegion;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;
import org.murder.core.InfoHash;
import org.murder.core.LogThrottle;
import org.murder.core.PeerId;
import org.murder.core.RackName;
import org.murder.peer.wire.BlockUpload;
import org.murder.peer.wire.Handshake;
import org.murder.peer.wire.PeerMessage;
import org.murder.peer.wire.WireException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One peer connection: the last handler of the pipeline and the per-peer protocol state, which it
 * keeps to itself. The torrent it belongs to acts through intents ({@link #request}, {@link #have},
 * {@link #serve}, {@link #choke}, ...) and hears from it through {@link Events}, always on the
 * torrent's loop; every field below the handshake is read and written on that loop only.
 */
final class PeerConnection extends ChannelInboundHandlerAdapter implements PeerSet.Member, UploadSlots.Peer {
    private static final Logger LOG = LoggerFactory.getLogger(PeerConnection.class);
    /** Unexpected errors closing connections: five a minute in the log, with their stack traces, and a count of the rest. */
    private static final LogThrottle UNEXPECTED = new LogThrottle(60_000, 5);
    /** Messages read from it and handed to the torrent's loop, not handled yet (see {@link #MAX_QUEUED}). */
    private final java.util.concurrent.atomic.AtomicInteger queued = new java.util.concurrent.atomic.AtomicInteger();
    /**
     * We paused reading from it for {@link #MAX_QUEUED} (a shaper may pause it too: that one it resumes itself). Read and
     * written on the channel's event loop only, where reading is paused and resumed, so that a pause and a resume that
     * race (the torrent's loop drained the messages while this one paused) end with reading on.
     */
    private boolean pausedReading;
    /** {@link #maxUnwritten(int)} for its torrent, once the handshake named it. */
    private volatile long maxUnwritten = MAX_UNWRITTEN;
    /** Our messages written to it (through {@link #send}) and not yet taken by its socket. */
    private final java.util.concurrent.atomic.AtomicInteger unsent = new java.util.concurrent.atomic.AtomicInteger();
    private final ChannelFutureListener written = f -> unsent.decrementAndGet();
    /** {@link #MAX_UNSENT} and a Have for every piece of its torrent, once the handshake named it. */
    private volatile int maxUnsent = MAX_UNSENT;
    /**
     * Unwritten bytes, as Netty counts them, beyond which a connection is closed (besides what a bitfield
     * and a Have for every piece take, see {@link #maxUnwritten}): a peer that reads none of our replies (a
     * Reject for each request, a Choke and an Unchoke for each Not Interested and Interested it sends)
     * made the origin hold hundreds of megabytes of them, and run out of memory, within seconds. Netty
     * counts each message as its bytes and 96 more (a block, which goes from the file, as those 96 alone):
     * 1 MiB is about 10,000 replies.
     */
    static final long MAX_UNWRITTEN = 1 << 20;
    /** What one Have takes in the count: its 9 bytes and Netty's 96 for the message, rounded up. */
    static final int HAVE_COST = 128;
    /** Our messages waiting to be written beyond which a connection is closed (besides a Have for every piece): see {@link #closeIfUnread}. */
    static final int MAX_UNSENT = 10_000;
    /**
     * Messages of one connection handed to its torrent's loop and not handled yet beyond which reading
     * from it pauses (until they are down to a quarter): a flood of tiny messages read in one go (64 KiB
     * of Interested and Not Interested is 13,000 of them) must not queue without bound on a loop that
     * handles them slower than they are read.
     */
    static final int MAX_QUEUED = 4096;
    /**
     * Control messages (keep-alives, choke and interest, the fast extension's and the extension
     * protocol's, bitfields) one connection may send in a second. A peer sends a few; two connections
     * streaming keep-alives or Suggest Piece (each handled as a task on the torrent's loop) held a seed's
     * loop so busy that an honest download took 8 times as long, 13 times with twenty.
     */
    static final int MAX_CONTROL_PER_SECOND = 500;

    /** What the connection tells the torrent it joined; called on the torrent's loop (see {@link #run}). */
    interface Events {
        InfoHash infoHash();

        Handshake ourHandshake();

        /** The torrent's piece count: its largest message is a block or its bitfield (see MessageDecoder.maxFrameFor). */
        default int pieceCount() {
            return 0;
        }

        /** Runs {@code task} on the torrent's loop. */
        void run(Runnable task);

        /** The handshake is done: the torrent attaches the peer or closes it. */
        void joined(PeerConnection c);

        /** A message from an attached peer; the connection's own state is already updated. */
        void received(PeerConnection c, PeerMessage m);

        void left(PeerConnection c);

        /** We choked it (the Choke is written): the blocks it asked for that still wait are not sent. */
        default void choked(PeerConnection c) {
        }
    }

    /** What the engine does for connections before they belong to a torrent. */
    interface Host {
        PeerId peerId();

        Duration handshakeTimeout();

        /** The torrent an incoming handshake names, or null. */
        Events torrent(InfoHash infoHash);

        void awaitHandshake(PeerConnection c);

        void handshakeOver(PeerConnection c);
    }

    private final Host host;
    private final boolean outgoing;
    private Channel channel;
    /** What its socket's TCP_NOTSENT_LOWAT was set to (the engine sets it on every new socket). */
    private int notSentLowWater = Engine.NOT_SENT_LOW_WATER;
    private volatile Events torrent;
    private io.netty.util.concurrent.ScheduledFuture<?> handshakeTimer;
    /**
     * An incoming connection's wait for its handshake is over: its handshake came, it closed, or the
     * engine closed it to make room (Engine.awaitHandshake). Whichever comes first wins; the others
     * do nothing, so a peer whose handshake is being handled on its loop is never closed for room.
     */
    final AtomicBoolean handshakeSettled = new AtomicBoolean();

    // protocol state, owned by the torrent's loop
    private PeerId peerId;
    private Identity identity;
    /** {@link #sender()}, made at its first use (after the handshake). */
    private SmartBan.Sender sender;
    private boolean fast;
    /** It speaks the extension protocol (BEP 10): it is sent our extension handshake. */
    private boolean extensions;
    /**
     * Its extension handshake (its listening port, its rack); null: none came yet. Later ones are
     * ignored, but for the first that says a rack after one that said none (a peer that was checking
     * its files when we met tells its rack once it downloads).
     */
    private PeerMessage.ExtensionHandshake said;
    /** Whether its rack is taken as it said (see {@link #believeRack}). */
    private boolean rackBelieved;
    /** We told it our rack (in our extension handshake). */
    private boolean toldRack;
    private PieceSet has;
    private PeerAvailability availability;
    /** It had every piece when it connected (Have All or a full bitfield): see Sparing. */
    private boolean seedFromStart;
    private boolean amInterested;
    private boolean peerChoking = true;
    private boolean peerInterested;
    private boolean attached;
    private final AskedBlocks requests = new AskedBlocks();
    private RequestDepth requestDepth;
    /** How often its socket's round trip is read for {@link RequestDepth#roundTrip}. */
    private static final long ROUND_TRIP_EVERY_NANOS = 1_000_000_000L;
    /** When it was read last (the clock's nanoseconds); Long.MIN_VALUE / 2: never. */
    private long roundTripReadAt = Long.MIN_VALUE / 2;
    /** Blocks per request to this peer (see EngineConfig.MURDER_REQUEST_BLOCKS); set when attached. */
    private int requestBlocks = 1;
    /** Pieces this peer rejected a request for lately: not asked of it again until the next tick. */
    private final BitSet refused = new BitSet();
    /** {@link PiecePicker#generation()} when the picker last had nothing for this peer; -1: never. */
    private long nothingToAskAt = -1;
    /** Something was written to this peer since the last keep-alive check; see {@link #quietSince}. */
    private boolean wrote;
    /** Since when nothing was written to this peer, as the keep-alive checks saw it; set when attached. */
    private Instant quietSince;
    private int queuedUploads;
    /** Requests for blocks that were already waiting for it (see {@link #askedAgain}). */
    private int askedAgain;
    /** When it last moved data either way (or connected): see {@link IdleSlots}; set when attached. */
    private Instant usefulAt;
    private Instant joinedAt;
    /** Since when it owes us a block: a request went out with none in flight, or it last answered one. */
    private Instant owedSince;
    /** We closed it (see {@link #closedHere}); set on the thread that closes, read on the torrent's. */
    private volatile boolean closedHere;
    /** When a probe went to it (see {@link #probe}) since bytes last came from it; null: none. */
    private Instant probedAt;
    /**
     * Whether bytes came from it since the last tick (see {@link #heardAt}): set on the channel's loop as
     * they are read (a block at 1 KB/s takes 16 s to come whole, and it is not silent meanwhile).
     */
    private volatile boolean heard;
    /** When a message last came from it, as the torrent's ticks saw it (or it joined); set when attached. */
    private Instant heardAt;

    PeerConnection(Host host, Events torrent, boolean outgoing) {
        this.host = host;
        this.torrent = torrent;
        this.outgoing = outgoing;
    }

    // ---- what the torrent asks

    @Override
    public PeerId peerId() {
        return peerId;
    }

    /**
     * Who it is, for what outlives a connection: its peer id at its address (a peer id is what a
     * peer claims; another host may claim one it saw). Null before the handshake.
     */
    Identity identity() {
        return identity;
    }

    /** Who wrote what it sends, for bans (after the handshake): see {@link SmartBan.Sender}. */
    SmartBan.Sender sender() {
        SmartBan.Sender s = sender;
        if (s == null) {
            s = SmartBan.Sender.of(this);
            sender = s;
        }
        return s;
    }

    /** {@link #identity()}: a peer id and the address it came from. */
    record Identity(PeerId peerId, java.net.InetAddress address) {
    }

    boolean fast() {
        return fast;
    }

    boolean extensions() {
        return extensions;
    }

    /** The rack it said it is in, in its extension handshake, when believed ({@link #believeRack}); null: none said, or not believed. */
    RackName saidRack() {
        return rackBelieved ? claimedRack() : null;
    }

    /** The rack it said it is in, believed or not; null: none said. */
    RackName claimedRack() {
        return said == null ? null : said.rack().orElse(null);
    }

    /** The proof that came with its rack (see RackProofs); null: none. */
    String claimedRackProof() {
        return said == null ? null : said.rackProof().orElse(null);
    }

    /** Whether its rack is taken as it said: the session's judgement of its latest handshake. */
    void believeRack(boolean believed) {
        rackBelieved = believed;
    }

    /** Our address on this connection; null once closed. */
    InetSocketAddress local() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** Where it listens, when it dialled us and said its port (BEP 10 {@code p}); null otherwise. */
    @Override
    public InetSocketAddress listenAddress() {
        InetSocketAddress remote = remote();
        return outgoing || said == null || said.listenPort() == 0 || remote == null ? null
                : new InetSocketAddress(remote.getAddress(), said.listenPort());
    }

    @Override
    public InetSocketAddress remote() {
        return (InetSocketAddress) channel.remoteAddress();
    }

    @Override
    public boolean outgoing() {
        return outgoing;
    }

    @Override
    public int queuedUploads() {
        return queuedUploads;
    }

    @Override
    public int blocksInFlight() {
        return queuedUploads + requests.size();
    }

    @Override
    public int pieces() {
        return has == null ? 0 : has.count();
    }

    @Override
    public boolean rackMate() {
        return availability != null && availability.rackMate();
    }

    @Override
    public Instant usefulAt() {
        return usefulAt;
    }

    @Override
    public Instant joinedAt() {
        return joinedAt;
    }

    boolean attached() {
        return attached;
    }

    /** The pieces it has; read only (it changes through {@link #learnHave} and the like). */
    PieceSet has() {
        return has;
    }

    @Override
    public boolean seedFromStart() {
        return seedFromStart;
    }

    boolean isSeed() {
        return has != null && has.isAll();
    }

    boolean peerChoking() {
        return peerChoking;
    }

    boolean amInterested() {
        return amInterested;
    }

    /** Requests in flight to it, oldest first (read only). */
    Map<Long, Block> requests() {
        return requests.view();
    }

    int requestBlocks() {
        return requestBlocks;
    }

    BitSet refused() {
        return refused;
    }

    /** Requests to keep in flight now. */
    int depth() {
        return requestDepth.depth();
    }

    /** The picker found nothing for it at {@code generation}; and since then nothing changed? */
    boolean nothingToAskSince(long generation) {
        return nothingToAskAt == generation;
    }

    /** {@link PiecePicker#generation()} when the picker last had nothing for it; -1: never. */
    long nothingToAskAt() {
        return nothingToAskAt;
    }

    // ---- intents

    /**
     * Joins the torrent: sizes what it keeps, and says what we have ({@code ourPieces}, first, as
     * BEP 6 asks) and, to a peer that speaks BEP 10, that we listen on {@code listenPort} and are in
     * {@code rack}; what it has is told to {@code availability}.
     */
    void attach(int pieceCount, PeerAvailability availability, int requestBlocks, RequestDepth depth, Instant now,
            PeerMessage ourPieces, int listenPort, Optional<RackName> rack, Optional<String> rackProof) {
        this.has = new PieceSet(pieceCount);
        this.availability = availability;
        this.requestBlocks = requestBlocks;
        this.requestDepth = depth;
        this.usefulAt = now;
        this.joinedAt = now;
        this.quietSince = now;
        this.heardAt = now;
        this.attached = true;
        if (ourPieces != null) {
            send(ourPieces);
        }
        if (extensions) {
            send(new PeerMessage.ExtensionHandshake(listenPort, rack, rackProof));
            toldRack = rack.isPresent();
        }
        flush();
    }

    /**
     * Tells a peer that speaks BEP 10 and was told no rack at {@link #attach} (we were checking our
     * files then) that we are in {@code rack}, in a second extension handshake; true when sent.
     */
    boolean tellRack(int listenPort, RackName rack, Optional<String> rackProof) {
        if (!extensions || toldRack || !attached) {
            return false;
        }
        toldRack = true;
        send(new PeerMessage.ExtensionHandshake(listenPort, Optional.of(rack), rackProof));
        return true;
    }

    /** What it has, as told to the piece picker (and whether it counts as of our rack). */
    PeerAvailability availability() {
        return availability;
    }

    /** Leaves the torrent: messages still queued on the loop are dropped; returns the requests that were in flight. */
    List<Block> detach() {
        attached = false;
        availability.peerGone(has);
        return dropRequests();
    }

    void interested(boolean interesting) {
        if (interesting != amInterested) {
            amInterested = interesting;
            send(interesting ? new PeerMessage.Interested() : new PeerMessage.NotInterested());
        }
    }

    @Override
    public void choke() {
        send(new PeerMessage.Choke());
        flush();
        torrent.choked(this);
    }

    @Override
    public void unchoke() {
        askedAgain = 0;
        send(new PeerMessage.Unchoke());
        flush();
    }

    /**
     * Tells it we have {@code piece}, even when it has it too: it hands its free upload slots to the
     * peers with the fewest pieces ({@link UploadSlots}), and the origin refuses a piece that is
     * spreading ({@link FirstCopy}); both count on every peer's Haves. (They used to go only to
     * peers that lacked the piece, so a peer looked as far behind as it was when it connected.)
     * Returns whether it is news to the peer (it lacks the piece): only then is it worth a flush of
     * its own; the others ride with the next message.
     */
    boolean have(int piece) {
        send(new PeerMessage.Have(piece));
        return !has.has(piece);
    }

    void request(Block b, Instant now) {
        if (requests.isEmpty()) {
            owedSince = now;
        }
        requests.put(b, now);
        send(new PeerMessage.Request(b.piece(), b.begin(), b.length()));
    }

    /** The request a block it sent answers, no longer in flight; null when it was not asked of it. */
    Block answered(int piece, int begin, int bytes, Instant now) {
        Block b = requests.answered(Block.key(piece, begin), bytes);
        if (b != null) { // a block not (or no longer) asked of it proves nothing: it could be sent to keep requests hoarded
            owedSince = now;
        }
        if (b != null && b.length() == bytes) {
            long nanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
            if (nanos - roundTripReadAt >= ROUND_TRIP_EVERY_NANOS || nanos < roundTripReadAt) {
                roundTripReadAt = nanos;
                requestDepth.roundTrip(tcpRoundTripNanos());
            }
            requestDepth.onBlock(nanos, bytes);
        }
        return b;
    }

    /**
     * What it delivered of the blocks asked of it in the tick from {@code tickStart} to {@code now}
     * ({@link AskedBlocks#tick}; {@code rackMate}: it is of our rack); called once a tick.
     */
    SlowSources.Tick<PeerConnection> tickDelivery(boolean rackMate, Instant tickStart, Instant now) {
        return requests.tick(this, rackMate, tickStart, now);
    }

    /**
     * Whether blocks asked of it have been waiting {@code timeout} with none of them answered (sent or
     * rejected) since: a peer that takes requests and never serves them, choked or not.
     */
    boolean owesBlocksFor(Instant now, java.time.Duration timeout) {
        return !requests.isEmpty() && owedSince != null && !now.isBefore(owedSince.plus(timeout));
    }

    /** Data we needed moved between us (see {@link IdleSlots}). */
    void useful(Instant now) {
        usefulAt = now;
    }

    /** It refused a request: not asked for that piece again until {@link #forgetRefusals()}. */
    Block rejected(int piece, int begin, Instant now) {
        Block b = requests.remove(Block.key(piece, begin));
        if (b != null) {
            refused.set(b.piece());
            owedSince = now;
        }
        return b;
    }

    /** Whether it refused something since the last call. */
    boolean forgetRefusals() {
        boolean any = !refused.isEmpty();
        refused.clear();
        return any;
    }

    /** Cancels the request at {@code key} when it asks for nothing beyond {@code end} (an endgame duplicate); returns it. */
    Block cancelWithin(long key, int end) {
        Block other = requests.get(key);
        if (other == null || other.begin() + other.length() > end) {
            return null;
        }
        requests.remove(key);
        send(new PeerMessage.Cancel(other.piece(), other.begin(), other.length()));
        flush();
        return other;
    }

    /** Forgets every request in flight (it choked us, or left); returns them. */
    List<Block> dropRequests() {
        return requests.clear();
    }

    /** The picker had nothing for it at {@code generation}. */
    void nothingToAsk(long generation) {
        nothingToAskAt = generation;
        if (requests.isEmpty()) {
            requestDepth.idle();
        }
    }

    void reject(PeerMessage.Request r) {
        if (fast) {
            send(new PeerMessage.RejectRequest(r.piece(), r.begin(), r.length()));
        }
    }

    /** It asked us for a block, which waits in the torrent's {@link SendOrder} until {@link #serve}d. */
    void asked() {
        queuedUploads++;
    }

    /** It asked again for a block that still waits; returns how many times it did so since we last unchoked it. */
    int askedAgain() {
        return ++askedAgain;
    }

    /** A block it asked for will not be sent (it cancelled it). */
    void unasked() {
        queuedUploads--;
    }

    /**
     * Sends a block straight from the files ({@code sendfile}: the encoder frames the regions); calls
     * {@code sent} with the bytes on the torrent's loop once written (0 when the write failed).
     */
    void serve(PeerMessage.Request r, List<? extends FileRegion> regions, Instant now, IntConsumer sent) {
        wrote = true;
        usefulAt = now;
        Events t = torrent;
        channel.write(new BlockUpload(r.piece(), r.begin(), r.length(), regions)).addListener(f -> t.run(() -> {
            queuedUploads--;
            sent.accept(f.isSuccess() ? r.length() : 0);
        }));
    }

    /** Bytes came from it (on the channel's loop, before they are decoded). */
    void bytesCame() {
        if (!heard) {
            heard = true;
        }
    }

    /** A tick at {@code now}: bytes that came since the last one date {@link #heardAt} to now. */
    void tickHeard(Instant now) {
        if (heard) {
            heard = false;
            heardAt = now;
            probedAt = null;
        }
    }

    /**
     * Sends it a keep-alive, once while it stays silent: data of ours in its socket that TCP then sends
     * again and again unanswered ({@link #wayDown}) tells a cut way from a slow peer.
     */
    void probe(Instant now) {
        if (probedAt == null) {
            probedAt = now;
            send(new PeerMessage.KeepAlive());
            flush();
        }
    }

    /** When {@link #probe} sent it a keep-alive since bytes last came from it; null: none. */
    Instant probedAt() {
        return probedAt;
    }

    /**
     * Whether TCP is sending data of this socket again and again with nothing acknowledged (TCP_INFO: two
     * retransmission timeouts or more in a row): the way to the peer is down. With the epoll transport
     * only; false when unknown.
     */
    @Override
    public boolean wayDown() {
        if (channel instanceof io.netty.channel.epoll.EpollSocketChannel epoll && epoll.isOpen()) {
            try {
                io.netty.channel.epoll.EpollTcpInfo info = epoll.tcpInfo();
                return info.unacked() > 0 && info.retransmits() >= 2;
            } catch (io.netty.channel.ChannelException e) {
                LOG.debug("[peer={}] TCP_INFO: {}", channel.remoteAddress(), e.toString()); // closing
            }
        }
        return false;
    }

    /**
     * When bytes (of any message, a keep-alive too) last came from it, to the tick (see {@link #tickHeard}),
     * or when it joined; null before.
     */
    @Override
    public Instant heardAt() {
        return heardAt;
    }

    /**
     * A keep-alive when nothing was written to it for {@code keepAlive} (clients drop a connection
     * silent for two minutes), timed by the torrent's tick on its clock: {@code lastTick} is the
     * previous tick, so a keep-alive may go a tick early, never late.
     */
    void keepAlive(Instant now, Instant lastTick, Duration keepAlive) {
        if (wrote) {
            wrote = false;
            if (lastTick != null && lastTick.isAfter(quietSince)) {
                quietSince = lastTick;
            }
        }
        if (!now.isBefore(quietSince.plus(keepAlive))) {
            send(new PeerMessage.KeepAlive());
            flush();
        }
    }

    void send(Object msg) {
        wrote = true;
        unsent.incrementAndGet();
        channel.write(msg, channel.newPromise().addListener(written));
        closeIfUnread();
    }

    /**
     * Closes the connection when more waits to be written to it than {@link #maxUnwritten} bytes, or more of our
     * messages than {@link #MAX_UNSENT} and a Have for every piece (a rate limit, {@code --max-up}, holds messages
     * in its own queue, which the bytes do not count: each Choke and Unchoke of a flood waited there with a timer of
     * its own); true when it did.
     */
    private boolean closeIfUnread() {
        long unwritten = unwritten();
        long max = maxUnwritten;
        int messages = unsent.get();
        if (unwritten > max || messages > maxUnsent) {
            abort("reads nothing we send: " + messages + " messages, " + unwritten + " bytes wait to be written to it (at most "
                    + maxUnsent + ", " + max + ")");
            return true;
        }
        return false;
    }

    /** {@link #MAX_UNWRITTEN}, and room for the bitfield and a Have for every piece of a torrent of {@code pieces}. */
    static long maxUnwritten(int pieces) {
        return MAX_UNWRITTEN + (pieces + 7) / 8 + (long) pieces * HAVE_COST;
    }

    /**
     * What was written to the connection and its socket has not taken, as Netty counts it (the bytes,
     * blocks included, and 96 more for each message: the memory a message holds while it waits).
     */
    private long unwritten() {
        io.netty.channel.ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }

    void flush() {
        channel.flush();
    }

    /** Whether its channel is open: what is written to it may still go out. */
    boolean open() {
        return channel != null && channel.isActive();
    }

    /** Whether TCP reports its socket's round trip ({@link #tcpRoundTripNanos}): the epoll transport. */
    boolean reportsRoundTrip() {
        return channel instanceof io.netty.channel.epoll.EpollSocketChannel;
    }

    /** TCP's smoothed round trip of its socket (TCP_INFO; with the epoll transport only), 0 when unknown. */
    private long tcpRoundTripNanos() {
        if (channel instanceof io.netty.channel.epoll.EpollSocketChannel epoll && epoll.isOpen()) {
            try {
                return epoll.tcpInfo().rtt() * 1_000L; // microseconds
            } catch (io.netty.channel.ChannelException e) {
                LOG.debug("[peer={}] TCP_INFO: {}", channel.remoteAddress(), e.toString()); // closing
            }
        }
        return 0;
    }

    /** Unsent bytes its socket may hold (TCP_NOTSENT_LOWAT; with the epoll transport only), set when it changes. */
    void notSentLowWater(int bytes) {
        if (bytes == notSentLowWater) {
            return;
        }
        notSentLowWater = bytes;
        if (channel instanceof io.netty.channel.epoll.EpollSocketChannel epoll && epoll.isOpen()) {
            try {
                epoll.config().setTcpNotSentLowAt(bytes);
            } catch (io.netty.channel.ChannelException e) {
                LOG.debug("[peer={}] TCP_NOTSENT_LOWAT {}: {}", channel.remoteAddress(), bytes, e.toString()); // closing
            }
        }
    }

    /** Whether we closed it ({@link #close}, {@link #abort}, {@link #closeAfterFlush}), rather than its end. */
    boolean closedHere() {
        return closedHere;
    }

    void close(String reason) {
        closedHere = true;
        LOG.debug("[peer={}] closing: {}", channel == null ? "?" : channel.remoteAddress(), reason);
        if (channel != null) {
            channel.close();
        }
    }

    /**
     * Closes it at once with a reset, dropping what waits to be written: for a peer that reads nothing of
     * ours or floods us. A plain close queues our end-of-stream behind the replies it does not read, and
     * the kernel then kept the half-closed connection, its unsent bytes and the peer still writing into
     * it, for minutes (the test's client blocked in write that long).
     */
    void abort(String reason) {
        closedHere = true;
        LOG.debug("[peer={}] closing with a reset: {}", channel == null ? "?" : channel.remoteAddress(), reason);
        if (channel != null) {
            try {
                channel.config().setOption(io.netty.channel.ChannelOption.SO_LINGER, 0);
            } catch (io.netty.channel.ChannelException alreadyClosed) {
                // closing it is all that is left
            }
            channel.close();
        }
    }

    void closeAfterFlush(String reason) {
        closedHere = true;
        LOG.debug("[peer={}] closing: {}", channel.remoteAddress(), reason);
        channel.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    // ---- Netty events

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        if (!outgoing) {
            host.awaitHandshake(this);
        }
        long timeout = host.handshakeTimeout().toMillis();
        handshakeTimer = ctx.executor().schedule(() -> close("no handshake within " + timeout + " ms"), timeout,
                java.util.concurrent.TimeUnit.MILLISECONDS);
        if (outgoing) {
            ctx.writeAndFlush(torrent.ourHandshake());
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Handshake h) {
            onHandshake(ctx, h);
            return;
        }
        Events t = torrent;
        if (t == null || !(msg instanceof PeerMessage m) || closeIfUnread()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (isControl(m) && floodsControl(System.nanoTime())) {
            ReferenceCountUtil.release(msg);
            abort("more than " + MAX_CONTROL_PER_SECOND + " control messages in a second (keep-alives, interest, suggestions...;"
                    + " expected: a few)");
            return;
        }
        if (queued.incrementAndGet() > MAX_QUEUED && ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(false); // every time it is over: a traffic shaper may have turned reading on
            pausedReading = true;
        }
        Channel ch = ctx.channel();
        t.run(() -> {
            try {
                if (attached && update(m)) {
                    t.received(this, m);
                }
            } finally {
                ReferenceCountUtil.release(m);
                if (queued.decrementAndGet() == MAX_QUEUED / 4) { // down through a quarter: resume, on the channel's loop
                    ch.eventLoop().execute(() -> resumeReading(ch));
                }
            }
        });
    }

    /** Messages that carry no data and no request: what {@link #MAX_CONTROL_PER_SECOND} counts. */
    private static boolean isControl(PeerMessage m) {
        return !(m instanceof PeerMessage.Piece || m instanceof PeerMessage.Request || m instanceof PeerMessage.Cancel
                || m instanceof PeerMessage.RejectRequest || m instanceof PeerMessage.Have);
    }

    /** Counts a control message read at {@code nanos} (on the channel's loop); true past the second's allowance. */
    private boolean floodsControl(long nanos) {
        if (nanos - controlSince > 1_000_000_000L) {
            controlSince = nanos;
            controlCount = 0;
        }
        return ++controlCount > MAX_CONTROL_PER_SECOND;
    }

    /** The second {@link #controlCount} counts in, from {@link System#nanoTime}; the channel's loop's own. */
    private long controlSince = System.nanoTime();
    private int controlCount;

    /** On the channel's event loop: reading goes on if we paused it and a quarter of {@link #MAX_QUEUED} or fewer wait. */
    private void resumeReading(Channel ch) {
        if (pausedReading && queued.get() <= MAX_QUEUED / 4) {
            pausedReading = false;
            ch.config().setAutoRead(true);
        }
    }

    /** The state a message changes that is the connection's own; false when the torrent is not to hear of it: it closed the connection for it, or it is an extension handshake after the first. */
    private boolean update(PeerMessage m) {
        int pieces = has.pieceCount();
        if (m instanceof PeerMessage.Have h) {
            if (h.piece() >= pieces) {
                close("have piece " + h.piece() + " out of range [0, " + pieces + ")");
                return false;
            }
            if (has.add(h.piece())) {
                availability.peerHas(h.piece());
            }
        } else if (m instanceof PeerMessage.Bitfield b) {
            if (b.bits().length != (pieces + 7) / 8) {
                close("bitfield of " + b.bits().length + " bytes (expected: " + (pieces + 7) / 8 + ")");
                return false;
            }
            for (int i = 0; i < pieces; i++) {
                if (b.has(i) && has.add(i)) {
                    availability.peerHas(i);
                }
            }
            if (seedFromStart != has.isAll()) {
                seedFromStart = has.isAll();
                nothingToAskAt = -1; // it may be asked other pieces now (TorrentSession.outside), which no Have bumped
            }
        } else if (m instanceof PeerMessage.HaveAll) {
            availability.peerGone(has);
            has.setAll();
            seedFromStart = true;
            availability.peerHasAll();
        } else if (m instanceof PeerMessage.Unchoke) {
            peerChoking = false;
            availability.choking(false, has);
        } else if (m instanceof PeerMessage.Choke) {
            peerChoking = true;
            availability.choking(true, has);
        } else if (m instanceof PeerMessage.ExtensionHandshake x) {
            if (said != null && (said.rack().isPresent() || x.rack().isEmpty())) {
                return false; // the first rack said holds: a peer flipping its rack could make us look at every peer again each time
            }
            // a later one adds its rack (and proof), nothing else: the port first said stays (the peer set keys on it)
            said = said == null || said.listenPort() == 0 ? x : new PeerMessage.ExtensionHandshake(said.listenPort(), x.rack(), x.rackProof());
            rackBelieved = false; // until the session judged it
        } else if (m instanceof PeerMessage.Interested) {
            peerInterested = true;
        } else if (m instanceof PeerMessage.NotInterested) {
            peerInterested = false;
        }
        return true;
    }

    /** Requests and haves written while handling a batch of reads go out in one flush. */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Events t = torrent;
        if (t != null) {
            t.run(ctx::flush);
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
            host.handshakeOver(this);
            return true;
        }
        return false;
    }

    private void onHandshake(ChannelHandlerContext ctx, Handshake h) {
        if (!handshakeOver()) {
            return; // closed to make room for newer connections
        }
        Events t = outgoing ? torrent : host.torrent(h.infoHash());
        if (t == null) {
            close("handshake for a torrent we do not serve: " + h.infoHash());
            return;
        }
        if (!h.infoHash().equals(t.infoHash())) {
            close("handshake infohash " + h.infoHash() + " (expected: " + t.infoHash() + ")");
            return;
        }
        if (h.peerId().equals(host.peerId())) {
            close("connected to ourselves");
            return;
        }
        torrent = t;
        org.murder.peer.wire.MessageDecoder decoder = ctx.pipeline().get(org.murder.peer.wire.MessageDecoder.class);
        maxUnwritten = maxUnwritten(Math.max(0, t.pieceCount()));
        maxUnsent = MAX_UNSENT + Math.max(0, t.pieceCount());
        if (decoder != null && t.pieceCount() > 0) { // no frame beyond what this torrent can need (a peer holding a partial
            decoder.maxFrame(org.murder.peer.wire.MessageDecoder.maxFrameFor(t.pieceCount())); // one pins that much)
        }
        if (!outgoing) {
            ctx.writeAndFlush(t.ourHandshake());
        }
        t.run(() -> {
            peerId = h.peerId();
            identity = new Identity(peerId, remote().getAddress());
            fast = h.fastExtension();
            extensions = h.extensionProtocol();
            t.joined(this);
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        handshakeOver();
        Events t = torrent;
        if (t != null) {
            t.run(() -> t.left(this));
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
            long heldBack = UNEXPECTED.acquire(); // out of memory meets every connection at once
            if (heldBack >= 0) {
                LOG.warn("[peer={}] closing after an unexpected error{}", ctx.channel().remoteAddress(), LogThrottle.suffix(heldBack),
                        cause);
            }
        }
        ctx.close();
    }

    @Override
    public String toString() {
        return String.valueOf(channel == null ? "?" : channel.remoteAddress()) + (peerId == null ? "" : "/" + peerId);
    }
}
