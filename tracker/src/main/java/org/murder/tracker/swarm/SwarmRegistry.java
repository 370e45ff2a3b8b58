package org.murder.tracker.swarm;

import java.net.InetAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntUnaryOperator;
import org.murder.core.InfoHash;

/**
 * Every swarm the tracker serves, keyed by infohash. Thread-safe: the map is concurrent and each
 * swarm guards itself, so announces to different swarms never wait for each other. Time comes
 * from the injected {@link Clock}: tests step it instead of sleeping.
 */
public final class SwarmRegistry {
    private final Clock clock;
    private final SwarmSettings settings;
    private final long timeoutMillis;
    private final long freshMillis;
    private final ConcurrentHashMap<InfoHash, Swarm> swarms = new ConcurrentHashMap<>();
    private final PeerBudget budget;
    private final IntUnaryOperator randomBelow;
    /** The swarms by the source of the announce that made them (guarded by this registry's monitor). */
    private final Sources<Swarm> creators = new Sources<>();
    private final LongAdder peersDisplaced = new LongAdder();
    private final LongAdder swarmsDisplaced = new LongAdder();

    public SwarmRegistry(Clock clock, SwarmSettings settings) {
        this(clock, settings, n -> ThreadLocalRandom.current().nextInt(n));
    }

    /**
     * With the random choice of where each peer list is read from given: {@code randomBelow.applyAsInt(n)}
     * is in {@code [0, n)} (a simulator gives a seeded one, to replay a run). Called under a swarm's
     * monitor, from any thread.
     */
    public SwarmRegistry(Clock clock, SwarmSettings settings, IntUnaryOperator randomBelow) {
        this.clock = clock;
        this.settings = settings;
        this.timeoutMillis = settings.peerTimeout().toMillis();
        this.freshMillis = settings.gatewayFresh().toMillis();
        this.budget = new PeerBudget(settings.maxPeers());
        this.randomBelow = randomBelow;
    }

    public SwarmSettings settings() {
        return settings;
    }

    /**
     * Records {@code a} and returns counts and peers for the client. A cap that is full makes room for
     * a newcomer from a source that holds less than another (see {@link Sources}): the source holding
     * the most peers of the swarm gives up its stalest, the one that made the most swarms its least
     * active swarm.
     *
     * @throws CapacityException when a new swarm or peer would pass a cap and no source holds more than the newcomer's
     */
    public AnnounceResult announce(Announce a) {
        long now = clock.millis();
        InetAddress source = Sources.key(a.source(), settings.sourcePrefixV6());
        boolean madeRoom = false;
        for (;;) {
            Swarm swarm = swarms.get(a.infoHash());
            if (swarm == null) {
                if (a.event() == Event.STOPPED) {
                    return new AnnounceResult(0, 0, 0, List.of());
                }
                swarm = create(a.infoHash(), now, source);
            }
            AnnounceResult r;
            try {
                r = swarm.announce(a, source, now, timeoutMillis, freshMillis, settings.maxPeersPerSwarm(), budget, peersDisplaced);
            } catch (CapacityException e) {
                if (madeRoom || !e.cap().equals("peers") || !makeRoomAnywhere(source)) {
                    throw e;
                }
                madeRoom = true; // once: another newcomer may have taken the place meanwhile
                continue;
            }
            if (r != null) {
                return r;
            }
            forget(swarm);
        }
    }

    /** Makes a swarm (under the registry's monitor: rare, and it keeps {@link #creators} in step with the map). */
    private synchronized Swarm create(InfoHash infoHash, long now, InetAddress creator) {
        Swarm raced = swarms.get(infoHash);
        if (raced != null) {
            return raced;
        }
        if (swarms.size() >= settings.maxSwarms()) {
            displaceSwarm(creator);
        }
        Swarm fresh = new Swarm(infoHash, now, randomBelow, settings.gatewaysPerRack(), creator);
        swarms.put(infoHash, fresh);
        creators.hold(creator, fresh);
        return fresh;
    }

