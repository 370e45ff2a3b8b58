package org.murder.tracker.swarm;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
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
    private final ConcurrentHashMap<InfoHash, Swarm> swarms = new ConcurrentHashMap<>();
    private final PeerBudget budget;
    private final IntUnaryOperator randomBelow;

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
        this.budget = new PeerBudget(settings.maxPeers());
        this.randomBelow = randomBelow;
    }

    public SwarmSettings settings() {
        return settings;
    }

    /**
     * Records {@code a} and returns counts and peers for the client.
     *
     * @throws CapacityException when a new swarm or peer would pass a cap
     */
    public AnnounceResult announce(Announce a) {
        long now = clock.millis();
        for (;;) {
            Swarm swarm = swarms.get(a.infoHash());
            if (swarm == null) {
                if (a.event() == Event.STOPPED) {
                    return new AnnounceResult(0, 0, 0, List.of());
                }
                swarm = create(a.infoHash(), now);
            }
            AnnounceResult r = swarm.announce(a, now, timeoutMillis, settings.maxPeersPerSwarm(), budget);
            if (r != null) {
                return r;
            }
            swarms.remove(a.infoHash(), swarm);
        }
    }

    private Swarm create(InfoHash infoHash, long now) {
        if (swarms.size() >= settings.maxSwarms()) {
            throw new CapacityException("swarms", "tracker is full: " + settings.maxSwarms() + " swarms (cap --max-swarms)");
        }
        Swarm fresh = new Swarm(infoHash, now, randomBelow, settings.gatewaysPerRack());
        Swarm raced = swarms.putIfAbsent(infoHash, fresh);
        return raced != null ? raced : fresh;
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
                swarms.remove(s.infoHash(), s);
            }
        }
        return removed;
    }

    /** Forgets one swarm and its peers at once (its infohash left the whitelist). */
    public int drop(InfoHash infoHash) {
        Swarm s = swarms.remove(infoHash);
        return s == null ? 0 : s.retire(budget);
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
            s = create(saved.infoHash(), now);
        }
        return s.restore(saved, now, settings.maxPeersPerSwarm(), budget);
    }
}
