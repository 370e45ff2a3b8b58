package org.murder.tracker.swarm;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntUnaryOperator;
import org.murder.core.GatewayShare;
import org.murder.core.InfoHash;
import org.murder.core.PeerId;
import org.murder.tracker.swarm.PeerList.Slot;

/**
 * The peers of one infohash. Every method holds the swarm's monitor, so one swarm is never
 * changed by two threads at once while different swarms proceed in parallel.
 */
final class Swarm {
    /** Expired peers are purged at most this often on the announce path (the sweep does the rest). */
    private static final long PURGE_EVERY_MILLIS = 1000;

    private final InfoHash infoHash;
    /** Where the announce that made this swarm came from ({@link Sources#key}); who gives a swarm up when there are too many. */
    private final InetAddress creator;
    /**
     * A peer is its peer id as announced from one source for one port: peer ids are public (every non-compact
     * answer lists them), so an announce naming another source's peer id is another peer. One client
     * could otherwise take the origin out of a swarm with one {@code event=stopped} naming its id, or
     * send every host to an address of its choosing with the origin's id and {@code ip=}; and one that
     * took over a lapsed id would keep its owner out. The port is in the key for the clients that share a
     * source (one machine, a NAT): a client on the origin's host announcing the origin's id with its own
     * port moved the origin's place to that port, and a {@code stopped} removed it. The same id from two
     * sources (a peer that moved, IPv4 and IPv6) or for two ports is two places until the old one times out.
     */
    private record Key(PeerId peerId, InetAddress source, int port) {
    }

    private final HashMap<Key, Slot> byId = new HashMap<>();
    private final PeerList seeders = new PeerList();
    private final PeerList leechers = new PeerList();
    private final Racks racks = new Racks();
    /** The peers by where their announces come from: who gives a place up when the swarm or the tracker is full. */
    private final Sources<Slot> sources = new Sources<>();
    private final PeerChoice choice;
    private long arrivals;
    private long downloaded;
    private long lastActivity;
    private long lastPurge;
    private boolean retired;

    Swarm(InfoHash infoHash, long now) {
        this(infoHash, now, n -> ThreadLocalRandom.current().nextInt(n), PeerChoice.GATEWAYS_PER_RACK, Sources.UNKNOWN);
    }

    Swarm(InfoHash infoHash, long now, IntUnaryOperator randomBelow, int gatewaysPerRack, InetAddress creator) {
        this.infoHash = infoHash;
        this.creator = creator;
        this.choice = new PeerChoice(gatewaysPerRack, randomBelow);
        this.lastActivity = now;
        this.lastPurge = now;
    }

    InfoHash infoHash() {
        return infoHash;
    }

    InetAddress creator() {
        return creator;
    }

    synchronized long lastActivity() {
        return lastActivity;
    }

    /** Whether every peer of this swarm announced from its creator (or it has none): only such a swarm may be retired for room. */
    synchronized boolean onlyItsCreators() {
        return sources.heldOnlyBy(creator);
    }

    /**
     * Applies {@code a} and picks the peers to hand back. Returns null when this swarm was retired
     * by a concurrent sweep; the caller then announces to a fresh swarm. A newcomer that finds the
     * swarm at {@code maxPeersPerSwarm}, or the tracker's {@code budget} spent, takes the stalest place
     * of the source holding the most in this swarm if that holds at least two more than its own source
     * (see {@link Sources}; {@code displaced} counts it); otherwise it is refused. {@code source} is
     * the key {@code a}'s source counts under ({@link Sources#key(InetAddress, int)}).
     */
    synchronized AnnounceResult announce(Announce a, InetAddress source, long now, long timeoutMillis, long freshMillis,
                                         int maxPeersPerSwarm, PeerBudget budget, LongAdder displaced) {
        if (retired) {
            return null;
        }
        lastActivity = now;
        if (now - lastPurge >= PURGE_EVERY_MILLIS) {
            purge(now, timeoutMillis, budget);
        }
        Slot slot = byId.get(new Key(a.peerId(), source, a.port()));
        boolean completed = slot != null && slot.entry.completed();
        boolean finished = a.event() == Event.COMPLETED || (slot != null && !slot.entry.isSeeder() && a.left() == 0);
        if (finished && !completed) {
            // counted once per peer: on its completed event, or when a known leecher reports nothing left
            downloaded++;
            completed = true;
        }
        if (a.event() == Event.STOPPED) {
            if (slot != null) {
                remove(slot, budget);
            }
            return new AnnounceResult(seeders.size(), leechers.size(), downloaded, List.of());
        }
        PeerEntry entry = PeerEntry.of(a, completed, now);
        if (slot == null) {
            boolean full = byId.size() >= maxPeersPerSwarm;
            if (full || !budget.tryTake(source)) {
                Slot stalest = stalestOf(sources.displaceable(source)); // of the source holding the most here
                if (stalest == null) {
                    throw full ? new CapacityException("peers_per_swarm", "swarm " + infoHash + " is full: " + maxPeersPerSwarm
                            + " peers (cap --max-peers-per-swarm)") : budget.full();
                }
                forget(stalest); // its place in the budget is the newcomer's
                budget.transfer(stalest.source, source);
                displaced.increment();
            }
            slot = new Slot(entry, arrivals++, source);
            add(slot);
        } else {
            sources.hold(source, slot);
            boolean rackChanged = !java.util.Objects.equals(slot.entry.rackOrNull(), entry.rackOrNull());
            if (rackChanged) {
                racks.remove(slot);
            }
            slot.entry = entry;
            if (rackChanged) {
                racks.add(slot);
            }
            PeerList want = entry.isSeeder() ? seeders : leechers;
            if (slot.place.list != want) {
                slot.place.list.remove(slot.place);
                want.add(slot.place);
            }
        }
        long freshSince = now - freshMillis; // at most the timeout (SwarmSettings)
        List<PeerEntry> peers = choice.choose(slot, a.numwant(), now - timeoutMillis, freshSince, seeders, leechers, racks,
                sources.count());
        Racks.Rack rack = racks.rack(slot.entry.rackOrNull());
        if (rack == null) {
            return new AnnounceResult(seeders.size(), leechers.size(), downloaded, peers);
        }
        List<Slot> gateways = rack.gateways(choice.gatewaysPerRack(), now - timeoutMillis, freshSince);
        int gateway = gateways.indexOf(slot);
        return new AnnounceResult(seeders.size(), leechers.size(), downloaded, peers,
                rack.addressesBut(slot, now - timeoutMillis, AnnounceResult.MAX_RACK_MATES),
                gateway < 0 ? GatewayShare.NONE : new GatewayShare(gateway, gateways.size()));
    }