    /**
     * Makes room for a swarm from {@code creator}: the least active swarm of the source that made the
     * most retires, with its peers, if that source made at least two more than {@code creator}, and only a
     * swarm whose peers all announced from that source (a swarm others joined is theirs too: made first by
     * a client that guessed its infohash, or restored from the state file, it stays); otherwise the
     * announce is refused.
     */
    private void displaceSwarm(InetAddress creator) {
        Swarm idlest = null;
        long idleSince = Long.MAX_VALUE;
        for (Swarm s : creators.displaceable(creator)) {
            long at = s.lastActivity();
            if (at < idleSince && s.onlyItsCreators()) {
                idlest = s;
                idleSince = at;
            }
        }
        if (idlest == null) {
            throw new CapacityException("swarms", "tracker is full: " + settings.maxSwarms() + " swarms (cap --max-swarms)");
        }
        if (swarms.remove(idlest.infoHash(), idlest)) {
            idlest.retire(budget);
            swarmsDisplaced.increment();
        }
        creators.release(idlest.creator(), idlest);
    }

    /**
     * The tracker is full and the newcomer's swarm had no place to give: the source holding the most places of all,
     * if at least two more than {@code source}, gives up its stalest leecher in the first swarm where it holds one
     * (one swarm's monitor at a time, none held by the caller). A client that spread made-up peers over other swarms
     * kept every real host out of a new one.
     */
    private boolean makeRoomAnywhere(InetAddress source) {
        InetAddress most = budget.biggerThan(source);
        if (most == null) {
            return false;
        }
        for (Swarm s : swarms.values()) {
            if (s.displaceOneOf(most, budget)) {
                peersDisplaced.increment();
                return true;
            }
        }
        return false;
    }

    /** {@code swarm} left the map (retired): it no longer counts for its creator. */
    private void forget(Swarm swarm) {
        swarms.remove(swarm.infoHash(), swarm);
        synchronized (this) {
            creators.release(swarm.creator(), swarm);
        }
    }

    /** Peers that gave their place in a full swarm (or a full tracker) up to a newcomer from a source that held fewer. */
    public long peersDisplaced() {
        return peersDisplaced.sum();
    }

    /** Swarms retired to make room for one from a source that had made fewer. */
    public long swarmsDisplaced() {
        return swarmsDisplaced.sum();
    }

    /** Counts for one infohash; zeros when the tracker has no such swarm. */
    public ScrapeStats scrape(InfoHash infoHash) {
        Swarm s = swarms.get(infoHash);
        return s == null ? ScrapeStats.EMPTY : s.stats();
    }

    /** Counts for every swarm (full scrape, metrics). */
    public Map<InfoHash, ScrapeStats> scrapeAll() {
        Map<InfoHash, ScrapeStats> out = new HashMap<>();
        swarms.forEach((ih, s) -> out.put(ih, s.stats()));
        return out;
    }

    /**
     * Drops peers that stopped announcing and forgets swarms that stayed empty past the swarm
     * timeout. Returns the number of peers dropped.
     */
    public int sweep() {
        long now = clock.millis();
        long idleBefore = now - settings.swarmTimeout().toMillis();
        int removed = 0;
        for (Swarm s : swarms.values()) {
            removed += s.sweep(now, timeoutMillis, idleBefore, budget);
            if (s.isRetired()) {
                forget(s);
            }
        }
        return removed;
    }

    /** Forgets one swarm and its peers at once (its infohash left the whitelist). */
    public int drop(InfoHash infoHash) {
        Swarm s = swarms.remove(infoHash);
        if (s == null) {
            return 0;
        }
        forget(s);
        return s.retire(budget);
    }

    public boolean contains(InfoHash infoHash) {
        return swarms.containsKey(infoHash);
    }

    public int swarmCount() {
        return swarms.size();
    }

    /** Peers in all swarms (the figure the {@code maxPeers} cap applies to). */
    public int peerCount() {
        return budget.used();
    }

    /** A copy of every swarm, for the state file and the stats page. */
    public List<SwarmSnapshot> snapshot() {
        List<SwarmSnapshot> out = new ArrayList<>(swarms.size());
        for (Swarm s : swarms.values()) {
            out.add(s.snapshot());
        }
        return out;
    }

    /**
     * Puts a saved swarm back (state file on start); its peers get a fresh lease of one peer
     * timeout. Honours the caps: what does not fit is left out. Returns the number of peers restored.
     */
    public int restore(SwarmSnapshot saved) {
        long now = clock.millis();
        Swarm s = swarms.get(saved.infoHash());
        if (s == null) {
            s = create(saved.infoHash(), now, Sources.UNKNOWN);
        }
        return s.restore(saved, now, settings.maxPeersPerSwarm(), settings.sourcePrefixV6(), budget);
    }
}
