package org.murder.peer.engine;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import org.murder.core.Durations;
import org.murder.core.InfoHash;
import org.murder.core.PeerId;
import org.murder.core.RackName;
import org.murder.peer.tracker.AnnounceRequest;
import org.murder.peer.wire.PeerMessage;
import org.murder.testkit.MutableClock;
import org.murder.tracker.TrackerConfig;
import org.murder.tracker.swarm.Announce;
import org.murder.tracker.swarm.AnnounceResult;
import org.murder.tracker.swarm.Event;
import org.murder.tracker.swarm.PeerEntry;
import org.murder.tracker.swarm.SwarmRegistry;
import org.murder.tracker.swarm.SwarmSettings;

/**
 * A swarm of murder hosts in virtual time: each host runs the engine's own policies
 * ({@link PiecePicker}, {@link RequestDepth}, {@link UploadSlots}, {@link PeerSet}, {@link FirstCopy},
 * {@link Sparing}) and the tracker's own peer lists ({@link SwarmRegistry}); only the bytes and
 * the wires are simulated. A host's messages reach a peer after the one-way latency; a block
 * leaves through its sender's uplink (one queue at the host's rate, first come first served unless
 * {@link #withUplinkOrder} says otherwise),
 * crosses the racks' uplinks when it changes rack, and enters through the receiver's downlink.
 * The routing between policies follows {@link TorrentSession}'s.
 *
 * <p>Deterministic for a seed: one thread, one event queue ordered by time then by order of
 * scheduling, and every random choice from the seed.
 */
final class SwarmSim {
    /** The simulated tracker's "min interval": the murder tracker's default. */
    private static final Duration MURDER_MIN_INTERVAL = Durations.parse(TrackerConfig.DEFAULT_MIN_INTERVAL);
    /**
     * What is simulated. Rates in bytes per second; the origin is host 0. Host i is in rack i % racks (the origin
     * in rack 0, announcing none) and a rack's uplink holds what leaves it and what enters it, unless
     * {@code originOutside}: then the origin is in no rack and only what enters a rack is held, as in
     * {@code bench/fleet.sh --racks}. The last {@code failingHosts} hosts stop mid-download and tell the
     * tracker; the first {@code crashingFirst} (with racks and no start jitter, the first gateway of
     * each rack) crash a fifth to three fifths of F/up in and tell it nothing: the simulated tracker's
     * peer timeout is longer than any run, so it names them to the end.
     */
    record Params(int hosts, long fileBytes, int pieceBytes, double up, double down, double originUp, Duration latency,
            Duration startJitter, int racks, double rackUplink, int slowHosts, double slowFactor, int failingHosts, long seed,
            int maxConnections, int numWant, Duration timeLimit, boolean rackHints, boolean originOutside, int rackGateways,
            int crashingFirst) {

        /** None crashing ({@code crashingFirst} 0). */
        Params(int hosts, long fileBytes, int pieceBytes, double up, double down, double originUp, Duration latency,
                Duration startJitter, int racks, double rackUplink, int slowHosts, double slowFactor, int failingHosts, long seed,
                int maxConnections, int numWant, Duration timeLimit, boolean rackHints, boolean originOutside, int rackGateways) {
            this(hosts, fileBytes, pieceBytes, up, down, originUp, latency, startJitter, racks, rackUplink, slowHosts, slowFactor,
                    failingHosts, seed, maxConnections, numWant, timeLimit, rackHints, originOutside, rackGateways, 0);
        }

        static Params of(int hosts, long fileBytes, double up) {
            return new Params(hosts, fileBytes, 256 * 1024, up, up * 4, up, Duration.ofMillis(1), Duration.ZERO, 1, 0, 0, 1, 0, 1,
                    100, Announcer.NUM_WANT, Duration.ofHours(2), false, false, SwarmSettings.DEFAULT_GATEWAYS_PER_RACK);
        }

        Params withSeed(long s) {
            return new Params(hosts, fileBytes, pieceBytes, up, down, originUp, latency, startJitter, racks, rackUplink, slowHosts,
                    slowFactor, failingHosts, s, maxConnections, numWant, timeLimit, rackHints, originOutside, rackGateways, crashingFirst);
        }
    }

    /** When each host finished (nanos from the start; -1: never), and what moved. */
    record Result(long[] doneAt, long originUploaded, long duplicateBytes, long rackBytes, long events, int failed) {
    }

    /** Host {@code i}'s rack (see {@link Params}): -1 for an origin outside every rack. */
    static int rackOf(Params p, int i) {
        return i == 0 && p.originOutside() ? -1 : (p.originOutside() ? i - 1 : i) % p.racks();
    }

    private static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");
    private static final int SPAN = EngineConfig.MURDER_REQUEST_BLOCKS;
    private static final long TICK = 1_000_000_000L;

