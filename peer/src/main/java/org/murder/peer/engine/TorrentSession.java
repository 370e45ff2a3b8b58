package org.murder.peer.engine;

import io.netty.channel.EventLoop;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.murder.core.ByteSize;
import org.murder.core.Durations;
import org.murder.core.Hex;
import org.murder.core.InfoHash;
import org.murder.core.MurderException;
import org.murder.core.metainfo.MetaInfo;
import org.murder.peer.storage.Md5Stream;
import org.murder.peer.storage.PieceVerifier;
import org.murder.peer.storage.SharedFileRegion;
import org.murder.peer.storage.Storage;
import org.murder.peer.tracker.AnnounceRequest;
import org.murder.peer.tracker.AnnounceResponse;
import org.murder.peer.tracker.TrackerClient;
import org.murder.peer.wire.Handshake;
import org.murder.peer.wire.MessageEncoder;
import org.murder.peer.wire.PeerMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One torrent in the engine: downloads and seeds it. All state lives on one event loop
 * ({@link #run}); hashing and the final md5 run on the hash pool and post their results back.
 * Time comes from the injected {@link Clock}, read by a tick once a second.
 */
public final class TorrentSession {
    private static final Logger LOG = LoggerFactory.getLogger(TorrentSession.class);
    private static final Duration RECONNECT_AFTER = Duration.ofSeconds(10);
    private static final Duration ANNOUNCE_RETRY = Duration.ofSeconds(5);
    private static final Duration SPARE_SEEDS_FOR = Duration.ofSeconds(1);
    /**
     * How long a piece's first copy stays its first peer's after that peer's last ask (see
     * firstCopyGoesElsewhere). 2 s was too short behind a 50 Mbit/s uplink shared by 16 hosts: the
     * last blocks of a piece could take longer to arrive (TCP recovering from drops at the shaper),
     * and the origin sent 4-6 % of the file twice; with 4 s, 1.00 x the file.
     */
    static final Duration FIRST_COPY_WINDOW = Duration.ofSeconds(4);
    /**
     * Verified bytes after which a download's data is flushed to disk while it runs. The commit
     * at the end syncs the file before it is moved into place; left to then, a GiB took 0.2-0.5 s
     * after the last piece here (the kernel starts writing back on its own only after 30 s).
     */
    static final long SYNC_EVERY = 32L << 20;

    private final Engine engine;
    private final MetaInfo meta;
    private final Storage storage;
    private final SessionOptions options;
    private final SessionListener listener;
    private final EventLoop loop;
    private final Clock clock;
    private final EngineConfig config;
    private final PiecePicker picker;
    private final PieceVerifier verifier;
    private final ExecutorService hashPool;
    private final TrackerClient tracker;
    private final String logId;
    private final String announceKey;
    private final CompletableFuture<Void> completed = new CompletableFuture<>();
    private final CompletableFuture<Snapshot> finished = new CompletableFuture<>();

    private final Set<PeerConnection> connections = new LinkedHashSet<>();
    private final Set<InetSocketAddress> known = new LinkedHashSet<>();
    private final Map<InetSocketAddress, Instant> lastAttempt = new HashMap<>();
    private final SmartBan bans;
    // What snapshot() reads: written on the loop only, volatile so that any thread reads a recent
    // value without touching the loop's collections (a scrape, an agent's job thread)
    private volatile SessionState state = SessionState.CHECKING;
    private volatile Optional<String> error = Optional.empty();
    private volatile long downloaded;
    private volatile long uploaded;
    private volatile long verified;
    private volatile long downRate;
    private volatile long upRate;
    private volatile int peerCount;
    private volatile int seedCount;
    private volatile long piecesVerified;
    private volatile long piecesFailed;
    private volatile long peersBanned;
    private long lastDownloaded;
    private long lastUploaded;
    private Instant lastData;
    /**
     * While peers that are not seeds deliver, a peer that was a seed when it connected (in a deploy:
     * the origin, whose uplink every new piece must cross) is asked only for pieces no other peer
     * has (see {@link PiecePicker}). Hosts that finish while we download are not spared: their
     * uplinks have time to spare. When nothing came from the other peers for
     * {@link #SPARE_SEEDS_FOR}, seeds are asked for anything again: the others may choke us, be
     * slow, or be gone.
     */
    private boolean sparingSeeds;
    /** Origin seed: which peer each piece's first copy goes to, and when it last asked (see firstCopyGoesElsewhere). */
    private PeerConnection[] firstCopyTo;
    private long[] firstCopySince;
    private Instant lastFromNonSeed = Instant.EPOCH;
    private Instant nextAnnounce = Instant.MIN;
    private Duration trackerInterval = Duration.ofSeconds(30);
    private boolean announcing;
    private boolean startedAnnounced;
    /** `completed` is due but waits for the announce in flight (one at a time), or for `started` to get through. */
    private boolean completedPending;
    /** The session downloaded something (BEP 3: no `completed` for a file complete at start, as a seed's). */
    private boolean downloadedHere;
    /** The last announce sent, so `stopped` can follow it rather than overtake it. */
    private CompletableFuture<?> lastAnnounce = CompletableFuture.completedFuture(null);
    private Instant completedAt;
    /** System.nanoTime() when the last piece was verified (for the finishing times logged). */
    private long lastPieceAt;
    private int unchoked;
    private Md5Stream md5;
    private boolean md5Busy;
    private long unsyncedBytes;
    private boolean syncing;
    private ScheduledFuture<?> ticker;
    /** The clock at the last tick (null before the first). */
    private Instant lastTick;
    private int pendingConnects;
    private boolean committing;

    TorrentSession(Engine engine, MetaInfo meta, Storage storage, SessionOptions options, SessionListener listener,
            EventLoop loop, Clock clock, Random random) {
        this.engine = engine;
        this.meta = meta;
        this.storage = storage;
        this.options = options;
        this.listener = listener;
        this.loop = loop;
        this.clock = clock;
        this.config = engine.config();
        this.hashPool = engine.hashPool();
        this.picker = new PiecePicker(meta.pieceCount(), meta.pieceLength(), meta.totalLength(), EngineConfig.BLOCK_SIZE,
                config.randomFirstPieces(), windowPieces(config.orderWindow(), meta.pieceLength()), random);
        this.verifier = new PieceVerifier(meta, storage, hashPool);
        this.bans = new SmartBan((int) ((meta.pieceLength() + EngineConfig.BLOCK_SIZE - 1) / EngineConfig.BLOCK_SIZE));
        this.tracker = new TrackerClient(meta.trackerTiers(), Duration.ofSeconds(10));
        this.logId = meta.infoHash().toHex().substring(0, 8);
        this.announceKey = Hex.encode(java.nio.ByteBuffer.allocate(4).putInt(random.nextInt()).array());
        this.lastData = clock.instant();
    }

    public InfoHash infoHash() {
        return meta.infoHash();
    }

    public MetaInfo meta() {
        return meta;
    }

    /** Completes when every piece is verified (and the md5, when given) and the files are in place. */
    public CompletableFuture<Void> completed() {
        return completed;
    }

    /** Completes when the session stopped (seed time over, {@link #stop()}) or failed, with its last snapshot. */
    public CompletableFuture<Snapshot> finished() {
        return finished;
    }

    /** Runs {@code task} on this session's loop: now if already there. */
    void run(Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    Handshake ourHandshake() {
        return new Handshake(meta.infoHash(), engine.peerId(), true);
    }

    void start() {
        run(() -> {
            ticker = loop.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
            if (options.recheck() && storage.existedBefore()) {
                LOG.info("[torrent={}] checking {} on disk", logId, meta.name());
                verifier.verifyAll(n -> { }).whenComplete((good, err) -> run(() -> {
                    if (err != null) {
                        fail("check " + meta.name() + ": " + rootMessage(err));
                        return;
                    }
                    good.stream().forEach(picker::markHave);
                    verified = verifiedBytes();
                    LOG.info("[torrent={}] {} of {} pieces already good", logId, good.cardinality(), meta.pieceCount());
                    begin();
                }));
            } else {
                begin();
            }
        });
    }

    private void begin() {
        if (state.isFinal()) {
            return;
        }
        if (options.expectedMd5().isPresent()) {
            md5 = new Md5Stream(meta.pieceCount());
        }
        lastData = clock.instant();
        if (options.seedOnly() && !picker.isComplete()) {
            fail(storage.currentPaths().get(0) + ": " + (meta.pieceCount() - picker.haveCount()) + " of " + meta.pieceCount()
                    + " pieces do not match " + meta.name() + " (expected: the complete file the torrent was made from)");
            return;
        }
        if (picker.isComplete()) {
            allPiecesVerified();
        } else {
            downloadedHere = true;
            setState(SessionState.DOWNLOADING);
        }
        announceNow(Optional.of(AnnounceRequest.Event.STARTED));
        connectToKnown();
    }

    /** Peers learned some other way than the tracker (tests, agents that know their neighbours). */
    public void addPeers(List<InetSocketAddress> peers) {
        run(() -> {
            known.addAll(peers);
            connectToKnown();
        });
    }

    // ---- connections

    private void connectToKnown() {
        if (state.isFinal() || state == SessionState.CHECKING) {
            return;
        }
        Instant now = clock.instant();
        Set<InetSocketAddress> connected = new HashSet<>();
        connections.forEach(c -> connected.add(c.remote()));
        for (InetSocketAddress a : known) {
            if (connections.size() + pendingConnects >= config.maxConnections()) {
                break;
            }
            if (connected.contains(a) || bans.isBanned(a.getAddress()) || engine.isSelf(a)) {
                continue;
            }
            Instant last = lastAttempt.get(a);
            if (last != null && now.isBefore(last.plus(RECONNECT_AFTER))) {
                continue;
            }
            lastAttempt.put(a, now);
            pendingConnects++;
            engine.connect(this, a, loop).addListener(f -> run(() -> pendingConnects--));
        }
    }

    void attach(PeerConnection c) {
        if (state.isFinal() || bans.isBanned(c.remote().getAddress())) {
            c.close(state.isFinal() ? "session stopped" : "banned for corrupt data");
            return;
        }
        for (PeerConnection other : connections) {
            if (c.peerId.equals(other.peerId)) {
                c.close("already connected to " + c.peerId);
                return;
            }
        }
        Instant now = clock.instant();
        if (connections.size() >= config.maxConnections()) {
            PeerConnection idle = IdleSlots.evict(connections, o -> o.usefulAt, now);
            if (idle == null) {
                c.close("connection limit reached");
                return;
            }
            LOG.debug("[torrent={} peer={}] gives its slot to {}: nothing useful for {}", logId, idle, c,
                    Durations.format(IdleSlots.GRACE));
            detach(idle);
            idle.close("gave its slot to a newcomer: nothing useful for " + Durations.format(IdleSlots.GRACE));
        }
        c.usefulAt = now;
        c.has = new PieceSet(meta.pieceCount());
        c.requestBlocks = c.peerId.isMurder() ? Math.min(EngineConfig.MURDER_REQUEST_BLOCKS, config.pipelineBlocks()) : 1;
        c.requestDepth = new RequestDepth(Math.max(1, config.pipelineBlocks() / c.requestBlocks), config.pipelineTime().toNanos(),
                EngineConfig.BLOCK_SIZE * c.requestBlocks);
        c.attached = true;
        c.quietSince = now;
        connections.add(c);
        peerCount = connections.size();
        if (c.outgoing()) {
            lastAttempt.remove(c.remote());
        }
        LOG.debug("[torrent={} peer={}] connected ({} peers)", logId, c, connections.size());
        if (c.fast && picker.isComplete()) {
            c.send(new PeerMessage.HaveAll());
        } else if (c.fast && picker.haveCount() == 0) {
            c.send(new PeerMessage.HaveNone());
        } else if (picker.haveCount() > 0) {
            c.send(new PeerMessage.Bitfield(bitfield()));
        }
        c.flush();
    }

    void detach(PeerConnection c) {
        if (!connections.remove(c)) {
            return;
        }
        peerCount = connections.size();
        c.attached = false; // messages of a banned or evicted peer still queued on the loop are dropped
        if (c.has != null) {
            picker.peerGone(c.has);
        }
        c.requests.values().forEach(picker::abandoned);
        c.requests.clear();
        countSeeds();
        if (firstCopyTo != null) {
            for (int i = 0; i < firstCopyTo.length; i++) {
                if (firstCopyTo[i] == c) {
                    firstCopyTo[i] = null; // its first copy is lost: the next peer to ask gets it
                }
            }
        }
        if (!c.amChoking) {
            c.amChoking = true;
            unchoked--;
            unchokeWaiting();
        }
        LOG.debug("[torrent={} peer={}] disconnected ({} peers)", logId, c, connections.size());
        fillAll();
    }

    private byte[] bitfield() {
        byte[] bits = new byte[(meta.pieceCount() + 7) / 8];
        BitSet have = picker.have();
        for (int i = have.nextSetBit(0); i >= 0; i = have.nextSetBit(i + 1)) {
            bits[i >>> 3] |= (byte) (0x80 >>> (i & 7));
        }
        return bits;
    }

    // ---- messages

    void onMessage(PeerConnection c, PeerMessage m) {
        if (m instanceof PeerMessage.Piece p) {
            onPiece(c, p);
        } else if (m instanceof PeerMessage.Request r) {
            onRequest(c, r);
        } else if (m instanceof PeerMessage.Have h) {
            if (h.piece() >= meta.pieceCount()) {
                c.close("have piece " + h.piece() + " out of range [0, " + meta.pieceCount() + ")");
                return;
            }
            if (c.has.add(h.piece())) {
                picker.peerHas(h.piece());
            }
            peerHasChanged(c);
        } else if (m instanceof PeerMessage.Bitfield b) {
            if (b.bits().length != (meta.pieceCount() + 7) / 8) {
                c.close("bitfield of " + b.bits().length + " bytes (expected: " + (meta.pieceCount() + 7) / 8 + ")");
                return;
            }
            for (int i = 0; i < meta.pieceCount(); i++) {
                if (b.has(i) && c.has.add(i)) {
                    picker.peerHas(i);
                }
            }
            c.seedFromStart = c.has.isAll();
            peerHasChanged(c);
        } else if (m instanceof PeerMessage.HaveAll) {
            picker.peerGone(c.has);
            c.has.setAll();
            c.seedFromStart = true;
            picker.peerHasAll();
            peerHasChanged(c);
        } else if (m instanceof PeerMessage.Unchoke) {
            c.peerChoking = false;
            fill(c);
        } else if (m instanceof PeerMessage.Choke) {
            c.peerChoking = true;
            if (!c.fast && !c.requests.isEmpty()) {
                c.requests.values().forEach(picker::abandoned);
                c.requests.clear();
                fillAll(); // the blocks it will not send can go to the other peers now
            }
        } else if (m instanceof PeerMessage.RejectRequest r) {
            Block b = c.requests.remove(Block.key(r.piece(), r.begin()));
            if (b != null) {
                picker.abandoned(b);
                c.refused.set(b.piece());
            }
            fillAll();
        } else if (m instanceof PeerMessage.Interested) {
            c.peerInterested = true;
            if (c.amChoking && unchoked < config.maxUnchoked()) {
                unchoke(c);
            }
        } else if (m instanceof PeerMessage.NotInterested) {
            c.peerInterested = false;
            if (!c.amChoking) {
                choke(c);
                unchokeWaiting();
            }
        }
        // keep-alive, cancel (uploads already queued are sent), have none, port, extended, suggest, allowed fast: nothing
        // to do. Replies are flushed once per batch of reads (PeerConnection.channelReadComplete).
    }

    private void peerHasChanged(PeerConnection c) {
        if (picker.isComplete() && c.has.isAll()) {
            c.close("both seeds");
            return;
        }
        if (c.has.isAll()) {
            countSeeds();
        }
        updateInterest(c);
        fill(c);
    }

    private void updateInterest(PeerConnection c) {
        boolean interesting = !picker.isComplete() && picker.interesting(c.has);
        if (interesting != c.amInterested) {
            c.amInterested = interesting;
            c.send(interesting ? new PeerMessage.Interested() : new PeerMessage.NotInterested());
        }
    }

    private void unchoke(PeerConnection c) {
        c.amChoking = false;
        c.idleChoked = false;
        c.unchokedAt = clock.instant();
        unchoked++;
        c.send(new PeerMessage.Unchoke());
    }

    private void choke(PeerConnection c) {
        c.amChoking = true;
        unchoked--;
        c.send(new PeerMessage.Choke());
    }

    /** Fills free upload slots: first peers that wait, then those choked for holding a slot idle (see rotateIdleUploads). */
    private void unchokeWaiting() {
        unchokeWaiting(true);
    }

    /** With {@code idleToo}, peers choked for holding a slot idle get the slots left after the others. */
    private void unchokeWaiting(boolean idleToo) {
        for (int pass = 0; pass < (idleToo ? 2 : 1); pass++) {
            for (PeerConnection o : connections) {
                if (unchoked >= config.maxUnchoked()) {
                    return;
                }
                if (o.peerInterested && o.amChoking && (pass == 1 || !o.idleChoked)) {
                    unchoke(o);
                    o.flush();
                }
            }
        }
    }

    /**
     * When peers wait for an upload slot, the unchoked peers that asked for nothing since
     * {@link IdleSlots#GRACE} after their unchoke give theirs up: a peer that says it is interested
     * and never asks must not keep one from a peer that wants data.
     */
    private void rotateIdleUploads(Instant now) {
        if (unchoked < config.maxUnchoked()) {
            return;
        }
        int waiting = 0;
        for (PeerConnection c : connections) {
            waiting += c.peerInterested && c.amChoking && !c.idleChoked ? 1 : 0;
        }
        for (PeerConnection c : connections) {
            if (waiting == 0) {
                break;
            }
            if (!c.amChoking && c.queuedUploads == 0 && IdleSlots.idle(later(c.usefulAt, c.unchokedAt), now)) {
                choke(c);
                c.idleChoked = true;
                c.flush();
                waiting--;
            }
        }
        unchokeWaiting(false);
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private void countSeeds() {
        int n = 0;
        for (PeerConnection o : connections) {
            if (o.has != null && o.has.isAll()) {
                n++;
            }
        }
        picker.seeds(n);
        seedCount = n;
    }

    private void fill(PeerConnection c) {
        if (c.peerChoking || !c.amInterested || state != SessionState.DOWNLOADING) {
            return;
        }
        if (c.nothingToAskAt == picker.generation() && !picker.inEndgame()) {
            return; // nothing changed since the picker last found nothing for this peer
        }
        int depth = c.requestDepth.depth();
        while (c.requests.size() < depth) {
            Block b = picker.next(c.has, c.requests, sparingSeeds && c.seedFromStart, c.refused, c.requestBlocks);
            if (b == null) {
                c.nothingToAskAt = picker.generation();
                if (c.requests.isEmpty()) {
                    c.requestDepth.idle();
                }
                break;
            }
            c.requests.put(b.key(), b);
            c.send(new PeerMessage.Request(b.piece(), b.begin(), b.length()));
        }
    }

    private void fillAll() {
        for (PeerConnection c : connections) {
            fill(c);
            c.flush();
        }
    }

    private void onPiece(PeerConnection c, PeerMessage.Piece p) {
        Block asked = c.requests.remove(Block.key(p.piece(), p.begin()));
        if (asked == null) {
            return; // not asked of this peer (cancelled in the endgame, or unsolicited): ignore
        }
        if (asked.length() != p.length()) {
            picker.abandoned(asked);
            c.close("block " + p.piece() + "/" + p.begin() + " of " + p.length() + " bytes (expected: " + asked.length() + ")");
            return;
        }
        Instant now = clock.instant();
        c.requestDepth.onBlock(nanos(now), p.length());
        PiecePicker.Arrival arrival = picker.received(p.piece(), p.begin(), p.length());
        if (arrival != PiecePicker.Arrival.NOT_NEEDED) {
            try {
                storage.write((long) p.piece() * meta.pieceLength() + p.begin(), p.data().nioBuffers());
            } catch (IOException e) {
                fail("write " + storage.currentPaths().get(0).getParent() + ": " + e.getMessage());
                return;
            }
            int newBytes = picker.lastArrivalNewBytes();
            c.downloaded += newBytes;
            downloaded += newBytes;
            lastData = now;
            c.usefulAt = now;
            if (!c.seedFromStart) {
                lastFromNonSeed = now;
                sparingSeeds = true;
            }
            bans.wrote(p.piece(), p.begin() / EngineConfig.BLOCK_SIZE,
                    (int) (((long) p.begin() + p.length() + EngineConfig.BLOCK_SIZE - 1) / EngineConfig.BLOCK_SIZE),
                    c.remote().getAddress());
            cancelElsewhere(c, asked);
            if (arrival == PiecePicker.Arrival.PIECE_DONE) {
                verify(p.piece());
            }
        }
        fill(c);
    }

    /**
     * Cancels the endgame's other requests for what {@code b} brought. The endgame asks single
     * blocks (see PiecePicker.next), so each block {@code b} covers is looked up by its own key. A
     * request found there that reaches beyond {@code b} (a span that a single block of the endgame
     * brought the start of) still brings blocks that are missing: it stays.
     */
    private void cancelElsewhere(PeerConnection from, Block b) {
        int end = b.begin() + b.length();
        for (int begin = b.begin(); begin < end; begin += EngineConfig.BLOCK_SIZE) {
            long key = Block.key(b.piece(), begin);
            for (PeerConnection o : connections) {
                Block other = o == from ? null : o.requests.get(key);
                if (other != null && other.begin() + other.length() <= end) {
                    o.requests.remove(key);
                    picker.abandoned(other);
                    o.send(new PeerMessage.Cancel(other.piece(), other.begin(), other.length()));
                    o.flush();
                }
            }
        }
    }

    private void verify(int piece) {
        verifier.verify(piece, md5, EngineConfig.BLOCK_SIZE, bans.wantsBlockHashes(piece)).whenComplete((check, err) -> run(() -> {
            if (state.isFinal()) {
                return;
            }
            if (err != null) {
                fail("read back piece " + piece + ": " + rootMessage(err));
            } else if (check.good()) {
                ban(bans.pieceVerified(piece, check.blockHashes()), "sent blocks of piece " + piece + " that differ from its good copy");
                pieceVerified(piece);
            } else {
                pieceFailed(piece, check.blockHashes());
            }
        }));
    }

    /** Closes every connection to these addresses; {@link SmartBan} keeps them out for the torrent's life. */
    private void ban(Set<java.net.InetAddress> addresses, String why) {
        if (addresses.isEmpty()) {
            return;
        }
        peersBanned += addresses.size();
        for (java.net.InetAddress a : addresses) {
            LOG.warn("[torrent={} peer={}] banned for the torrent's life: {}", logId, a.getHostAddress(), why);
        }
        for (PeerConnection c : new ArrayList<>(connections)) {
            if (addresses.contains(c.remote().getAddress())) {
                detach(c);
                c.close("banned for corrupt data");
            }
        }
    }

    private void pieceVerified(int piece) {
        picker.markHave(piece);
        verified = verifiedBytes();
        piecesVerified++;
        unsyncedBytes += picker.pieceSize(piece);
        for (PeerConnection c : connections) {
            if (!c.has.has(piece)) {
                c.send(new PeerMessage.Have(piece));
            }
            if (c.amInterested) {
                updateInterest(c);
            }
            c.flush();
        }
        advanceMd5();
        if (picker.isComplete()) {
            allPiecesVerified();
        }
        syncSome();
    }

    /** Every piece is here (downloaded, or found on disk): the md5 and the commit are left. */
    private void allPiecesVerified() {
        lastPieceAt = System.nanoTime();
        LOG.debug("[torrent={}] every piece verified; the md5 is at piece {} of {}", logId,
                md5 == null ? "-" : md5.next(), meta.pieceCount());
        setState(SessionState.FINISHING);
        advanceMd5();
    }

    /**
     * A piece failed its SHA-1: fetched again, from one peer (PiecePicker.failed). Its writer is
     * banned when it wrote every block; otherwise SmartBan finds the bad blocks' writers once a
     * good copy is in.
     */
    private void pieceFailed(int piece, List<byte[]> blockHashes) {
        picker.failed(piece);
        piecesFailed++;
        LOG.warn("[torrent={}] piece {} failed its SHA-1 check; fetching it again from one peer", logId, piece);
        ban(bans.pieceFailed(piece, blockHashes), "sent every block of piece " + piece + ", which failed its SHA-1 check");
        fillAll();
    }

    /** Starts flushing what was written, off the loop, once {@link #SYNC_EVERY} bytes wait and no flush runs. */
    private void syncSome() {
        if (syncing || unsyncedBytes < SYNC_EVERY || picker.isComplete()) {
            return; // the last bytes are synced by the commit
        }
        syncing = true;
        unsyncedBytes = 0;
        CompletableFuture.runAsync(() -> {
            try {
                storage.flush();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, engine.syncExecutor()).whenComplete((v, err) -> run(() -> {
            syncing = false;
            if (state.isFinal()) {
                return;
            }
            if (err == null) {
                syncSome();
            } else if (state == SessionState.SEEDING) {
                // the commit synced everything since and succeeded: the file in place is whole
                LOG.warn("[torrent={}] flushing {} to disk: {}", logId, meta.name(), rootMessage(err));
            } else {
                fail("write " + meta.name() + " to disk: " + rootMessage(err));
            }
        }));
    }

    // ---- md5 of the whole file, in order, off the loop

    private void advanceMd5() {
        if (state.isFinal()) {
            return;
        }
        if (md5 == null) {
            if (picker.isComplete()) {
                finishDownload();
            }
            return;
        }
        if (md5.isDone()) {
            checkMd5();
            return;
        }
        if (md5Busy) {
            return;
        }
        int to = md5.next();
        while (to < meta.pieceCount() && picker.has(to)) {
            to++;
        }
        if (to == md5.next()) {
            return;
        }
        md5Busy = true;
        int end = to;
        CompletableFuture.runAsync(() -> {
            try {
                md5.catchUp(end, verifier);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, engine.md5Executor()).whenComplete((v, err) -> run(() -> {
            md5Busy = false;
            if (err != null) {
                fail("md5 of " + meta.name() + ": " + rootMessage(err));
                return;
            }
            advanceMd5();
        }));
    }

    private void checkMd5() {
        if (!picker.isComplete() || state != SessionState.FINISHING) {
            return;
        }
        String got = md5.hex();
        String expected = options.expectedMd5().orElseThrow().toLowerCase(java.util.Locale.ROOT);
        if (!got.equals(expected)) {
            fail("md5 of " + meta.name() + " is " + got + " (expected: " + expected + "); the file was not moved into place");
            return;
        }
        finishDownload();
    }

    private void finishDownload() {
        if (state == SessionState.SEEDING || state.isFinal() || committing) {
            return;
        }
        committing = true;
        long finishStarted = System.nanoTime();
        CompletableFuture.runAsync(() -> {
            try {
                storage.commit();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, hashPool).whenComplete((v, err) -> run(() -> {
            if (state.isFinal()) {
                return; // stopped while the files were being moved into place
            }
            if (err != null) {
                fail("move " + meta.name() + " into place: " + rootMessage(err));
                return;
            }
            completedAt = clock.instant();
            LOG.debug("[torrent={}] after the last piece: md5 {} ms, then sync and rename {} ms", logId,
                    (finishStarted - lastPieceAt) / 1_000_000, (System.nanoTime() - finishStarted) / 1_000_000);
            setState(SessionState.SEEDING);
            LOG.info("[torrent={}] {} complete: {} verified{}", logId, meta.name(), ByteSize.format(meta.totalLength()),
                    options.expectedMd5().isPresent() ? ", md5 ok" : "");
            for (PeerConnection c : new ArrayList<>(connections)) {
                if (c.has.isAll()) {
                    c.close("both seeds");
                } else {
                    updateInterest(c);
                    c.flush();
                }
            }
            // with no seed time the peer leaves at once: one `stopped` announce says so, without
            // racing a `completed` that could reach the tracker after it
            boolean leaveNow = options.seedTime().filter(Duration::isZero).isPresent();
            completedPending = downloadedHere && !leaveNow;
            announceCompletedIfDue();
            completed.complete(null);
            if (leaveNow) {
                LOG.info("[torrent={}] no seed time: leaving the swarm", logId);
                stop();
            }
        }));
    }

    // ---- uploads

    private void onRequest(PeerConnection c, PeerMessage.Request r) {
        if (r.piece() >= meta.pieceCount() || (long) r.begin() + r.length() > meta.pieceSize(r.piece())) {
            c.close("request " + r + " beyond piece bounds");
            return;
        }
        if (c.amChoking || !picker.has(r.piece())) {
            if (c.fast) {
                c.send(new PeerMessage.RejectRequest(r.piece(), r.begin(), r.length()));
            }
            return;
        }
        if (c.fast && c.peerId.isMurder() && !downloadedHere && firstCopyGoesElsewhere(r.piece(), c)) {
            c.send(new PeerMessage.RejectRequest(r.piece(), r.begin(), r.length()));
            return;
        }
        if (c.queuedUploads >= config.maxQueuedUploads()) {
            c.close("request flood: more than " + config.maxQueuedUploads() + " queued");
            return;
        }
        c.queuedUploads++;
        c.wrote = true;
        c.usefulAt = clock.instant();
        long offset = (long) r.piece() * meta.pieceLength() + r.begin();
        io.netty.channel.Channel ch = c.channel();
        ch.write(MessageEncoder.pieceHeader(ch.pipeline().firstContext(), r.piece(), r.begin(), r.length()), ch.voidPromise());
        List<Storage.Slice> slices = storage.slices(offset, r.length());
        for (int i = 0; i < slices.size(); i++) {
            Storage.Slice s = slices.get(i);
            SharedFileRegion region = new SharedFileRegion(s.channel(), s.filePosition(), s.length());
            if (i < slices.size() - 1) {
                ch.write(region, ch.voidPromise());
            } else {
                ch.write(region).addListener(f -> run(() -> {
                    c.queuedUploads--;
                    if (f.isSuccess()) {
                        c.uploaded += r.length();
                        uploaded += r.length();
                    }
                }));
            }
        }
    }

    /**
     * The origin seed (it started complete) sends each piece's first copy to one peer at a time:
     * until {@link #FIRST_COPY_WINDOW} after that peer's last ask for it (or until it is gone),
     * another murder peer asking for it gets Reject Request and fetches it from that peer once it
     * has it; the window also covers the time the first peer takes to verify and announce it. The
     * origin's uplink is the only way new pieces enter the swarm, and two hosts picking the same
     * new piece at once (neither can know of the other yet) halve what it delivers.
     * Only fast-extension murder peers are rejected: they leave a rejected piece alone for a second
     * and take it from the first peer. aria2c leechers made the origin send more with rejects
     * (1.75 x the file against 1.36 without, 16 hosts at 50 Mbit/s), so other clients, and anyone
     * after the window, are served as usual.
     */
    private boolean firstCopyGoesElsewhere(int piece, PeerConnection c) {
        if (firstCopyTo == null) {
            firstCopyTo = new PeerConnection[meta.pieceCount()];
            firstCopySince = new long[meta.pieceCount()];
        }
        PeerConnection to = firstCopyTo[piece];
        long now = nanos(clock.instant());
        if (to == null || to == c) {
            firstCopyTo[piece] = c;
            firstCopySince[piece] = now;
            return false;
        }
        long age = now - firstCopySince[piece];
        return age >= 0 && age < FIRST_COPY_WINDOW.toNanos();
    }

    // ---- tracker

    private void announceNow(Optional<AnnounceRequest.Event> event) {
        if (!tracker.hasTrackers() || announcing) {
            return;
        }
        announcing = true;
        AnnounceRequest req = new AnnounceRequest(meta.infoHash(), engine.peerId(), engine.port(), uploaded, downloaded,
                meta.totalLength() - verifiedBytes(), event, config.announceIp(), 200, announceKey);
        CompletableFuture<AnnounceResponse> sent = tracker.announce(req);
        lastAnnounce = sent;
        sent.whenComplete((resp, err) -> run(() -> {
            announcing = false;
            Instant now = clock.instant();
            if (err != null) {
                LOG.warn("[torrent={}] {}", logId, rootMessage(err));
                nextAnnounce = now.plus(ANNOUNCE_RETRY);
                completedPending |= event.orElse(null) == AnnounceRequest.Event.COMPLETED;
                return;
            }
            if (event.orElse(null) == AnnounceRequest.Event.STARTED) {
                startedAnnounced = true;
            }
            onAnnounced(resp, now);
            announceCompletedIfDue();
        }));
    }

    /** Sends `completed` once: after `started` got through and when no other announce is in flight. */
    private void announceCompletedIfDue() {
        if (completedPending && startedAnnounced && !announcing && state == SessionState.SEEDING) {
            completedPending = false;
            announceNow(Optional.of(AnnounceRequest.Event.COMPLETED));
        }
    }

    private void onAnnounced(AnnounceResponse resp, Instant now) {
        trackerInterval = resp.interval();
        Duration next = state == SessionState.DOWNLOADING || state == SessionState.CHECKING
                ? min(config.reannounce(), trackerInterval) : trackerInterval;
        nextAnnounce = now.plus(next);
        known.addAll(resp.peers());
        LOG.debug("[torrent={}] tracker: {} peers, next announce in {}", logId, resp.peers().size(), Durations.format(next));
        connectToKnown();
    }

    /**
     * The order window in pieces: at least 32, so that hosts starting together still spread over
     * enough pieces when pieces are big (two hosts asking the origin for the same new piece cost a
     * reject and a wait). 16 pieces of 1 MiB made 1 GiB to 4 peers on loopback slower (12.3-15.4 s
     * against 11.9-13.4 s with 32).
     */
    private static int windowPieces(long orderWindow, long pieceLength) {
        return (int) Math.max(32, Math.min(Integer.MAX_VALUE, orderWindow / pieceLength));
    }

    private static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    // ---- time

    void tick() {
        if (state.isFinal()) {
            return;
        }
        Instant now = clock.instant();
        downRate = downloaded - lastDownloaded;
        upRate = uploaded - lastUploaded;
        lastDownloaded = downloaded;
        lastUploaded = uploaded;
        sendKeepAlives(now);
        if (state == SessionState.DOWNLOADING && now.isAfter(lastData.plus(config.stallTimeout()))) {
            fail("no data from any peer for " + Durations.format(config.stallTimeout()) + " (" + known.size()
                    + " peers known, " + connections.size() + " connected)");
            return;
        }
        if (startedAnnounced && !now.isBefore(nextAnnounce)) {
            announceNow(Optional.empty());
        } else if (!startedAnnounced && !now.isBefore(nextAnnounce) && state != SessionState.CHECKING) {
            announceNow(Optional.of(AnnounceRequest.Event.STARTED));
        }
        if (state == SessionState.DOWNLOADING) {
            picker.tick();
            connectToKnown();
            boolean askAgain = false;
            for (PeerConnection c : connections) {
                askAgain |= !c.refused.isEmpty();
                c.refused.clear();
            }
            if (sparingSeeds && now.isAfter(lastFromNonSeed.plus(SPARE_SEEDS_FOR))) {
                sparingSeeds = false;
                askAgain = true;
            }
            if (askAgain) {
                picker.touch();
                fillAll();
            }
        }
        rotateIdleUploads(now);
        unchokeWaiting();
        if (state == SessionState.SEEDING && options.seedTime().isPresent()
                && !now.isBefore(completedAt.plus(options.seedTime().get()))) {
            LOG.info("[torrent={}] seed time of {} is over", logId, Durations.format(options.seedTime().get()));
            stop();
            return;
        }
        listener.onProgress(snapshot());
    }

    /**
     * A keep-alive to each peer nothing was written to for {@code EngineConfig.keepAlive} (clients
     * drop a connection silent for two minutes). Timed by the tick, on the injected clock.
     */
    private void sendKeepAlives(Instant now) {
        for (PeerConnection c : connections) {
            if (c.wrote) {
                // written some time after the last tick: quiet since then at the earliest (a keep-alive
                // may go a tick early, never late)
                c.wrote = false;
                if (lastTick != null && lastTick.isAfter(c.quietSince)) {
                    c.quietSince = lastTick;
                }
            }
            if (!now.isBefore(c.quietSince.plus(config.keepAlive()))) {
                c.send(new PeerMessage.KeepAlive());
                c.flush();
            }
        }
        lastTick = now;
    }

    // ---- lifecycle

    /** Announces {@code stopped}, closes every connection and completes {@link #finished()}. */
    public CompletableFuture<Snapshot> stop() {
        run(() -> {
            if (state.isFinal()) {
                return;
            }
            setState(SessionState.STOPPED);
            shutdown();
        });
        return finished;
    }

    private void fail(String message) {
        if (state.isFinal()) {
            return;
        }
        error = Optional.of(message);
        LOG.error("[torrent={}] {}", logId, message);
        setState(SessionState.FAILED);
        shutdown();
    }

    private void shutdown() {
        if (ticker != null) {
            ticker.cancel(false);
        }
        new ArrayList<>(connections).forEach(c -> c.close("session " + state.name().toLowerCase(java.util.Locale.ROOT)));
        engine.remove(this);
        Snapshot last = snapshot();
        // `stopped` once the tracker may know us (started got through, or is on its way), after the
        // announce in flight so it cannot be overtaken by it
        AnnounceRequest stopped = new AnnounceRequest(meta.infoHash(), engine.peerId(), engine.port(), uploaded, downloaded,
                meta.totalLength() - verifiedBytes(), Optional.of(AnnounceRequest.Event.STOPPED), config.announceIp(), 0,
                announceKey);
        CompletableFuture<?> announced = (startedAnnounced || announcing) && tracker.hasTrackers()
                ? lastAnnounce.handle((r, e) -> null).thenCompose(v -> tracker.announce(stopped)).orTimeout(3, TimeUnit.SECONDS)
                : CompletableFuture.completedFuture(null);
        announced.whenComplete((v, err) -> {
            if (state == SessionState.FAILED) {
                completed.completeExceptionally(new MurderException(error.orElse("failed"), MurderException.FAILURE));
            } else if (!completed.isDone()) {
                completed.completeExceptionally(new MurderException("stopped before completing", MurderException.FAILURE));
            }
            finished.complete(last);
        });
    }

    private void setState(SessionState next) {
        state = next;
        listener.onStateChange(next, snapshot());
    }

    public SessionState state() {
        return state;
    }

    private long verifiedBytes() {
        long n = (long) picker.haveCount() * meta.pieceLength();
        if (picker.has(meta.pieceCount() - 1)) {
            n -= meta.pieceLength() - meta.pieceSize(meta.pieceCount() - 1);
        }
        return n;
    }

    /**
     * A view of the session, safe from any thread: it reads only the volatile fields the loop
     * writes (never the loop's collections), so off the loop it may be a moment behind.
     */
    public Snapshot snapshot() {
        return new Snapshot(state, verified, meta.totalLength(), downloaded, uploaded, downRate, upRate, peerCount, seedCount,
                error);
    }

    /** The session's counters for metrics, safe from any thread (volatile reads, as {@link #snapshot()}). */
    public TorrentStats stats() {
        return new TorrentStats(meta.infoHash(), meta.name(), state, downloaded, uploaded, verified, meta.totalLength(), peerCount,
                piecesVerified, piecesFailed, peersBanned);
    }

    /** Whether {@code address} is banned from this torrent (asked on the loop). */
    CompletableFuture<Boolean> isBanned(java.net.InetAddress address) {
        CompletableFuture<Boolean> f = new CompletableFuture<>();
        run(() -> f.complete(bans.isBanned(address)));
        return f;
    }

    /** Runs {@link #snapshot()} on the loop. */
    public CompletableFuture<Snapshot> snapshotAsync() {
        CompletableFuture<Snapshot> f = new CompletableFuture<>();
        run(() -> f.complete(snapshot()));
        return f;
    }

    private static String rootMessage(Throwable t) {
        while ((t instanceof java.util.concurrent.CompletionException || t instanceof java.io.UncheckedIOException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    @Override
    public String toString() {
        return "TorrentSession[" + meta.name() + " " + logId + "]";
    }

}
