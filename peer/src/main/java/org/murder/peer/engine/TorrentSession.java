package org.murder.peer.engine;

import io.netty.channel.EventLoop;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.murder.core.ByteSize;
import org.murder.core.Durations;
import org.murder.core.Hex;
import org.murder.core.InfoHash;
import org.murder.core.LogThrottle;
import org.murder.core.MurderException;
import org.murder.core.Printable;
import org.murder.core.RackName;
import org.murder.core.metainfo.MetaInfo;
import org.murder.peer.storage.PieceVerifier;
import org.murder.peer.storage.SharedFileRegion;
import org.murder.peer.storage.Storage;
import org.murder.peer.tracker.AnnounceRequest;
import org.murder.peer.tracker.AnnounceResponse;
import org.murder.peer.tracker.TrackerClient;
import org.murder.peer.wire.Handshake;
import org.murder.peer.wire.PeerMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One torrent in the engine: routes peers' messages to the policies that decide ({@link PeerSet},
 * {@link PiecePicker} with each peer's {@link RequestDepth}, {@link UploadSlots}, {@link FirstCopy},
 * {@link Sparing}, {@link Announcer}, {@link FinishPipeline}) and fills requests. All state
 * lives on one event loop ({@link #run}); time comes from the injected {@link Clock}, read by a
 * tick once a second, by the send-ahead's stall check and as messages come. Callers hold a {@link Torrent}.
 */
final class TorrentSession implements PeerConnection.Events, FinishPipeline.Events {
    private static final Logger LOG = LoggerFactory.getLogger(TorrentSession.class);
    /**
     * How long blocks asked of a peer may wait with none of them answered before it is disconnected
     * (libtorrent: 60 s too). A live peer behind the slowest link we shape (1 Mbit/s, shared by 8
     * upload slots) answers a request of 4 blocks in about 4 s.
     */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    /** A tick this long after the one before ran late (our process paused, a suspended VM): messages may wait unread. */
    static final Duration TICK_LATE = Duration.ofSeconds(3);
    /** See {@link #dropPeersThatOweBlocks}: longer than {@link PeerSet#SILENT}. */
    static final Duration NOTHING_FROM_ANYONE = Duration.ofSeconds(15);
    /** See {@link #dropPeersThatOweBlocks}: a probe's retransmissions back off to 3 s and more in this. */
    static final Duration PROBE_AFTER = Duration.ofSeconds(5);
    /** Bytes handed to connections and not yet taken by their sockets, at most: see {@link SendAhead}. */
    static final long SEND_AHEAD = 2L * EngineConfig.MURDER_REQUEST_BLOCKS * EngineConfig.BLOCK_SIZE;

    private final SessionContext context;
    private final MetaInfo meta;
    private final Storage storage;
    private final SessionOptions options;
    private final SessionListener listener;
    private final EventLoop loop;
    private final Clock clock;
    private final EngineConfig config;
    private final PiecePicker picker;
    private final PieceVerifier verifier;
    private final SmartBan bans;
    /** Pieces that overlap BEP 47 padding, and the senders banned for a whole one that failed its check. */
    private final java.util.BitSet paddedPieces;
    private final java.util.Set<InetAddress> paddedFailedBy = new java.util.HashSet<>();
    /**
     * How many senders may each send a whole piece holding padding that fails before the torrent, not
     * its senders, is judged wrong. Counted over all such pieces: with 3 seeds, 3 different pieces may
     * each fail once, and every seed is banned before any one piece failed 3 times.
     */
    static final int PADDED_FAILURES = 3;
    private final PeerSet<PeerConnection> peers;
    private final UploadSlots<PeerConnection> uploads;
    private final UplinkRoom uplinkRoom = new UplinkRoom();
    private final Sparing seedSparing = new Sparing(Sparing.SEEDS);
    private final Sparing rackSparing = new Sparing(Sparing.RACK);
    /** Warnings of rack claims that fail their proof: a few a minute. */
    private final LogThrottle unprovenRackLog = new LogThrottle(60_000, 3);
    /** Addresses of the peers of our rack, as the tracker last said (empty: we gave no rack, or the tracker does not say). */
    private Set<InetAddress> rackMates = Set.of();
    private final Announcer announcer;
    private final FinishPipeline finish;
    private final String logId;
    private final SessionCounters counters = new SessionCounters();
    /** The exit code a failed session ends with (see {@link #failed(String, int)}). */
    private volatile int failureCode = MurderException.FAILURE;
    /** A seed-only session found pieces of its file that do not match (see {@link FileMismatchException}). */
    private volatile boolean fileMismatch;
    private final CompletableFuture<Void> completed = new CompletableFuture<>();
    private final CompletableFuture<Snapshot> finished = new CompletableFuture<>();
    private final FirstCopy<PeerConnection> firstCopy;
    /** The blocks peers asked us for and we have not handed to their connections yet: see {@link #sendWaiting}. */
    private final SendOrder<PeerConnection> sends;
    /** What the connections were handed and their sockets have not taken yet. */
    private final SendAhead<PeerConnection> handedOut = new SendAhead<>(SEND_AHEAD);
    /** What each socket may hold unsent, from the uplink's rate while blocks wait. */
    private final SocketBacklog socketBacklog = new SocketBacklog();
    /** A check for connections that stopped taking their hand-out (see {@link #armStallCheck}), and when it runs. */
    private ScheduledFuture<?> stallCheck;
    private Instant stallCheckAt;
    private long uploadedAtTick;
    private Instant lastData;
    /** The session downloaded something (it did not start complete, as a seed does). */
    private boolean downloadedHere;
    /** The listener threw once: logged then, not again (see {@link #tell}). */
    private boolean listenerFailed;
    private Instant completedAt;
    private ScheduledFuture<?> ticker;
    /** The clock at the last tick (null before the first). */
    private Instant lastTick;

    TorrentSession(SessionContext context, MetaInfo meta, Storage storage, SessionOptions options, SessionListener listener,
            EventLoop loop, Clock clock, Random random) {
        this.context = context;
        this.meta = meta;
        this.storage = storage;
        this.options = options;
        this.listener = listener;
        this.loop = loop;
        this.clock = clock;
        this.config = context.config();
        this.logId = meta.infoHash().toHex().substring(0, 8);
        this.picker = new PiecePicker(meta.pieceCount(), meta.pieceLength(), meta.totalLength(), EngineConfig.BLOCK_SIZE,
                config.randomFirstPieces(), PiecePicker.windowPieces(config.orderWindow(), meta.pieceLength()), random);
        this.verifier = new PieceVerifier(meta, storage, context.hashPool(), context.pieceBuffers());
        this.bans = new SmartBan((int) ((meta.pieceLength() + EngineConfig.BLOCK_SIZE - 1) / EngineConfig.BLOCK_SIZE));
        this.peers = new PeerSet<>(config.maxConnections(), bans, context::isSelf, context.peerId());
        this.uploads = new UploadSlots<>(config.maxUnchoked(), clock);
        TrackerClient trackers = new TrackerClient(meta.trackerTiers(), Duration.ofSeconds(10));
        String key = Hex.encode(ByteBuffer.allocate(4).putInt(random.nextInt()).array());
        this.announcer = new Announcer((event, numWant) -> {
            AnnounceRequest request = new AnnounceRequest(meta.infoHash(), context.peerId(), context.port(), counters.uploaded,
                    counters.downloaded, meta.totalLength() - picker.haveBytes(), event, config.announceIp(), numWant, key,
                    ourRack());
            return () -> trackers.announce(request);
        }, trackers.hasTrackers(), clock, config.reannounce(), this::run, this::answered, logId);
        this.finish = new FinishPipeline(meta, storage, verifier, options.expectedMd5(), picker::has, this::run,
                new FinishPipeline.Workers(context.hashPool(), context.md5Executor(), context.syncExecutor()), this, logId);
        this.firstCopy = new FirstCopy<>(meta.pieceCount(), meta::pieceSize, PeerConnection::identity, PeerConnection::saidRack,
                picker::availability, this::readerStuck);
        PaddingBlocks padding = PaddingBlocks.of(meta, EngineConfig.BLOCK_SIZE);
        this.paddedPieces = padding.paddedPieces();
        if (padding.any()) {
            picker.skip(padding::of); // zeros: never asked of a peer
        }
        this.sends = new SendOrder<>(meta.pieceLength());
        this.lastData = clock.instant();
    }

    @Override
    public InfoHash infoHash() {
        return meta.infoHash();
    }

    MetaInfo meta() {
        return meta;
    }

    CompletableFuture<Void> completed() {
        return completed;
    }

    CompletableFuture<Snapshot> finished() {
        return finished;
    }

    /** Runs {@code task} on this session's loop: now if already there. */
    @Override
    public void run(Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    @Override
    public Handshake ourHandshake() {
        return new Handshake(meta.infoHash(), context.peerId(), true, true);
    }

    @Override
    public int pieceCount() {
        return meta.pieceCount();
    }

    void start() {
        run(() -> {
            ticker = loop.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
            if (!options.recheck() || !storage.existedBefore()) {
                begin();
                return;
            }
            if (options.hashedHere()) {
                java.util.BitSet all = new java.util.BitSet(meta.pieceCount());
                all.set(0, meta.pieceCount());
                LOG.info("[torrent={}] {}: {} pieces hashed here as it was packed, not read again", logId, meta.name(),
                        meta.pieceCount());
                all.stream().forEach(picker::markHave);
                counters.verified = picker.haveBytes();
                begin();
                return;
            }
            LOG.info("[torrent={}] checking {} on disk", logId, meta.name());
            verifier.verifyAll(n -> { }).whenComplete((good, err) -> run(() -> {
                if (err != null) {
                    failed("check " + meta.name() + ": " + Failures.rootMessage(err));
                    return;
                }
                LOG.info("[torrent={}] {} of {} pieces already good", logId, good.cardinality(), meta.pieceCount());
                Optional<String> inPlace = options.seedOnly() ? Optional.empty()
                        : storage.differingFoundFile(good, meta.pieceLength(), meta.name());
                if (inPlace.isPresent()) {
                    failed(inPlace.get(), MurderException.BAD_INPUT);
                    return;
                }
                good.stream().forEach(picker::markHave);
                counters.verified = picker.haveBytes();
                tellWhatTheCheckFound(good);
                begin();
            }));
        });
    }

    /**
     * Peers that joined while the files were checked were told we had nothing (Have None, or no
     * bitfield): they hear of every piece the check found now, one Have each (BEP 3 allows no
     * bitfield after the first message). They used to wait for good: a seed restarted under its
     * peers served nothing to those that reconnected before its check ended.
     */
    private void tellWhatTheCheckFound(java.util.BitSet good) {
        if (good.isEmpty() || counters.state.isFinal()) {
            return;
        }
        for (PeerConnection c : peers.connected()) {
            good.stream().forEach(c::have);
            if (c.amInterested()) {
                c.interested(!picker.isComplete() && picker.interesting(c.has()));
            }
            c.flush();
        }
    }

    private void begin() {
        if (counters.state.isFinal()) {
            return;
        }
        lastData = clock.instant();
        if (options.seedOnly() && !picker.isComplete()) {
            fileMismatch = true;
            failed(storage.currentPaths().get(0) + ": " + (meta.pieceCount() - picker.haveCount()) + " of " + meta.pieceCount()
                    + " pieces do not match " + meta.name() + " (expected: the complete file the torrent was made from)");
            return;
        }
        if (picker.isComplete()) {
            setState(SessionState.FINISHING);
            finish.allVerified();
        } else {
            downloadedHere = true;
            setState(SessionState.DOWNLOADING);
            if (ourRack().isPresent()) {
                tellRack(); // peers that came while we checked were told no rack
                recountRackMates(); // peers that said our rack while we checked (and had none yet) are rack-mates now
            }
        }
        announcer.begin();
        dial();
        if (counters.state == SessionState.DOWNLOADING) {
            fillAll(); // peers that unchoked us during the check were asked nothing then (fill waits for the check)
        }
    }

    /** Peers learned some other way than from the tracker (tests, agents that know their neighbours): see answered. */
    void learn(List<InetSocketAddress> addresses) {
        run(() -> {
            peers.learn(addresses);
            dial();
        });
    }

    /**
     * The rack we are in as others are told (the tracker, our peers' extension handshakes): the
     * configured one while we download or once we did; none for a seed from the start (the origin is
     * outside every rack, whatever the configuration says), nor while the files are checked.
     */
    private Optional<RackName> ourRack() {
        return downloadedHere ? config.rack() : Optional.empty();
    }

    /** A tracker's answer (on the session's thread): its peers, and who shares our rack. */
    private void answered(AnnounceResponse answer) {
        rackMatesAre(answer.rackMates());
        if (ourRack().isPresent()) {
            long before = picker.generation();
            picker.outsideShare(answer.gateway());
            if (picker.generation() != before) {
                fillAll(); // another share: other pieces may be asked of other racks
            }
            peers.keepForOtherRacks(answer.gateway().isGateway(), a -> rackMates.contains(a));
        }
        peers.learn(answer.peers());
        dial();
    }

    /**
     * The tracker named the addresses of our rack's peers (murder's tracker does, to a peer that gave a
     * rack): connected peers at those addresses count as our rack's from now on, the others no longer.
     * With rack proofs, the list only guides which addresses a gateway dials and keeps slots for
     * (PeerSet): a rack-mate is one by its proof, and sparing starts with the first proven one, not
     * with a list anyone could get into by announcing our rack.
     */
    private void rackMatesAre(Set<InetAddress> mates) {
        Set<InetAddress> now = ourRack().isPresent() ? mates : Set.of();
        if (now.equals(rackMates)) {
            return;
        }
        rackMates = now;
        if (!now.isEmpty() && config.rackProofs().isEmpty()) {
            expectRackMates();
        }
        recountRackMates();
        fillAll(); // a peer no longer of our rack may be asked for more
    }

    /**
     * How a peer is asked, as our rack sees it: while peers of our rack deliver, a peer of another rack
     * only for what our rack lacks, and, unless it sends first copies once (a seed from the start: the
     * origin, see FirstCopy), only for our share of it as one of the rack's gateways. (The swarm
     * simulator asks the same.)
     */
    static PiecePicker.Outside outside(boolean sparingOurRack, boolean rackMate, boolean seedFromStart) {
        if (!sparingOurRack || rackMate) {
            return PiecePicker.Outside.ANY;
        }
        return seedFromStart ? PiecePicker.Outside.WHAT_OUR_RACK_LACKS : PiecePicker.Outside.OUR_SHARE_OF_WHAT_OUR_RACK_LACKS;
    }

    /**
     * How long {@code c}'s requests in flight cover at its rate: the configured time for a murder peer
     * whose round trip TCP reports (the epoll transport: the time then grows with a long round trip,
     * see RequestDepth.roundTrip); at least what other clients' batching was measured with for the
     * rest, murder peers on NIO included, whose round trip is unknown and may exceed a short time.
     */
    static java.time.Duration pipelineTime(java.time.Duration configured, boolean murder, boolean roundTripKnown) {
        return murder && roundTripKnown || configured.compareTo(RequestDepth.BATCHING_PEER_TIME) >= 0 ? configured
                : RequestDepth.BATCHING_PEER_TIME;
    }

    /** Tells every connected peer's availability whether it counts as of our rack now. */
    private void recountRackMates() {
        boolean any = false;
        for (PeerConnection c : peers.connected()) {
            any |= recount(c);
        }
        if (any) {
            expectRackMates();
        }
    }

    /** Tells {@code c}'s availability whether it counts as of our rack now ({@link #isRackMate}); true when it does. */
    private boolean recount(PeerConnection c) {
        boolean mate = isRackMate(c);
        c.availability().rackMate(mate, c.has());
        return mate;
    }

    /**
     * Whether {@code c} counts as of our rack: our tracker named its address as of our rack (not with
     * rack proofs), or, a murder peer, it said our rack in its extension handshake (with rack proofs:
     * and proved it, see {@link #judgeRack}). The tracker names the rack-mates that announced
     * before us only, and the others at our next announce (5 s later at the start); a host dialled by
     * the rack-mates that came after it took them for peers of other racks until then.
     */
    private boolean isRackMate(PeerConnection c) {
        if (ourRack().isEmpty()) {
            return false;
        }
        if (c.peerId().isMurder() && ourRack().get().equals(c.saidRack())) {
            return true;
        }
        if (config.rackProofs().isPresent()) {
            return false; // a tracker takes racks on an announce's word: only a proven one counts
        }
        InetSocketAddress remote = c.remote();
        return !rackMates.isEmpty() && remote != null && rackMates.contains(remote.getAddress());
    }

    // ---- peers

    private void dial() {
        if (counters.state.isFinal() || counters.state == SessionState.CHECKING) {
            return;
        }
        for (InetSocketAddress a : peers.toDial(clock.instant(), counters.state == SessionState.DOWNLOADING)) {
            try {
                context.connect(this, a, loop).addListener(f -> run(peers::dialled));
            } catch (RuntimeException e) { // an address Netty cannot even try: the dial is over
                LOG.debug("[torrent={}] dial {}: {}", logId, a, e.toString());
                peers.dialled();
            }
        }
    }

    @Override
    public void joined(PeerConnection c) {
        if (counters.state.isFinal()) {
            c.close("session stopped");
            return;
        }
        Instant now = clock.instant();
        PeerSet.Admission<PeerConnection> admission = peers.admit(c, now);
        if (!admission.admitted()) {
            c.close(admission.why());
            return;
        }
        if (admission.evicted() != null) {
            LOG.debug("[torrent={} peer={}] makes way for {}: {}", logId, admission.evicted(), c, admission.why());
            admission.evicted().close(admission.why()); // first: left() tells FirstCopy we closed it (closedHere)
            left(admission.evicted());
        }
        int blocks = c.peerId().isMurder() ? Math.min(EngineConfig.MURDER_REQUEST_BLOCKS, config.pipelineBlocks()) : 1;
        RequestDepth depth = new RequestDepth(Math.max(1, config.pipelineBlocks() / blocks), pipelineTime(config.pipelineTime(), c.peerId().isMurder(), c.reportsRoundTrip()).toNanos(),
                EngineConfig.BLOCK_SIZE * blocks, !c.peerId().isMurder());
        PeerMessage ours = c.fast() && picker.isComplete() ? new PeerMessage.HaveAll()
                : c.fast() && picker.haveCount() == 0 ? new PeerMessage.HaveNone()
                : picker.haveCount() > 0 ? new PeerMessage.Bitfield(picker.bitfield()) : null;
        Optional<RackName> rack = c.peerId().isMurder() ? ourRack() : Optional.empty(); // other clients are not told where we are
        c.attach(meta.pieceCount(), new PeerAvailability(picker), blocks, depth, now, ours, context.port(), rack,
                rack.flatMap(r -> rackProof(c, r)));
        judgeRack(c);
        recount(c);
        peers.add(c);
        uploads.add(c);
        if (!downloadedHere) {
            firstCopy.back(c, now);
        }
        counters.peers = peers.size();
        LOG.debug("[torrent={} peer={}] connected ({} peers)", logId, c, peers.size());
    }

    @Override
    public void left(PeerConnection c) {
        if (!peers.remove(c)) {
            return;
        }
        counters.peers = peers.size();
        c.detach().forEach(picker::abandoned);
        countSeeds();
        firstCopy.gone(c, clock.instant(), c.closedHere());
        uploads.remove(c);
        sends.remove(c);
        handedOut.gone(c);
        LOG.debug("[torrent={} peer={}] disconnected ({} peers)", logId, c, peers.size());
        fillAll();
        sendWaiting(); // what it held no longer counts
    }

    private void countSeeds() {
        int n = 0;
        for (PeerConnection o : peers.connected()) {
            n += o.isSeed() ? 1 : 0;
        }
        picker.seeds(n);
        counters.seeds = n;
    }

    // ---- messages (replies are flushed once per batch of reads: PeerConnection.channelReadComplete)

    @Override
    public void received(PeerConnection c, PeerMessage m) {
        if (m instanceof PeerMessage.Piece p) {
            onPiece(c, p);
        } else if (m instanceof PeerMessage.Request r) {
            onRequest(c, r);
        } else if (m instanceof PeerMessage.Have h) {
            if (!downloadedHere) {
                firstCopy.has(h.piece(), c, clock.instant());
            }
            peerHasChanged(c, h.piece()); // what it has is updated by the connection
        } else if (m instanceof PeerMessage.Bitfield || m instanceof PeerMessage.HaveAll) {
            peerHasChanged(c, -1);
        } else if (m instanceof PeerMessage.Unchoke) {
            fill(c);
        } else if (m instanceof PeerMessage.Choke) {
            if (!c.fast() && !c.requests().isEmpty()) {
                c.dropRequests().forEach(picker::abandoned);
                fillAll(); // the blocks it will not send can go to the other peers now
            }
        } else if (m instanceof PeerMessage.RejectRequest r) {
            Block b = c.rejected(r.piece(), r.begin(), clock.instant());
            if (b != null) {
                picker.abandoned(b);
            }
            fillAll();
        } else if (m instanceof PeerMessage.Interested) {
            uploads.interested(c);
        } else if (m instanceof PeerMessage.NotInterested) {
            uploads.notInterested(c);
        } else if (m instanceof PeerMessage.Cancel x) {
            onCancel(c, new PeerMessage.Request(x.piece(), x.begin(), x.length()));
        } else if (m instanceof PeerMessage.ExtensionHandshake) {
            saidItsRack(c);
        }
        // keep-alive, have none, port, extended (its handshake updates the connection), suggest, allowed fast: nothing to do
    }

    /**
     * We know of rack-mates now: spare them before any delivered (Sparing.expect, once), but not
     * while checking (the grace would run out before the download).
     */
    private void expectRackMates() {
        if (counters.state == SessionState.DOWNLOADING) {
            rackSparing.expect(clock.instant());
        }
    }

    /**
     * Our proof of {@code rack} to {@code c} (see RackProofs): empty without rack proofs, or once
     * the connection is gone.
     */
    private Optional<String> rackProof(PeerConnection c, RackName rack) {
        if (config.rackProofs().isEmpty()) {
            return Optional.empty();
        }
        InetSocketAddress local = c.local();
        InetSocketAddress remote = c.remote();
        if (local == null || remote == null) {
            return Optional.empty();
        }
        return Optional.of(config.rackProofs().get().proof(meta.infoHash(), local.getAddress(), remote.getAddress(), rack));
    }

    /** Tells the murder peers that were told no rack when they joined (we were checking) that we are in ours. */
    private void tellRack() {
        RackName rack = ourRack().orElseThrow();
        for (PeerConnection c : peers.connected()) {
            if (c.peerId().isMurder() && c.tellRack(context.port(), rack, rackProof(c, rack))) {
                c.flush();
            }
        }
    }

    /**
     * Whether the rack {@code c} said is taken: always without rack proofs (peers started by hand
     * share no secret), else only with the proof of that claim on this connection. A claim of our
     * own rack that fails is worth a warning: another secret, or addresses translated between us.
     */
    private void judgeRack(PeerConnection c) {
        RackName claimed = c.claimedRack();
        if (claimed == null || config.rackProofs().isEmpty()) {
            c.believeRack(claimed != null);
            return;
        }
        InetSocketAddress local = c.local();
        InetSocketAddress remote = c.remote();
        boolean proven = local != null && remote != null && config.rackProofs().get().verifies(c.claimedRackProof(), meta.infoHash(),
                remote.getAddress(), local.getAddress(), claimed);
        c.believeRack(proven);
        if (!proven && remote != null && ourRack().map(claimed::equals).orElse(false)) {
            long heldBack = unprovenRackLog.acquire();
            if (heldBack >= 0) {
                LOG.warn("[torrent={} peer={}] says it is in our rack {} {}: taken as of another rack (an agent of a murder before"
                        + " 2026-12-07, which sends no proofs, a peer without this deploy's secret, or an address translated between"
                        + " us){}", logId, remote.getAddress().getHostAddress(),
                        Printable.escape(claimed.value()), c.claimedRackProof() == null ? "without a proof" : "with a proof that does not verify",
                        LogThrottle.suffix(heldBack));
            }
        }
    }

    /** {@code c} told its rack (or none): a rack-mate is one from now on, and rack sparing starts if it had not. */
    private void saidItsRack(PeerConnection c) {
        judgeRack(c);
        boolean was = c.availability().rackMate();
        boolean mate = recount(c);
        if (mate == was) {
            return;
        }
        if (mate) {
            expectRackMates();
        }
        fillAll(); // what it has counts as our rack's now
    }

    /** It has more pieces: {@code piece} (one Have), or -1 (a bitfield, Have All). */
    private void peerHasChanged(PeerConnection c, int piece) {
        if (picker.isComplete() && c.isSeed()) {
            bothSeeds(c);
            return;
        }
        if (c.isSeed()) {
            countSeeds();
        }
        if (piece >= 0 && picker.has(piece)) {
            return; // a piece we have: nothing new to ask of it (murder peers send every Have)
        }
        // more pieces never make a peer less interesting: one Have needs no scan of what we lack
        if (piece < 0 || !c.amInterested()) {
            c.interested(!picker.isComplete() && (piece >= 0 || picker.interesting(c.has()))); // a piece >= 0 is one we lack (above)
        }
        fill(c);
    }

    // ---- downloads

    private void fill(PeerConnection c) {
        if (c.peerChoking() || !c.amInterested() || counters.state != SessionState.DOWNLOADING) {
            return;
        }
        if (c.nothingToAskSince(picker.generation()) && !picker.inEndgame()) {
            return; // nothing changed since the picker last found nothing for this peer
        }
        int depth = c.depth();
        Instant now = clock.instant();
        while (c.requests().size() < depth) {
            // a seed of our own rack is not spared: its uplink feeds the rack, not the swarm's only way in
            Block b = picker.next(c.has(), c.requests(), seedSparing.sparing() && c.seedFromStart() && !c.availability().rackMate(),
                    outside(rackSparing.sparing(), c.availability().rackMate(), c.seedFromStart()), c.refused(), c.requestBlocks(),
                    c.nothingToAskAt());
            if (b == null) {
                c.nothingToAsk(picker.generation());
                break;
            }
            c.request(b, now);
        }
    }

    /**
     * Fills every connection and flushes each (what waited for a flush goes too: see checked).
     * Flushing only those it asked something of cut the fleet's packets by 4 % more, but 16-host
     * runs then stalled at their end in 6 of 18 (twice with Haves held, four times with every Have
     * at once), against 1 of 8 with the code before (this fill, every Have at once) and 0 of 4 with
     * the code as it is (bench/swarm.sh -C 25mbit -F 64, December 5): not shown to be the cause,
     * not kept.
     */
    private void fillAll() {
        for (PeerConnection c : peers.connected()) {
            fill(c);
            c.flush();
        }
    }

    private void onPiece(PeerConnection c, PeerMessage.Piece p) {
        Instant now = clock.instant();
        Block asked = c.answered(p.piece(), p.begin(), p.length(), now);
        if (asked == null) {
            return; // not asked of this peer (cancelled in the endgame, or unsolicited): ignore
        }
        if (asked.length() != p.length()) {
            picker.abandoned(asked);
            c.close("block " + p.piece() + "/" + p.begin() + " of " + p.length() + " bytes (expected: " + asked.length() + ")");
            return;
        }
        PiecePicker.Arrival arrival = picker.received(p.piece(), p.begin(), p.length());
        if (arrival != PiecePicker.Arrival.NOT_NEEDED) {
            try {
                storage.write((long) p.piece() * meta.pieceLength() + p.begin(), p.data().nioBuffers());
            } catch (IOException e) {
                failed("write " + e.getMessage()); // names the file: write /srv/x.tar.gz.part: No space left on device
                return;
            }
            counters.downloaded += picker.lastArrivalNewBytes();
            if (ourRack().isPresent() && !c.availability().rackMate()) {
                counters.downloadedFromOtherRacks += picker.lastArrivalNewBytes();
            }
            lastData = now;
            c.useful(now);
            if (!c.seedFromStart()) {
                seedSparing.preferredDelivered(now);
            }
            if (c.availability().rackMate()) {
                rackSparing.preferredDelivered(now);
            }
            bans.wrote(p.piece(), p.begin() / EngineConfig.BLOCK_SIZE,
                    (int) (((long) p.begin() + p.length() + EngineConfig.BLOCK_SIZE - 1) / EngineConfig.BLOCK_SIZE), c.sender());
            if (picker.askedTwice()) { // only the endgame asks a block of two peers
                cancelElsewhere(c, asked);
            }
            if (arrival == PiecePicker.Arrival.PIECE_DONE) {
                finish.verify(p.piece(), bans.wantsBlockHashes(p.piece()));
            }
        }
        fill(c);
    }

    /**
     * Cancels the endgame's other requests for what {@code b} brought. The endgame asks single
     * blocks (see PiecePicker.next), so each block {@code b} covers is looked up by its own key. A
     * request found there that reaches beyond {@code b} still brings blocks that are missing: it stays.
     */
    private void cancelElsewhere(PeerConnection from, Block b) {
        int end = b.begin() + b.length();
        for (int begin = b.begin(); begin < end; begin += EngineConfig.BLOCK_SIZE) {
            long key = Block.key(b.piece(), begin);
            for (PeerConnection o : peers.connected()) {
                Block other = o == from ? null : o.cancelWithin(key, end);
                if (other != null) {
                    picker.abandoned(other);
                }
            }
        }
    }

    @Override
    public void checked(int piece, PieceVerifier.Check check) {
        if (!check.good()) {
            picker.failed(piece);
            counters.piecesFailed++;
            Set<SmartBan.Sender> banned = bans.pieceFailed(piece, check.blockHashes());
            // by address: one host dialling us under 3 peer ids is no 3 witnesses that the torrent is wrong
            if (paddedPieces.get(piece) && paddedFailedBy.addAll(banned.stream().map(SmartBan.Sender::address).toList())
                    && paddedFailedBy.size() >= PADDED_FAILURES) {
                // each of them sent a whole piece: the torrent is wrong, not the peers
                failed("pieces holding BEP 47 padding failed their SHA-1 check, each sent whole by one of " + PADDED_FAILURES
                        + " peers (last: piece " + piece + " of " + Printable.escape(meta.name()) + "); murder reads padding as"
                        + " zeros, so the torrent's padding is probably not zeros (expected: a torrent whose padding files are"
                        + " zeros, as BEP 47 says)", MurderException.BAD_INPUT);
                return;
            }
            LOG.warn("[torrent={}] piece {} failed its SHA-1 check; fetching it again from one peer", logId, piece);
            ban(banned, "sent every block of piece " + piece + ", which failed its SHA-1 check");
            fillAll();
            return;
        }
        ban(bans.pieceVerified(piece, check.blockHashes()), "sent blocks of piece " + piece + " that differ from its good copy");
        picker.markHave(piece);
        counters.verified = picker.haveBytes();
        counters.piecesVerified++;
        for (PeerConnection c : peers.connected()) {
            boolean news = c.have(piece);
            boolean wasInterested = c.amInterested();
            if (wasInterested) {
                c.interested(!picker.isComplete() && picker.interesting(c.has()));
            }
            if (haveAtOnce(news, uploads.waitsForSlot(c), c.rackMate(), picker.everHadRackMate()) || wasInterested != c.amInterested()) {
                c.flush();
            }
        }
        if (picker.isComplete()) {
            setState(SessionState.FINISHING);
        }
        finish.pieceVerified(picker.pieceSize(piece), picker.isComplete());
    }

    /**
     * Whether the Have of a piece just verified goes out at once (a flush of its own), rather than with
     * the next flush to that peer (any read from it, fillAll, the tick's at the latest): at once where
     * it is news and may be acted on, to a peer that does not wait for our upload slot (we unchoke it,
     * so it may ask; or it is not interested in us yet, and may become so) and to a rack-mate (it
     * fetches from other racks what it thinks its rack lacks). A segment per peer and piece, and an
     * ACK back for each, were most of the hosts' small packets (bench/fleet.sh: 1,437 packets per MiB
     * received in pieces of 32 KiB). Not at once to a peer of another rack ({@code racksSaid}: we
     * are in a rack and know rack-mates; a peer not of ours is then of another rack, or of none):
     * there each Have and its ACK crossed a rack uplink as a packet of its own (bench/fleet.sh 200
     * --racks 8: tc counted 0.16 x F into each rack over the payload's 1.05, mostly packets' headers;
     * 0.14 since). (The swarm simulator asks the same.)
     */
    static boolean haveAtOnce(boolean news, boolean waitsForSlot, boolean rackMate, boolean racksSaid) {
        return news && (rackMate || !waitsForSlot && !racksSaid);
    }

    /**
     * Closes the connections of these senders, and of every sender an address's ban now covers; {@link SmartBan} keeps
     * them out for the torrent's life, and where we dialled them is not dialled again.
     */
    private void ban(Set<SmartBan.Sender> senders, String why) {
        if (senders.isEmpty()) {
            return;
        }
        counters.peersBanned += senders.size();
        senders.forEach(s -> LOG.warn("[torrent={} peer={} id={}] banned for the torrent's life: {}{}", logId,
                s.address().getHostAddress(), s.peerId(), why, bans.addressBanned(s.address())
                        ? "; connections from its address are refused too (" + SmartBan.ADDRESS_AFTER + " peers there banned), but"
                        + " from its peers whose data passed; its peers are still dialled" : ""));
        for (PeerConnection c : new ArrayList<>(peers.connected())) {
            if (c.identity() != null && bans.isBanned(c.sender())) {
                c.close("banned for corrupt data"); // first: closedHere for left()
                left(c);
            }
        }
    }

    /** We and {@code c} are seeds: nothing to trade. Closed, and its address, if we dialled it or it said it, not dialled again. */
    private void bothSeeds(PeerConnection c) {
        InetSocketAddress address = c.outgoing() ? c.remote() : c.listenAddress();
        if (address != null) {
            peers.forgetSeed(address);
        }
        c.close("both seeds");
    }

    @Override
    public void committed() {
        completedAt = clock.instant();
        setState(SessionState.SEEDING);
        verifier.dropIdle(); // a seed reads no piece back: its buffers would stay for its whole seed time
        LOG.info("[torrent={}] {} complete: {} verified{}", logId, meta.name(), ByteSize.format(meta.totalLength()),
                options.expectedMd5().isPresent() ? ", md5 ok" : "");
        for (PeerConnection c : new ArrayList<>(peers.connected())) {
            if (c.isSeed()) {
                bothSeeds(c);
            } else {
                c.interested(false);
                c.flush();
            }
        }
        boolean leaveNow = options.seedTime().filter(Duration::isZero).isPresent();
        announcer.seeding(downloadedHere, leaveNow);
        completed.complete(null);
        if (leaveNow) {
            LOG.info("[torrent={}] no seed time: leaving the swarm", logId);
            stop();
        }
    }

    // ---- uploads

    private void onRequest(PeerConnection c, PeerMessage.Request r) {
        if (r.piece() >= meta.pieceCount() || (long) r.begin() + r.length() > meta.pieceSize(r.piece())) {
            c.close("request " + r + " beyond piece bounds");
            return;
        }
        if (uploads.choking(c) || !picker.has(r.piece())) {
            c.reject(r);
            return;
        }
        if (sends.waits(c, r)) { // asked again while it waits: it is sent once
            if (c.askedAgain() > config.maxQueuedUploads()) {
                c.abort("request flood: more than " + config.maxQueuedUploads() + " requests for blocks already waiting");
            }
            return;
        }
        if (c.fast() && c.peerId().isMurder() && !downloadedHere && firstCopy.goesElsewhere(r.piece(), c, clock.instant(),
                picker.availability(r.piece()), peers.size() - counters.seeds > 1)) { // the asker is not a seed
            c.reject(r);
            return;
        }
        if (c.queuedUploads() >= config.maxQueuedUploads()) {
            c.abort("request flood: more than " + config.maxQueuedUploads() + " queued");
            return;
        }
        if (c.fast() && c.peerId().isMurder() && downloadedHere && rackMates.isEmpty()
                && sends.deeperThanWorthFor(picker.availabilityBesidesSeeds(r.piece()))) {
            // others of ours that are not seeds have the piece, and our queue is deep: it gets it from them sooner (it
            // asks them next). Not where racks are said: a rack-mate may have no other source inside its rack (it
            // spares the rack uplink), and a peer of another rack (a gateway) asks peers of other racks only for its
            // share of what its rack lacks, and spares the origin: refused by each of them round after round, that
            // share came into its rack last, 3-4 s after the rest (bench/swarm-sim.sh 32 --racks 4 --rack-hints)
            c.reject(r);
            return;
        }
        sends.add(c, r, picker.availability(r.piece()));
        c.asked();
        sendWaiting();
    }

    /** A block it cancelled is not sent if it still waits; a peer with the fast extension is told so (BEP 6). */
    private void onCancel(PeerConnection c, PeerMessage.Request r) {
        if (sends.cancel(c, r)) {
            notSent(c, r);
        }
    }

    /**
     * We choked {@code c}: what it asked for and still waits is not sent (BEP 3; rejected under
     * BEP 6), but the origin's first copies on their way to it: nobody else has those pieces, and
     * dropping them (the slot rotates every 30 s) left a piece with no copy in the swarm while peer
     * after peer took it over and was choked in turn (a simulated 200-host fleet: two pieces 30 s
     * late, last host 1.36 x F/c).
     */
    @Override
    public void choked(PeerConnection c) {
        List<PeerMessage.Request> dropped = sends.removeUnless(c, r -> !downloadedHere && firstCopy.goingTo(r.piece(), c));
        dropped.forEach(r -> notSent(c, r));
        if (!dropped.isEmpty()) {
            c.flush();
        }
    }

    /** A block {@code c} asked for that waited will not be sent (replies are flushed with the batch of reads). */
    private void notSent(PeerConnection c, PeerMessage.Request r) {
        c.unasked();
        c.reject(r);
        if (!downloadedHere) {
            firstCopy.sent(r.piece(), c, 0, clock.instant()); // counted when it let the request through
        }
    }

    /**
     * Hands the waiting blocks to their connections, in {@link SendOrder}, while the sockets take what
     * they are given: what they have not taken is held to {@link #SEND_AHEAD}, so that the order
     * decides what the uplink sends next rather than the order requests came in. (The sockets hold
     * little unsent themselves: {@link Engine#NOT_SENT_LOW_WATER}.)
     */
    private void sendWaiting() {
        while (handedOut.room() && !sends.isEmpty() && !counters.state.isFinal()) { // stopped: the connections are closing
            SendOrder.Send<PeerConnection> next = sends.poll(handedOut::ready);
            if (next == null) {
                return; // what waits is for connections that hold their share already
            }
            if (next.to().open()) { // else it is closing: left() is on its way and forgets the rest of it
                serve(next.to(), next.request());
            }
        }
        armStallCheck();
    }

    /**
     * The hand-out is full and blocks wait: if the connections holding it take nothing for
     * {@link SendAhead#stalledAfter} at this uplink's rate (a flow waiting for a retransmission), they
     * stop counting and the others are handed what waits; the once-a-second tick is too late for that
     * at tens of Mbit/s.
     */
    private void armStallCheck() {
        if (counters.state.isFinal() || handedOut.room() || sends.isEmpty()) {
            return;
        }
        Instant at = handedOut.nextStall(stalledAfter());
        if (at == null || stallCheck != null && !stallCheckAt.isAfter(at)) {
            return; // nobody counts, or a check runs by then (one armed before the uplink's rate was known runs later: replaced)
        }
        if (stallCheck != null) {
            stallCheck.cancel(false);
        }
        stallCheckAt = at;
        long delay = Math.max(1, Duration.between(clock.instant(), at).toNanos());
        stallCheck = loop.schedule(this::stallCheck, delay, TimeUnit.NANOSECONDS);
    }

    /** The check {@link #armStallCheck} scheduled; like the tick, it must not fail silently (a scheduled task's error goes nowhere). */
    private void stallCheck() {
        stallCheck = null;
        if (counters.state.isFinal()) {
            return;
        }
        try {
            releaseStalled(clock.instant());
        } catch (RuntimeException e) {
            LOG.error("[torrent={}] unexpected error in the send-ahead's stall check", logId, e);
            failed("internal error: " + e);
        }
    }

    /** Connections that took nothing for {@link #stalledAfter} stop holding the others back; else the next check is armed. */
    private void releaseStalled(Instant now) {
        if (handedOut.tick(now, stalledAfter())) {
            sendWaiting();
        } else {
            armStallCheck(); // sooner, if the uplink's rate is known better now
        }
    }

    private Duration stalledAfter() {
        return handedOut.stalledAfter(socketBacklog.busyRate());
    }

    /**
     * Whether {@code c}'s socket has taken nothing we handed it for {@link FirstCopy#READER_STUCK}, or
     * for twice {@link #stalledAfter} where this uplink is slow enough for that to be longer (a 1 Mbit/s
     * uplink shared by a few dozen connections drains each socket's share in seconds): a stuck reader
     * (see FirstCopy). Twice: a first copy taken over goes out again, where a stalled connection only
     * stops counting for the send-ahead.
     */
    private boolean readerStuck(PeerConnection c, Instant now) {
        Instant waiting = handedOut.waitingSince(c);
        if (waiting == null) {
            return false;
        }
        Duration after = stalledAfter().multipliedBy(2);
        return !now.isBefore(waiting.plus(after.compareTo(FirstCopy.READER_STUCK) > 0 ? after : FirstCopy.READER_STUCK));
    }

    private void serve(PeerConnection c, PeerMessage.Request r) {
        List<io.netty.channel.FileRegion> regions = new ArrayList<>(1);
        for (Storage.Slice s : storage.slices((long) r.piece() * meta.pieceLength() + r.begin(), r.length())) {
            regions.add(s.isPadding() ? new org.murder.peer.storage.PaddingRegion(s.length())
                    : new SharedFileRegion(s.channel(), s.filePosition(), s.length()));
        }
        Instant now = clock.instant();
        handedOut.handed(c, r.length(), now);
        c.serve(r, regions, now, n -> {
            if (n == 0 && !counters.state.isFinal()) { // a failed send: the peer gone, or our file cut under us (sendfile comes short)
                Optional<String> cut = storage.shorterThanItsTorrent();
                if (cut.isPresent()) {
                    failed(cut.get());
                    return;
                }
            }
            handedOut.taken(c, r.length(), clock.instant());
            if (handedOut.ready(c)) {
                sends.release(c);
            }
            sends.sent(n);
            counters.uploaded += n;
            if (!downloadedHere) {
                firstCopy.sent(r.piece(), c, n, clock.instant());
            }
            sendWaiting();
        });
        c.flush();
    }

    // ---- time

    /** How many of its files a seeding session looks at a tick for a write since they were checked: a torrent of 10,000 files in 2.6 min. */
    static final int FILES_LOOKED_AT_A_TICK = 64;

    /** The tick must not die: an exception escaping a fixed-rate task cancels it (no stall check, no seed-time end). */
    void tick() {
        try {
            tickOnce();
        } catch (RuntimeException e) {
            LOG.error("[torrent={}] unexpected error in the tick", logId, e);
            failed("internal error: " + e);
        }
    }

    private void tickOnce() {
        if (counters.state.isFinal()) {
            return;
        }
        Instant now = clock.instant();
        counters.tick();
        for (PeerConnection c : peers.connected()) {
            c.flush(); // what waited for a flush (Haves, see checked) goes now
            c.keepAlive(now, lastTick, config.keepAlive());
            c.tickHeard(now);
        }
        Instant tickStart = lastTick == null ? now : lastTick;
        Duration sinceLastTick = Duration.between(tickStart, now);
        lastTick = now;
        if (counters.state == SessionState.DOWNLOADING && now.isAfter(lastData.plus(config.stallTimeout()))) {
            failed("no data from any peer for " + Durations.format(config.stallTimeout()) + " (" + sources() + ")");
            return;
        }
        if (counters.state == SessionState.SEEDING) {
            // a file written to in place would be served as it is now, and every peer given a piece of it bans this one:
            // stopped with the cause (a deploy's seeder ends its deploy with it), not served
            Optional<String> changed = storage.changedWhileShared(FILES_LOOKED_AT_A_TICK);
            if (changed.isPresent()) {
                failed(changed.get());
                return;
            }
        }
        announcer.tick();
        if (counters.state == SessionState.DOWNLOADING) {
            dropPeersThatOweBlocks(now, sinceLastTick);
            long before = picker.generation();
            picker.tick(); // a suspect piece, a quiet share or a piece only choking rack-mates have may be askable now
            judgeSlowSources(tickStart, now);
            dial();
            boolean askAgain = false;
            for (PeerConnection c : peers.connected()) {
                askAgain |= c.forgetRefusals();
            }
            if (seedSparing.expire(now) | rackSparing.expire(now) || askAgain) {
                picker.touch();
                fillAll();
            } else if (picker.generation() != before) {
                fillAll();
            }
        }
        // a seed from the start (the origin) opens more slots while its uplink has room and peers wait (see UploadSlots.tick)
        uploads.tick(downloadedHere ? UplinkRoom.Verdict.UNKNOWN : uplinkRoom.tick(counters.uploaded - uploadedAtTick, sinceLastTick));
        // blocks wait: the uplink, not the asks, sets the rate (not "and the hand-out is full": while sockets hold
        // 128 KiB unsent they take all they are handed, the hand-out never fills and the limit never came down:
        // the real fleet went from 1.29 to 1.39 x F/C)
        int backlog = socketBacklog.tick(counters.uploaded - uploadedAtTick, sinceLastTick, !sends.isEmpty());
        if (LOG.isDebugEnabled() && counters.uploaded != uploadedAtTick) { // where an uplink's second went
            LOG.debug("[torrent={}] uplink: {} KiB in {} ms; {} KiB wait in the send order, {} KiB handed to sockets that take them,"
                    + " sockets hold up to {} KiB unsent", logId, (counters.uploaded - uploadedAtTick) >> 10,
                    sinceLastTick.toMillis(), sends.waitingBytes() >> 10, handedOut.counted() >> 10, backlog >> 10);
        }
        uploadedAtTick = counters.uploaded;
        for (PeerConnection c : peers.connected()) {
            c.notSentLowWater(backlog);
        }
        releaseStalled(now);
        if (counters.state == SessionState.SEEDING && options.seedTime().isPresent()
                && !now.isBefore(completedAt.plus(options.seedTime().get()))) {
            LOG.info("[torrent={}] seed time of {} is over", logId, Durations.format(options.seedTime().get()));
            stop();
            return;
        }
        Snapshot progress = snapshot();
        tell(l -> l.onProgress(progress));
    }

    /**
     * Calls the listener; what it throws is logged (once) and goes no further: a listener that fails
     * (a status file that cannot be written) must not end the download, nor stop a failing session
     * from shutting down (failed() tells it first).
     */
    private void tell(java.util.function.Consumer<SessionListener> call) {
        try {
            call.accept(listener);
        } catch (RuntimeException e) {
            if (!listenerFailed) {
                listenerFailed = true;
                LOG.warn("[torrent={}] the session's listener failed (not told again of errors): {}", logId, e.toString());
            }
        }
    }

    /** Tells the picker which peers (not seeds) deliver far slower than the others now ({@link SlowSources}). */
    private void judgeSlowSources(Instant tickStart, Instant now) {
        List<SlowSources.Tick<PeerConnection>> ticks = new ArrayList<>();
        for (PeerConnection c : peers.connected()) {
            SlowSources.Tick<PeerConnection> t = c.tickDelivery(c.availability().rackMate(), tickStart, now);
            if (!c.has().isAll()) {
                ticks.add(t);
            }
        }
        List<PeerConnection> slow = SlowSources.judge(ticks);
        if (!slow.isEmpty() && LOG.isDebugEnabled()) {
            LOG.debug("[torrent={}] slow sources (seeds are asked for what only they have): {}", logId, slow);
        }
        picker.slowSources(slow.stream().map(PeerConnection::has).toList());
    }

    /**
     * Disconnects each peer that took requests and answered none of them for {@link #REQUEST_TIMEOUT}
     * (neither block nor reject, while it may well send keep-alives): its blocks go back to the
     * picker when it leaves. Without this a peer that hoards requests keeps its blocks in flight
     * (asked again only in the endgame) and its connection slot (a peer with blocks in flight is
     * never evicted).
     *
     * <p>With nothing from any peer for {@link #PROBE_AFTER} (and this tick on time: not a pause of ours),
     * each peer that owes blocks and sent not a byte as long is sent a keep-alive; at
     * {@link #NOTHING_FROM_ANYONE}, one whose socket TCP is still sending it to, unacknowledged
     * ({@link PeerConnection#wayDown}), is disconnected: the way to it is down (a network cut), and its
     * connection would wait for TCP's retransmission timer, a minute and more once backed off, after the
     * way is back; dialled again, it answers as soon as it is (the other end takes the new connection for
     * the silent one: see PeerSet). A slow peer acknowledges the keep-alive (a seed held to 1 KB/s sends a
     * block whole every 16 s, silent between), and is left to {@link #REQUEST_TIMEOUT}.
     */
    private void dropPeersThatOweBlocks(Instant now, Duration sinceLastTick) {
        boolean onTime = sinceLastTick.compareTo(TICK_LATE) < 0;
        boolean quiet = onTime && !now.isBefore(lastData.plus(PROBE_AFTER));
        for (PeerConnection c : List.copyOf(peers.connected())) {
            if (c.owesBlocksFor(now, REQUEST_TIMEOUT)) {
                LOG.info("[torrent={} peer={}] none of the {} blocks asked of it came in {}: disconnecting", logId, c,
                        c.requests().size(), Durations.format(REQUEST_TIMEOUT));
                c.close("answered none of the blocks asked of it in " + Durations.format(REQUEST_TIMEOUT));
                left(c); // now, not once the close is seen: its blocks go to the others, and it is asked nothing more
            } else if (quiet && c.owesBlocksFor(now, PROBE_AFTER) && !now.isBefore(c.heardAt().plus(PROBE_AFTER))) {
                c.probe(now);
                if (!now.isBefore(lastData.plus(NOTHING_FROM_ANYONE)) && !now.isBefore(c.heardAt().plus(NOTHING_FROM_ANYONE))
                        && c.probedAt() != null && !now.isBefore(c.probedAt().plus(PROBE_AFTER)) && c.wayDown()) {
                    LOG.info("[torrent={} peer={}] nothing from it or any other peer for {}, {} blocks asked of it, and TCP sends it"
                            + " our data again and again unacknowledged: the way to it is down; disconnecting to dial again", logId, c,
                            Durations.format(NOTHING_FROM_ANYONE), c.requests().size());
                    c.close("nothing from it or any other peer for " + Durations.format(NOTHING_FROM_ANYONE) + " with blocks asked");
                    left(c);
                }
            }
        }
    }

    // ---- lifecycle

    /** Announces {@code stopped}, closes every connection and completes {@link #finished()}. */
    CompletableFuture<Snapshot> stop() {
        run(() -> {
            if (!counters.state.isFinal()) {
                setState(SessionState.STOPPED);
                shutdown();
            }
        });
        return finished;
    }

    @Override
    public void failed(String message) {
        failed(message, MurderException.FAILURE);
    }

    /** {@link #failed(String)} with the exit code the command ends with ({@link MurderException#BAD_INPUT} for what the operator must move). */
    void failed(String message, int exitCode) {
        if (counters.state.isFinal()) {
            return;
        }
        failureCode = exitCode;
        counters.error = Optional.of(message);
        if (completed.isDone() && !options.callerSaysFailures()) {
            LOG.error("[torrent={}] {}", logId, message); // after the download: no caller waits to say it
        } else {
            // whoever waits for the download (murder peer's last line, the agent's job log), or for the end of the
            // seeding (murder peer and seed), says it: said here too, an operator read every failure twice
            LOG.debug("[torrent={}] {}", logId, message);
        }
        setState(SessionState.FAILED);
        shutdown();
    }

    private void shutdown() {
        if (ticker != null) {
            ticker.cancel(false);
        }
        if (stallCheck != null) {
            stallCheck.cancel(false);
        }
        finish.close();
        verifier.close(); // its buffers' bytes back in the engine's budget
        new ArrayList<>(peers.connected()).forEach(c -> c.close("session " + counters.state.name().toLowerCase(Locale.ROOT)));
        context.ended(this);
        Snapshot last = snapshot();
        announcer.stop().whenComplete((v, err) -> {
            if (counters.state == SessionState.FAILED) {
                String message = counters.error.orElse("failed");
                completed.completeExceptionally(fileMismatch ? new FileMismatchException(message) : new MurderException(message, failureCode));
            } else if (!completed.isDone()) {
                completed.completeExceptionally(new MurderException("stopped before completing", MurderException.FAILURE));
            }
            finished.complete(last);
        });
    }

    private void setState(SessionState next) {
        counters.state = next;
        Snapshot last = snapshot();
        tell(l -> l.onStateChange(next, last));
    }

    SessionState state() {
        return counters.state;
    }

    /** Safe from any thread: volatile reads only (never the loop's collections), so it may be a moment behind. */
    Snapshot snapshot() {
        return counters.snapshot(meta.totalLength());
    }

    /**
     * Where its data could come from, as an operator reads it when it stops coming: peers known and
     * connected, the tracker's failure if it is failing, and the bans (read on the loop).
     */
    String sources() {
        return peers.knownCount() + " peers known, " + peers.size() + " connected"
                + announcer.failing().map(why -> "; the tracker: " + why).orElse("")
                + (paddedFailedBy.isEmpty() ? "" : "; " + paddedFailedBy.size() + " banned for sending a whole piece holding BEP 47"
                + " padding that failed its SHA-1 check: the torrent's padding may not be zeros")
                + (!paddedFailedBy.isEmpty() || counters.peersBanned == 0 ? "" : "; " + counters.peersBanned + " peer"
                + (counters.peersBanned == 1 ? "" : "s") + " banned for sending data that failed its SHA-1 check")
                + (config.maxDown().isUnlimited() ? "" : "; this process's downloads are limited to " + config.maxDown() + " (--max-down)");
    }

    /** {@link #sources()}, and when the last payload came if that was a while ago (read on the loop). */
    String situation() {
        long quiet = Duration.between(lastData, clock.instant()).toSeconds();
        return sources() + (counters.state == SessionState.DOWNLOADING && quiet >= QUIET_WORTH_TELLING_SECONDS
                ? "; no data for the last " + quiet + " s" : "");
    }

    /** A download without data this long says so in {@link #situation()}. */
    static final long QUIET_WORTH_TELLING_SECONDS = 5;

    /** The session's counters for metrics, safe from any thread (as {@link #snapshot()}). */
    TorrentStats stats() {
        return counters.stats(meta);
    }

    /** The piece buffers its verifier holds (tests). */
    int pieceBuffersHeld() {
        return verifier.buffersHeld();
    }

    /** Whether a peer at {@code address} (or the address) is banned from this torrent; read it on the loop ({@link #run}). */
    boolean banned(InetAddress address) {
        return bans.anyBannedAt(address);
    }

    @Override
    public String toString() {
        return "TorrentSession[" + meta.name() + " " + logId + "]";
    }
}