    private final Params p;
    private final EngineConfig config = EngineConfig.builder().maxUnchoked(Integer.getInteger("sim.unchoke", EngineConfig.builder().build().maxUnchoked()))
            .orderWindow(Long.getLong("sim.window", EngineConfig.builder().build().orderWindow())).build();
    private final Random random;
    private final PriorityQueue<Ev> queue = new PriorityQueue<>();
    /** Virtual time: moved forward to each event's time by the loop in {@link #run()}. */
    private final MutableClock clock = new MutableClock(EPOCH);
    private final SwarmRegistry tracker;
    private final InfoHash infoHash = InfoHash.of(new byte[20]);
    private final Host[] hosts;
    private final Map<InetSocketAddress, Host> byAddress = new HashMap<>();
    private final long latency;
    private final int pieceCount;
    private final double[] rackUpFree;
    private final double[] rackDownFree;
    private long now;
    private long seq;
    private long events;
    private int remaining;
    private long duplicateBytes;
    private long rackBytes;

    SwarmSim(Params p) {
        this.p = p;
        this.random = new Random(p.seed());
        Random trackerRandom = new Random(p.seed() * 31 + 7);
        this.tracker = new SwarmRegistry(clock, new SwarmSettings(Duration.ofHours(1), Duration.ofHours(1), 10, 1_000_000,
                1_000_000, p.rackGateways()), trackerRandom::nextInt);
        this.latency = p.latency().toNanos();
        this.pieceCount = (int) ((p.fileBytes() + p.pieceBytes() - 1) / p.pieceBytes());
        this.rackUpFree = new double[p.racks()];
        this.rackDownFree = new double[p.racks()];
        this.hosts = new Host[p.hosts()];
        for (int i = 0; i < p.hosts(); i++) {
            boolean slow = i > 0 && i <= p.slowHosts();
            double factor = slow ? p.slowFactor() : 1;
            hosts[i] = new Host(i, i == 0 ? p.originUp() : p.up() * factor, p.down() * factor, rackOf(p, i));
            byAddress.put(hosts[i].address, hosts[i]);
        }
    }

    /** Runs until every host that does not fail is done, or the time limit. */
    Result run() {
        remaining = p.hosts() - 1 - p.failingHosts() - p.crashingFirst();
        hosts[0].startAt(0);
        for (int i = 1; i < p.hosts(); i++) {
            long jitter = p.startJitter().isZero() ? 0 : (long) (random.nextDouble() * p.startJitter().toNanos());
            hosts[i].startAt(jitter);
            if (i > p.hosts() - 1 - p.failingHosts()) {
                Host h = hosts[i];
                at(jitter + (long) (random.nextDouble() * p.fileBytes() / p.up() * 1e9 * 0.8), h::fail);
            } else if (i <= p.crashingFirst()) {
                Host h = hosts[i];
                at(jitter + (long) ((0.2 + 0.4 * random.nextDouble()) * p.fileBytes() / p.up() * 1e9), h::crash);
            }
        }
        long limit = p.timeLimit().toNanos();
        if (timeline != null) {
            at(Timeline.STEP, this::sample);
        }
        while (remaining > 0 && !queue.isEmpty()) {
            Ev e = queue.poll();
            if (e.time > limit) {
                break;
            }
            clock.advance(Duration.ofNanos(e.time - now));
            now = e.time;
            events++;
            e.action.run();
        }
        long[] done = new long[p.hosts()];
        for (int i = 0; i < p.hosts(); i++) {
            done[i] = hosts[i].doneAt;
        }
        return new Result(done, hosts[0].uploaded, duplicateBytes, rackBytes, events, p.failingHosts() + p.crashingFirst());
    }

    /** How a host's uplink orders the blocks it was asked for. */
    enum UplinkOrder {
        /** In the order the requests came: the engine without a send order (before it had one). */
        REQUESTS,
        /** The engine's {@link SendOrder}: the rarest first, none waiting for good. */
        RAREST
    }

    private UplinkOrder uplinkOrder = UplinkOrder.RAREST;

    /** Orders every host's uplink by {@code order} (the default: {@link UplinkOrder#RAREST}, as the engine). */
    SwarmSim withUplinkOrder(UplinkOrder order) {
        uplinkOrder = order;
        return this;
    }

    private long uplinkAhead;

    /**
     * Lets each uplink take up to {@code bytes} from its send order ahead of the wire, sent in the
     * order taken (a what-if: what the engine hands its sockets and the kernel queues below it, in
     * bytes; 0, the default: one block at a time, the send order's best case).
     */
    SwarmSim withUplinkAhead(long bytes) {
        uplinkAhead = bytes;
        return this;
    }

    /** Records what {@link #timeline()} prints; off unless asked (it costs a scan of every host each step). */
    SwarmSim withTimeline() {
        timeline = new Timeline();
        return this;
    }