    private void add(Slot slot) {
        byId.put(new Key(slot.entry.peerId(), slot.source, slot.entry.port()), slot);
        sources.hold(slot.source, slot);
        (slot.entry.isSeeder() ? seeders : leechers).add(slot.place);
        racks.add(slot);
    }

    /** Takes {@code slot} out of every list (the budget is the caller's). */
    private void forget(Slot slot) {
        byId.remove(new Key(slot.entry.peerId(), slot.source, slot.entry.port()));
        sources.release(slot.source, slot);
        slot.place.list.remove(slot.place);
        racks.remove(slot);
    }

    private void remove(Slot slot, PeerBudget budget) {
        forget(slot);
        budget.release(slot.source);
    }

    /**
     * Takes the stalest leecher of {@code source} (its stalest seed when it has none) out of this swarm, its place given
     * back to {@code budget}; false when {@code source} holds no place here (or the swarm was retired).
     */
    synchronized boolean displaceOneOf(InetAddress source, PeerBudget budget) {
        if (retired) {
            return false;
        }
        Slot stalest = stalestOf(sources.heldBy(source));
        if (stalest == null) {
            return false;
        }
        remove(stalest, budget);
        return true;
    }

    /** The first leecher of {@code places} (stalest first), else the first of them, else null. */
    private static Slot stalestOf(Iterable<Slot> places) {
        Slot stalest = null;
        for (Slot s : places) {
            stalest = stalest == null ? s : stalest;
            if (!s.entry.isSeeder()) {
                return s;
            }
        }
        return stalest;
    }

    /** Drops peers not seen for {@code timeoutMillis}; returns how many. */
    private int purge(long now, long timeoutMillis, PeerBudget budget) {
        lastPurge = now;
        long expiredBefore = now - timeoutMillis;
        return purge(seeders, expiredBefore, budget) + purge(leechers, expiredBefore, budget);
    }

    private int purge(PeerList list, long expiredBefore, PeerBudget budget) {
        int removed = 0;
        for (int i = list.size() - 1; i >= 0; i--) {
            Slot s = list.get(i);
            if (s.entry.lastSeenMillis() < expiredBefore) {
                remove(s, budget);
                removed++;
            }
        }
        return removed;
    }

    /**
     * The sweep: drops expired peers, and retires the swarm when it is empty and idle since
     * {@code idleBefore}. Returns the number of peers dropped; {@link #isRetired()} tells the rest.
     */
    synchronized int sweep(long now, long timeoutMillis, long idleBefore, PeerBudget budget) {
        int removed = purge(now, timeoutMillis, budget);
        if (byId.isEmpty() && lastActivity < idleBefore) {
            retired = true;
        }
        return removed;
    }

    /** Retires the swarm now (whitelist removal); returns the peers dropped. */
    synchronized int retire(PeerBudget budget) {
        retired = true;
        int n = byId.size();
        byId.values().forEach(s -> budget.release(s.source));
        byId.clear();
        sources.clear();
        return n;
    }

    synchronized boolean isRetired() {
        return retired;
    }

    synchronized ScrapeStats stats() {
        return new ScrapeStats(seeders.size(), leechers.size(), downloaded);
    }

    /** The swarm's peers in order of arrival, so a restore keeps each rack's gateways. */
    synchronized SwarmSnapshot snapshot() {
        List<Slot> slots = new ArrayList<>(byId.values());
        slots.sort(java.util.Comparator.comparingLong(s -> s.arrival));
        List<PeerEntry> peers = new ArrayList<>(slots.size());
        for (Slot s : slots) {
            peers.add(s.entry);
        }
        return new SwarmSnapshot(infoHash, downloaded, lastActivity, peers);
    }

    /**
     * Puts back a saved swarm's counter and peers (state file), within the caps. Each restored peer
     * gets a fresh lease from {@code now}: the tracker was down, not the peer. Returns peers added.
     */
    synchronized int restore(SwarmSnapshot saved, long now, int maxPeersPerSwarm, int sourcePrefixV6, PeerBudget budget) {
        downloaded = Math.max(downloaded, saved.downloaded());
        lastActivity = Math.max(lastActivity, saved.lastActivityMillis());
        int added = 0;
        for (PeerEntry p : saved.peers()) {
            // where it announced from is not saved: its address, which is where most announce from (one that named
            // another with ip= gets a place of its own with its next announce; this one times out)
            InetAddress source = Sources.key(p.address(), sourcePrefixV6);
            if (byId.containsKey(new Key(p.peerId(), source, p.port())) || byId.size() >= maxPeersPerSwarm || !budget.tryTake(source)) {
                continue;
            }
            add(new Slot(p.seenAt(now), arrivals++, source));
            added++;
        }
        return added;
    }
}