    /**
     * Every half second from t: how busy the hosts' uplinks and the origin's were, how many hosts
     * were done, and why the idle uplinks were idle at its end; then the hosts by announce order.
     */
    String timeline() {
        if (timeline == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(timeline.steps);
        out.append("by host number, the announce order with --jitter 0 (tenths of the hosts): uploaded as a share of the mean,"
                + " mean finish of those that finished, most connections\n");
        int per = Math.max(1, (hosts.length - 1) / 10);
        long total = 0;
        for (int i = 1; i < hosts.length; i++) {
            total += hosts[i].uploaded;
        }
        double mean = total / (double) (hosts.length - 1);
        for (int from = 1; from < hosts.length; from += per) {
            int to = Math.min(hosts.length, from + per);
            long up = 0;
            double done = 0;
            int finished = 0;
            long conns = 0;
            for (int i = from; i < to; i++) {
                up += hosts[i].uploaded;
                if (hosts[i].doneAt >= 0) {
                    done += hosts[i].doneAt / 1e9;
                    finished++;
                }
                conns += hosts[i].mostConnections;
            }
            int n = to - from;
            out.append(String.format(java.util.Locale.ROOT, "  hosts %5d-%5d  %4.2f  %6.2f s  %5.1f%n", from, to - 1, up / mean / n,
                    done / Math.max(1, finished), conns / (double) n));
        }
        return out.toString();
    }

    private Timeline timeline;
    private long dials;
    private long refusedJoins;
    private long evictions;

    /** Connections dialled, refused at the handshake and evicted for a newcomer, over the run. */
    String connections() {
        return String.format(java.util.Locale.ROOT, "connections: %d dialled (%.1f a host), %d refused at the handshake, %d evicted for a newcomer%n",
                dials, dials / (double) Math.max(1, hosts.length), refusedJoins, evictions);
    }

    /** Bytes sent per step, and the idle uplinks' reasons sampled at each step. */
    private final class Timeline {
        static final long STEP = 500_000_000L;
        final StringBuilder steps = new StringBuilder(
                "   t  hosts' uplinks  origin  done  idle hosts: has nothing a peer lacks / its lackers are choked / they get it elsewhere\n");
        private final Map<Long, long[]> sent = new HashMap<>();

        void sent(long at, int bytes, boolean origin) {
            long[] b = sent.computeIfAbsent(at / STEP, k -> new long[2]);
            b[origin ? 1 : 0] += bytes;
        }

        void step(long at, int done, int nothing, int choked, int elsewhere) {
            long[] b = sent.getOrDefault(at / STEP - 1, new long[2]);
            double secs = STEP / 1e9;
            steps.append(String.format(java.util.Locale.ROOT, "%5.1f  %12.1f %%  %5.1f %%  %4d  %d / %d / %d%n", (at / STEP - 1) * secs,
                    100.0 * b[0] / (p.up() * secs * (hosts.length - 1)), 100.0 * b[1] / (p.originUp() * secs), done, nothing, choked, elsewhere));
        }
    }

    /**
     * Bytes one connection may have on its way (sent, not arrived: the socket buffers and the
     * receiver's downlink queue) before its sender sends it nothing more and serves its other peers,
     * as a TCP window does: a host whose downlink is slow does not take the sender's uplink with it.
     */
    static final long IN_FLIGHT = 128 * 1024;

    /** One timeline step: each idle uplink's reason, from what its peers lack. */
    private void sample() {
        int done = 0;
        int nothing = 0;
        int choked = 0;
        int elsewhere = 0;
        for (int i = 1; i < hosts.length; i++) {
            Host h = hosts[i];
            done += h.doneAt >= 0 ? 1 : 0;
            if (!h.started || h.failed || h.upFree > now) {
                continue;
            }
            java.util.BitSet mine = h.picker.have();
            boolean lacked = false;
            boolean unchokedLacks = false;
            for (Link c : h.peers.connected()) {
                for (int piece = mine.nextSetBit(0); piece >= 0; piece = mine.nextSetBit(piece + 1)) {
                    if (!c.has.has(piece)) {
                        lacked = true;
                        unchokedLacks |= !h.uploads.choking(c);
                        break;
                    }
                }
            }
            if (!lacked) {
                nothing++;
            } else if (unchokedLacks) {
                elsewhere++;
            } else {
                choked++;
            }
        }
        timeline.step(now, done, nothing, choked, elsewhere);
        events--; // not one of the swarm's: Result.events is the same with or without a timeline
        if (remaining > 0) {
            later(Timeline.STEP, this::sample);
        }
    }

    private void at(long time, Runnable action) {
        queue.add(new Ev(time, seq++, action));
    }

    private void later(long delay, Runnable action) {
        at(now + delay, action);
    }

    private record Ev(long time, long seq, Runnable action) implements Comparable<Ev> {
        @Override
        public int compareTo(Ev o) {
            return time != o.time ? Long.compare(time, o.time) : Long.compare(seq, o.seq);
        }
    }

    private static InetAddress address(int i) {
        try {
            return InetAddress.getByAddress(new byte[] {10, (byte) (i >>> 16), (byte) (i >>> 8), (byte) i});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One host: the engine's policies and the routing between them, as in TorrentSession. */
    final class Host {
        final int id;
        final int rack;
        final double upRate;
        final double downRate;
        final InetSocketAddress address;
        final PeerId peerId;
        final PiecePicker picker;
        final PeerSet<Link> peers;
        final UploadSlots<Link> uploads;
        final FirstCopy<Link> firstCopy;
        final Sparing seedSparing = new Sparing(Sparing.SEEDS);
        final Sparing rackSparing = new Sparing(Sparing.RACK);
        final SmartBan bans;
        boolean started;
        boolean failed;
        boolean downloadedHere;
        long doneAt = -1;
        /** Whether our uplink had room at the last tick (as TorrentSession.tick). */
        final UplinkRoom uplinkRoom = new UplinkRoom();
        long uploadedAtTick;
        /** When this host last ticked (see TorrentSession.tick); null before. */
        java.time.Instant lastTick;
        /** The tracker named peers of our rack (as TorrentSession's rackMates, not empty). */
        boolean inARack;
        long uploaded;
        double upFree;
        double downFree;
        long nextAnnounce;
        int mostConnections;

        Host(int id, double upRate, double downRate, int rack) {
            this.id = id;
            this.rack = rack;
            this.upRate = upRate;
            this.downRate = downRate;
            this.address = new InetSocketAddress(address(id), 6881);
            byte[] pid = String.format("-MU0100-%012d", id).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            this.peerId = PeerId.of(pid);
            this.picker = new PiecePicker(pieceCount, p.pieceBytes(), p.fileBytes(), EngineConfig.BLOCK_SIZE,
                    config.randomFirstPieces(), PiecePicker.windowPieces(config.orderWindow(), p.pieceBytes()),
                    new Random(random.nextLong()));
            this.bans = new SmartBan(p.pieceBytes() / EngineConfig.BLOCK_SIZE);
            this.peers = new PeerSet<>(p.maxConnections(), bans, address::equals, peerId);
            this.uploads = new UploadSlots<>(config.maxUnchoked(), clock);
            this.firstCopy = new FirstCopy<>(pieceCount, i -> i == pieceCount - 1 ? p.fileBytes() - (long) i * p.pieceBytes() : p.pieceBytes(),
                    l -> l, l -> p.rackHints() && l.remoteHost().id > 0 ? l.remoteHost().rack : null, picker::availability);
        }

        void startAt(long time) {
            at(time, () -> {
                started = true;
                if (id == 0) {
                    for (int i = 0; i < pieceCount; i++) {
                        picker.markHave(i);
                    }
                } else {
                    downloadedHere = true;
                }
                announce(Event.STARTED);
                at(now + TICK, this::tick);
            });
        }

        boolean complete() {
            return picker.isComplete();
        }

        private void announce(Event event) {
            long left = p.fileBytes() - picker.haveBytes();
            AnnounceResult r = tracker.announce(new Announce(infoHash, peerId, address.getAddress(), 6881, uploaded, 0, left,
                    event, p.numWant(), p.rackHints() && id > 0 ? Optional.of(new RackName("rack" + rack)) : Optional.empty()));
            // as Announcer, against a tracker whose interval is the engine's reannounce (the murder tracker's 15 s)
            // and whose min interval is the murder tracker's 5 s
            nextAnnounce = now + Announcer.next(event == Event.STARTED ? Optional.of(AnnounceRequest.Event.STARTED) : Optional.empty(),
                    complete(), config.reannounce(), config.reannounce(), MURDER_MIN_INTERVAL).toNanos();
            if (p.rackHints() && id > 0) {
                long before = picker.generation();
                picker.outsideShare(r.gateway()); // as TorrentSession.answered
                if (picker.generation() != before) {
                    fillAll();
                }
                Set<InetAddress> mates = Set.copyOf(r.rackMates()); // as TorrentSession: the tracker's last list
                peers.keepForOtherRacks(r.gateway().isGateway(), mates::contains);
                inARack = !mates.isEmpty();
                if (inARack) {
                    rackSparing.expect(clock.instant()); // as TorrentSession.rackMatesAre
                }
            }
            List<InetSocketAddress> found = new ArrayList<>();
            for (PeerEntry e : r.peers()) {
                found.add(new InetSocketAddress(e.address(), e.port()));
            }
            peers.learn(found);
            dial();
        }

        private void dial() {
            if (failed) {
                return;
            }
            for (InetSocketAddress a : peers.toDial(clock.instant())) {
                dials++;
                Host other = byAddress.get(a);
                // connect and handshakes: a round trip and a half, then both sides decide
                later(3 * latency, () -> {
                    peers.dialled();
                    if (failed || other == null || other.failed || !other.started) {
                        return;
                    }
                    Link mine = new Link(this, other, true);
                    Link theirs = new Link(other, this, false);
                    mine.back = theirs;
                    theirs.back = mine;
                    if (!other.join(theirs)) {
                        return;
                    }
                    if (!join(mine)) {
                        other.leave(theirs);
                    }
                });
            }
        }

        /** A handshake done: admitted or not, as TorrentSession.joined. */
        boolean join(Link c) {
            if (failed) {
                return false;
            }
            PeerSet.Admission<Link> admission = peers.admit(c, clock.instant());
            if (!admission.admitted()) {
                refusedJoins++;
                return false;
            }
            if (admission.evicted() != null) {
                evictions++;
                Link gone = admission.evicted();
                close(gone);
            }
            c.attach(now);
            peers.add(c);
            mostConnections = Math.max(mostConnections, peers.size());
            uploads.add(c);
            boolean all = picker.isComplete();
            int have = picker.haveCount();
            BitSnapshot ours = have == 0 ? null : new BitSnapshot(picker.have(), all);
            if (ours != null) {
                later(latency, () -> c.back.peerSays(ours));
            }
            return true;
        }

        /**
         * We close {@code c}: what we sent on it before still reaches the other side (TCP closes in
         * order: the engine closes a connection once what it wrote is in the kernel), then it sees the close.
         */
        void close(Link c) {
            leave(c);
            at(Math.max(now + latency, c.lastArrival), () -> c.remoteHost().leave(c.back));
        }

        void leave(Link c) {
            if (!peers.remove(c)) {
                return;
            }
            c.tally.peerGone(c.has);
            c.requests.clear().forEach(picker::abandoned);
            c.attached = false;
            countSeeds();
            firstCopy.gone(c, clock.instant());
            uploads.remove(c);
            sendOrder.remove(c);
            fillAll();
        }

        void countSeeds() {
            int n = 0;
            for (Link o : peers.connected()) {
                n += o.has.isAll() ? 1 : 0;
            }
            picker.seeds(n);
        }

        void fill(Link c) {
            if (c.peerChoking || !c.amInterested || complete() || failed) {
                return;
            }
            if (c.nothingToAskAt == picker.generation() && !picker.inEndgame()) {
                return;
            }
            int depth = c.depth.depth();
            while (c.requests.size() < depth) {
                Block b = picker.next(c.has, c.requests.view(), seedSparing.sparing() && c.seedFromStart && !c.tally.rackMate(),
                        TorrentSession.outside(rackSparing.sparing(), c.tally.rackMate(), c.seedFromStart), c.refused, SPAN, c.nothingToAskAt);
                if (b == null) {
                    c.nothingToAskAt = picker.generation();
                    if (c.requests.isEmpty()) {
                        c.depth.idle();
                    }
                    break;
                }
                c.requests.put(b, clock.instant());
                c.sendOwedHaves(); // written before the request, flushed with it
                later(latency, () -> c.back.requested(b));
            }
        }

        void fillAll() {
            for (Link c : peers.connected()) {
                fill(c);
                c.sendOwedHaves(); // TorrentSession.fillAll flushes every connection
            }
        }

        void interest(Link c, int piece) {
            boolean interesting = !complete() && (piece >= 0 ? !picker.has(piece) : picker.interesting(c.has));
            if (interesting != c.amInterested) {
                c.sendOwedHaves();
                c.amInterested = interesting;
                later(latency, () -> c.back.peerInterested(interesting));
            }
        }

        /** A block arrived through our downlink, as TorrentSession.onPiece. */
        void blockArrived(Link c, Block b) {
            if (failed || !c.attached) {
                return;
            }
            c.sendOwedHaves(); // a read flushes what waits for its peer
            Block asked = c.requests.answered(b.key(), b.length()); // as PeerConnection.answered
            if (asked == null) {
                duplicateBytes += b.length();
                return;
            }
            c.depth.onBlock(now, b.length());
            PiecePicker.Arrival arrival = picker.received(b.piece(), b.begin(), b.length());
            duplicateBytes += b.length() - picker.lastArrivalNewBytes();
            if (arrival != PiecePicker.Arrival.NOT_NEEDED) {
                c.usefulAt = clock.instant();
                if (!c.seedFromStart) {
                    seedSparing.preferredDelivered(clock.instant());
                }
                if (c.tally.rackMate()) {
                    rackSparing.preferredDelivered(clock.instant());
                }
                if (picker.askedTwice()) {
                    cancelElsewhere(c, asked);
                }
                if (arrival == PiecePicker.Arrival.PIECE_DONE) {
                    verified(b.piece());
                }
            }
            fill(c);
        }

        private void cancelElsewhere(Link from, Block b) {
            int end = b.begin() + b.length();
            for (int begin = b.begin(); begin < end; begin += EngineConfig.BLOCK_SIZE) {
                long key = Block.key(b.piece(), begin);
                for (Link o : peers.connected()) {
                    Block other = o == from ? null : o.requests.get(key);
                    if (other != null && other.begin() + other.length() <= end) {
                        o.requests.remove(key);
                        picker.abandoned(other);
                        later(latency, () -> o.back.cancelled(other));
                    }
                }
            }
        }

        private void verified(int piece) {
            picker.markHave(piece);
            List<Link> to = new ArrayList<>();
            for (Link c : peers.connected()) {
                boolean news = !c.has.has(piece);
                if (news && !TorrentSession.haveAtOnce(news, uploads.waitsForSlot(c), c.tally.rackMate(), picker.everHadRackMate())) {
                    // news not worth a flush of its own: with the next message to or from it, the tick's at the latest, as
                    // TorrentSession.checked (a Have it has already goes at once here, though the engine holds it too)
                    c.owedHaves.set(piece);
                } else {
                    to.add(c);
                }
            }
            later(latency, () -> {
                for (Link c : to) {
                    if (c.attached) {
                        c.back.peerHas(piece);
                    }
                }
            });
            for (Link c : peers.connected()) {
                if (c.amInterested) {
                    interest(c, -1);
                }
            }
            if (complete()) {
                doneAt = now;
                remaining--;
                announce(Event.COMPLETED);
                for (Link c : new ArrayList<>(peers.connected())) {
                    if (c.has.isAll()) {
                        close(c);
                    }
                }
            }
        }

        /** A request reached us, as TorrentSession.onRequest. */
        void serve(Link c, Block b) {
            if (failed || !c.attached) {
                return;
            }
            if (uploads.choking(c) || !picker.has(b.piece())) {
                later(latency, () -> c.back.rejected(b));
                return;
            }
            PeerMessage.Request asked = new PeerMessage.Request(b.piece(), b.begin(), b.length());
            if (uplinkOrder == UplinkOrder.RAREST && sendOrder.waits(c, asked)) {
                return; // asked again while it waits: sent once, as TorrentSession.onRequest
            }
            if (!downloadedHere && firstCopy.goesElsewhere(b.piece(), c, clock.instant(), picker.availability(b.piece()),
                    othersDownloading(c))) {
                later(latency, () -> c.back.rejected(b));
                return;
            }
            if (downloadedHere && uplinkOrder == UplinkOrder.RAREST && !inARack
                    && sendOrder.deeperThanWorthFor(picker.availabilityBesidesSeeds(b.piece()))) {
                later(latency, () -> c.back.rejected(b)); // as TorrentSession.onRequest: it gets the piece elsewhere sooner
                return;
            }
            c.queuedUploads++;
            c.usefulAt = clock.instant();
            if (uplinkOrder == UplinkOrder.RAREST) {
                sendOrder.add(c, asked, picker.availability(b.piece()));
                if (!sending) {
                    sendNext();
                }
                return;
            }
            double start = Math.max(upFree, now);
            upFree = start + b.length() / upRate * 1e9;
            at((long) upFree, () -> sent(c, b));
        }

        /** Whether a peer of ours other than {@code asker} lacks pieces, as TorrentSession counts it. */
        private boolean othersDownloading(Link asker) {
            for (Link o : peers.connected()) {
                if (o != asker && !o.has.isAll()) {
                    return true;
                }
            }
            return false;
        }

        /** Under {@link UplinkOrder#RAREST}: the blocks asked of us, in the engine's order. */
        private final SendOrder<Link> sendOrder = new SendOrder<>(p.pieceBytes());
        private boolean sending;

        /** Bytes taken from the send order that have not left the uplink yet (see {@link #withUplinkAhead}). */
        private long committed;

        /** Takes blocks from the send order onto the uplink: one at a time, or up to {@code uplinkAhead} bytes in a FIFO. */
        private void sendNext() {
            while (committed == 0 || committed < uplinkAhead) {
                SendOrder.Send<Link> w = sendOrder.poll(c -> c.inFlight < IN_FLIGHT);
                if (w == null) {
                    break;
                }
                PeerMessage.Request r = w.request();
                Block b = new Block(r.piece(), r.begin(), r.length());
                committed += b.length();
                w.to().inFlight += b.length(); // on its way from now: in our uplink's queue, then on the wire
                upFree = Math.max(upFree, now) + b.length() / upRate * 1e9;
                at((long) upFree, () -> {
                    committed -= b.length();
                    sendOrder.sent(b.length());
                    sent(w.to(), b);
                    sendNext();
                });
            }
            sending = committed > 0;
        }

        /** A block left our uplink: it crosses the racks' uplinks and the receiver's downlink. */
        private void sent(Link c, Block b) {
            Host to = c.remoteHost();
            c.queuedUploads--;
            uploaded += b.length();
            if (timeline != null) {
                timeline.sent(now, b.length(), id == 0);
            }
            if (!downloadedHere) {
                firstCopy.sent(b.piece(), c, b.length(), clock.instant());
            }
            double arrive = now + latency;
            if (to.rack != rack && to.rack >= 0) {
                rackBytes += b.length(); // what enters a rack (in the first topology, what leaves one too)
            }
            if (to.rack != rack && p.rackUplink() > 0) {
                double out = now;
                if (rack >= 0 && !p.originOutside()) {
                    out = Math.max(rackUpFree[rack], now) + b.length() / p.rackUplink() * 1e9;
                    rackUpFree[rack] = out;
                }
                if (to.rack >= 0) {
                    double in = Math.max(rackDownFree[to.rack], out) + b.length() / p.rackUplink() * 1e9;
                    rackDownFree[to.rack] = in;
                    out = in;
                }
                arrive = out + latency;
            }
            double done = Math.max(to.downFree, arrive) + b.length() / to.downRate * 1e9;
            to.downFree = done;
            c.lastArrival = Math.max(c.lastArrival, (long) done);
            at((long) done, () -> {
                c.inFlight -= b.length();
                if (c.inFlight < IN_FLIGHT) { // as TCP's window opening: what was held aside for it goes back in line
                    sendOrder.release(c);
                    if (!sending) {
                        sendNext();
                    }
                }
                to.blockArrived(c.back, b);
            });
        }

        /** As TorrentSession.judgeSlowSources. */
        private void judgeSlowSources(java.time.Instant tickStart) {
            List<SlowSources.Tick<Link>> ticks = new ArrayList<>();
            for (Link c : peers.connected()) {
                SlowSources.Tick<Link> t = c.requests.tick(c, c.tally.rackMate(), tickStart, clock.instant());
                if (!c.has.isAll()) {
                    ticks.add(t);
                }
            }
            picker.slowSources(SlowSources.judge(ticks).stream().map(c -> c.has).toList());
        }

        void tick() {
            if (failed) {
                return;
            }
            java.time.Instant tickStart = lastTick == null ? clock.instant() : lastTick; // as TorrentSession.tick
            lastTick = clock.instant();
            if (!complete()) {
                long before = picker.generation();
                picker.tick();
                judgeSlowSources(tickStart);
                dial();
                boolean askAgain = false;
                for (Link c : peers.connected()) {
                    askAgain |= !c.refused.isEmpty();
                    c.refused.clear();
                }
                if (seedSparing.expire(clock.instant()) | rackSparing.expire(clock.instant()) || askAgain) {
                    picker.touch();
                    fillAll();
                } else if (picker.generation() != before) {
                    fillAll(); // as TorrentSession.tick
                }
                if (now >= nextAnnounce) {
                    announce(Event.NONE);
                }
            }
            for (Link c : peers.connected()) {
                c.sendOwedHaves(); // as TorrentSession.tick, which flushes every connection
            }
            // as TorrentSession.tick: a seed from the start
            uploads.tick(downloadedHere ? UplinkRoom.Verdict.UNKNOWN
                    : uplinkRoom.tick(uploaded - uploadedAtTick, java.time.Duration.between(tickStart, clock.instant())));
            uploadedAtTick = uploaded;
            at(now + TICK, this::tick);
        }

        void fail() {
            if (crash()) {
                tracker.announce(new Announce(infoHash, peerId, address.getAddress(), 6881, uploaded, 0, 1, Event.STOPPED, 0));
            }
        }

        /** Stops and closes its connections, telling the tracker nothing (it keeps the host for its peer timeout); false if it was done. */
        boolean crash() {
            if (complete() || failed) {
                return false;
            }
            failed = true;
            for (Link c : new ArrayList<>(peers.connected())) {
                leave(c);
                later(latency, () -> c.remoteHost().leave(c.back));
            }
            return true;
        }
    }

    /** What a host had when a peer joined: its bitfield, or Have All. */
    private record BitSnapshot(java.util.BitSet bits, boolean all) {
    }

    /** One side of a connection: what {@code host} knows of {@code remote}, as a PeerConnection keeps it. */
    final class Link implements PeerSet.Member, UploadSlots.Peer {
        final Host host;
        private final Host remote;
        final boolean outgoing;
        Link back;
        PieceSet has = new PieceSet(pieceCount);
        final PeerAvailability tally;
        final AskedBlocks requests = new AskedBlocks();
        final java.util.BitSet refused = new java.util.BitSet();
        /** Pieces we got that it lacks, not told yet: it waits for our upload slot (see {@link Host#verified}). */
        final java.util.BitSet owedHaves = new java.util.BitSet();
        RequestDepth depth;
        boolean attached;
        boolean seedFromStart;
        boolean amInterested;
        boolean peerChoking = true;
        long nothingToAskAt = -1;
        int queuedUploads;
        /** When the last block we sent on it reaches the other side (nanos). */
        long lastArrival;
        /** Bytes taken for this link's sender's uplink (it is the sender's end) that have not arrived yet: see {@link SwarmSim#IN_FLIGHT}. */
        long inFlight;
        Instant usefulAt;
        Instant joinedAt;

        Link(Host host, Host remote, boolean outgoing) {
            this.host = host;
            this.remote = remote;
            this.outgoing = outgoing;
            this.tally = new PeerAvailability(host.picker);
            // as the tracker tells each host that gave a rack the addresses of the others of its rack
            tally.rackMate(p.rackHints() && host.id > 0 && remote.id > 0 && host.rack == remote.rack, has);
        }

        Host remoteHost() {
            return remote;
        }

        void attach(long nanos) {
            attached = true;
            usefulAt = clock.instant();
            joinedAt = usefulAt;
            depth = new RequestDepth(Math.max(1, config.pipelineBlocks() / SPAN), config.pipelineTime().toNanos(),
                    EngineConfig.BLOCK_SIZE * SPAN, false); // every simulated host is a murder peer
            depth.roundTrip(2 * latency); // what TCP would measure on an idle path (PeerConnection reads it)
        }

        // ---- messages from the remote side, as PeerConnection.update then TorrentSession.received

        void peerSays(BitSnapshot bits) {
            if (!attached) {
                return;
            }
            sendOwedHaves(); // a read flushes what waits for its peer (PeerConnection.channelReadComplete)
            if (bits.all()) {
                tally.peerGone(has);
                has.setAll();
                tally.peerHasAll();
            } else {
                for (int i = bits.bits().nextSetBit(0); i >= 0; i = bits.bits().nextSetBit(i + 1)) {
                    if (has.add(i)) {
                        tally.peerHas(i);
                    }
                }
            }
            if (seedFromStart != has.isAll()) {
                seedFromStart = has.isAll();
                nothingToAskAt = -1; // as PeerConnection.update
            }
            hasChanged(-1);
        }

        void peerHas(int piece) {
            if (!attached) {
                return;
            }
            sendOwedHaves();
            if (!host.downloadedHere) {
                host.firstCopy.has(piece, this, clock.instant()); // as TorrentSession.onMessage
            }
            if (has.add(piece)) {
                tally.peerHas(piece);
            }
            hasChanged(piece);
        }

        private void hasChanged(int piece) {
            if (host.complete() && has.isAll()) {
                host.close(this);
                return;
            }
            if (has.isAll()) {
                host.countSeeds();
            }
            if (piece >= 0 && host.picker.has(piece)) {
                return;
            }
            if (piece < 0 || !amInterested) {
                host.interest(this, piece);
            }
            host.fill(this);
        }

        void peerInterested(boolean interested) {
            if (!attached) {
                return;
            }
            sendOwedHaves();
            if (interested) {
                host.uploads.interested(this);
            } else {
                host.uploads.notInterested(this);
            }
        }

        void requested(Block b) {
            if (attached) {
                sendOwedHaves();
            }
            host.serve(this, b);
        }

        /** As TorrentSession.onCancel: a block that waits in the send order is not sent (and rejected); one on the uplink is. */
        void cancelled(Block b) {
            if (attached && host.sendOrder.cancel(this, new PeerMessage.Request(b.piece(), b.begin(), b.length()))) {
                queuedUploads--;
                if (!host.downloadedHere) {
                    host.firstCopy.sent(b.piece(), this, 0, clock.instant()); // as TorrentSession.notSent
                }
                later(latency, () -> back.rejected(b));
            }
        }

        void rejected(Block b) {
            if (!attached) {
                return;
            }
            sendOwedHaves();
            Block asked = requests.remove(b.key());
            if (asked != null) {
                host.picker.abandoned(asked);
                refused.set(asked.piece());
            }
            host.fillAll();
        }

        void choked(boolean choking) {
            if (!attached) {
                return;
            }
            sendOwedHaves();
            peerChoking = choking;
            tally.choking(choking, has);
            if (!choking) {
                host.fill(this);
            }
        }

        // ---- PeerSet.Member, UploadSlots.Peer

        @Override
        public PeerId peerId() {
            return remote.peerId;
        }

        @Override
        public InetSocketAddress remote() {
            return remote.address;
        }

        @Override
        public Instant usefulAt() {
            return usefulAt;
        }

        @Override
        public Instant joinedAt() {
            return joinedAt;
        }

        @Override
        public int pieces() {
            return has.count();
        }

        @Override
        public boolean rackMate() {
            return tally.rackMate();
        }

        @Override
        public boolean seedFromStart() {
            return seedFromStart;
        }

        @Override
        public boolean outgoing() {
            return outgoing;
        }

        @Override
        public void choke() {
            Link other = back;
            later(latency, () -> other.choked(true));
            // as TorrentSession.choked: what it asked for and still waits is not sent, and is rejected (but first copies)
            for (PeerMessage.Request r : host.sendOrder.removeUnless(this, r -> !host.downloadedHere && host.firstCopy.goingTo(r.piece(), this))) {
                queuedUploads--;
                Block b = new Block(r.piece(), r.begin(), r.length());
                if (!host.downloadedHere) {
                    host.firstCopy.sent(r.piece(), this, 0, clock.instant());
                }
                later(latency, () -> other.rejected(b));
            }
        }

        @Override
        public void unchoke() {
            sendOwedHaves(); // written before the unchoke, flushed with it
            Link other = back;
            later(latency, () -> other.choked(false));
        }

        /** Haves news to it that waited (see {@link Host#verified}): they go now. */
        void sendOwedHaves() {
            if (owedHaves.isEmpty()) {
                return;
            }
            java.util.BitSet owed = (java.util.BitSet) owedHaves.clone();
            owedHaves.clear();
            Link other = back;
            later(latency, () -> {
                if (attached) {
                    owed.stream().forEach(other::peerHas);
                }
            });
        }

        @Override
        public int queuedUploads() {
            return queuedUploads;
        }

        @Override
        public int blocksInFlight() {
            return queuedUploads + requests.size();
        }
    }

    /** The done times of the hosts that finished, sorted; the origin excluded. */
    static long[] finished(Result r) {
        return Arrays.stream(r.doneAt(), 1, r.doneAt().length).filter(t -> t >= 0).sorted().toArray();
    }
}
