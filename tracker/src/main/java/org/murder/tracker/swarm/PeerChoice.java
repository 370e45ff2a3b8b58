package org.murder.tracker.swarm;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntUnaryOperator;
import org.murder.tracker.swarm.PeerList.Slot;
import org.murder.tracker.swarm.Racks.Rack;

/**
 * Which peers an announcing peer is handed.
 *
 * <p>Without racks (no peer of the swarm announced one), as every BEP 3 tracker: a leecher gets
 * seeders first, then leechers; a seeder gets leechers only; each list is read from a random offset.
 * With racks or without, no source (the address announces come from, as {@link Sources#key} counts it) fills more than
 * its share of the answer while other sources' peers are left out: the list is read once taking at
 * most {@code want / sources} (rounded up) from each, then again for the room left. One client that
 * announced thousands of made-up seeders was otherwise most of every answer, and the hosts were
 * handed too few of the origin and of each other to find them (a fleet behind one address, or every
 * host on its own address, gets what it got before: the share is then the whole answer, or one each).
 *
 * <p>With racks, each rack should pull about one copy of the file across its uplink and share it
 * inside. So each rack has {@link #GATEWAYS_PER_RACK} gateways, its earliest live members (a
 * gateway that stops or expires is replaced by the next one at once). Only gateways are handed
 * peers of other racks (their gateways) and the peers without a rack (the origin); every other
 * member gets its rack's gateways, then its rack. Peers without a rack get each other and the
 * gateways of every rack. A rack member whose rack has no other live member is its rack's only
 * gateway: in a deploy the first host of each rack to announce is alone for its first few seconds
 * (the next announce comes 5 s later), and served as without racks it was handed the hosts of other
 * racks, dialled them and asked them for anything while its rack-mates arrived (bench/fleet.sh 32
 * --racks 4: 0.13 x F crossed into racks that way). The same rules hold for a seeder, which is
 * handed no seeders.
 *
 * <p>Owned by one {@link Swarm}, under its monitor.
 */
final class PeerChoice {
    /**
     * Four. One gateway's uplink must feed its rack and the other racks' gateways: one copy per rack
     * crosses, but slowly (bench/swarm-sim.sh, 32 hosts in 4 racks behind 2c: 0.91 copies a rack,
     * last host 2.52 x F/c). More share that load, and since each is told which of them it is
     * ({@code murder gateway}) murder's engine fetches from outside only its share of the pieces its
     * rack lacks, so more gateways no longer pull the same pieces in (bench/fleet.sh 32 --racks 4,
     * real engines, 8 Mbit/s uplinks, rack uplinks 16 Mbit/s inbound: copies into each rack and the
     * last host against F/c, engines asking the origin by share too: 2 gateways 1.11-1.22 and
     * 1.66-1.75 x; 3: 1.17-1.19 and 1.56-1.58 x; 4: 1.26-1.28 and 1.54-1.55 x; 8, every host: 2.33 and
     * 1.77 x; asking the origin for anything, as now: 3: 1.21-1.26 and 1.50-1.77 x, 4: 1.26-1.32 and
     * 1.54 x; without hints 3.74-3.95 and 2.20-2.29 x). Before the engine took its share, two gave
     * 1.58 copies and three 2.13. In pieces of 32 KiB (make-torrent's choice for 16 MiB since
     * December 5), three gateways gave 1.16-1.22 copies and 1.28-1.34 x, four 1.20-1.23 copies
     * (tc, with headers) and 1.19-1.26 x: the last host's target (1.3 x) met in every run.
     */
    static final int GATEWAYS_PER_RACK = 4;

    private final int gatewaysPerRack;
    private final IntUnaryOperator randomBelow;

    /** {@code randomBelow.applyAsInt(n)} is in {@code [0, n)}: where each list is read from. */
    PeerChoice(int gatewaysPerRack, IntUnaryOperator randomBelow) {
        if (gatewaysPerRack < 1) {
            throw new IllegalArgumentException("gatewaysPerRack: " + gatewaysPerRack + " (expected: >= 1)");
        }
        this.gatewaysPerRack = gatewaysPerRack;
        this.randomBelow = randomBelow;
    }

    int gatewaysPerRack() {
        return gatewaysPerRack;
    }

    /**
     * Up to {@code want} live peers (seen since {@code expiredBefore}) other than {@code self}, which
     * is in the swarm already.
     */
    List<PeerEntry> choose(Slot self, int want, long expiredBefore, PeerList seeders, PeerList leechers, Racks racks,
                           int sources) {
        return choose(self, want, expiredBefore, expiredBefore, seeders, leechers, racks, sources);
    }

    /**
     * As above; a rack's gateways are its members seen since {@code freshSince} first (a gateway killed without a word
     * held its rack's way out until it expired), then the live ones.
     */
    List<PeerEntry> choose(Slot self, int want, long expiredBefore, long freshSince, PeerList seeders, PeerList leechers,
                           Racks racks, int sources) {
        if (want == 0) {
            return List.of();
        }
        int share = (want + Math.max(1, sources) - 1) / Math.max(1, sources);
        Pick pick = new Pick(self.entry, want, expiredBefore, share < want || !racks.isEmpty());
        pick.freshSince = Math.max(expiredBefore, freshSince);
        pick.perSource = share < want ? share : Integer.MAX_VALUE;
        fill(pick, self, want, expiredBefore, seeders, leechers, racks);
        if (pick.skipped && pick.out.size() < want) { // room the shares did not fill: anyone's, in the same order
            pick.perSource = Integer.MAX_VALUE;
            pick.limit = want;
            fill(pick, self, want, expiredBefore, seeders, leechers, racks);
        }
        return pick.out;
    }

    /** One reading of the lists in the order the rules above give, into {@code pick}. */
    private void fill(Pick pick, Slot self, int want, long expiredBefore, PeerList seeders, PeerList leechers, Racks racks) {
        if (racks.isEmpty()) {
            if (!self.entry.isSeeder()) {
                pick.from(seeders);
            }
            pick.from(leechers);
            return;
        }
        Rack own = racks.rack(self.entry.rackOrNull());
        if (own == null) {
            pick.seedersFrom(racks.outside());
            gatewaysOfOtherRacks(pick, racks, null, expiredBefore);
            pick.from(racks.outside());
            return;
        }
        List<Slot> gateways = own.gateways(gatewaysPerRack, expiredBefore, pick.freshSince);
        pick.all(gateways);
        if (gateways.contains(self)) {
            // room for its own rack, up to half the list: no one else names a rack's members to its gateway, which keeps half
            // its connections for them; handed other racks first (bench/swarm-sim.sh 200 --racks 8, 25 a rack, numwant 20),
            // gateways knew no rack-mate but their fellow gateways, held 3-4 of 20 connections with their rack and finished
            // last, at 1.43-1.55 x F/c where their racks' other hosts took 1.28
            int forRack = Math.min(want / 2, own.members.size() - 1) - pick.out.size();
            pick.limit = Math.max(pick.out.size(), want - Math.max(0, forRack));
            pick.seedersFrom(racks.outside());
            gatewaysOfOtherRacks(pick, racks, own, expiredBefore);
            pick.from(racks.outside());
            pick.limit = want;
            pick.from(own.members);
            if (pick.out.size() < want) { // room the rack did not fill (members expired, or seeders for a seeder)
                gatewaysOfOtherRacks(pick, racks, own, expiredBefore);
                pick.from(racks.outside());
            }
            return;
        }
        pick.from(own.members);
    }

    /**
     * The gateways of every rack but {@code own}, from a random rack on and until the list is full:
     * with more racks than fit in one answer, each requester sees a different share of them.
     */
    private void gatewaysOfOtherRacks(Pick pick, Racks racks, Rack own, long expiredBefore) {
        List<Rack> all = new ArrayList<>(racks.all());
        int n = all.size();
        int start = n == 0 ? 0 : randomBelow.applyAsInt(n);
        for (int i = 0; i < n && pick.out.size() < pick.limit; i++) {
            Rack r = all.get((start + i) % n);
            if (r != own) {
                pick.all(r.gateways(gatewaysPerRack, expiredBefore, pick.freshSince));
            }
        }
    }

    /** The peers picked so far for one requester: never itself, an expired peer, a peer twice, or a seeder for a seeder. */
    private final class Pick {
        final PeerEntry self;
        final int want;
        /** Where the steps of the pick stop: {@link #want}, or less to leave room for what comes after. */
        int limit;
        final long expiredBefore;
        /** Gateways seen since then come first. */
        long freshSince;
        final List<PeerEntry> out;
        /** Most peers taken from one source; past it a source's peers are passed over. */
        int perSource = Integer.MAX_VALUE;
        /** Whether a peer was passed over for its source's share (the room left is then read again). */
        boolean skipped;
        /** Peers taken from each source, counted while {@link #perSource} limits them. */
        private final Map<java.net.InetAddress, Integer> fromSource = new HashMap<>();
        /**
         * Only where one peer can be reached two ways: with racks (a gateway is also a member of its rack),
         * or when a list is read twice (by shares, then for the room left).
         */
        private final Set<PeerEntry> taken;

        Pick(PeerEntry self, int want, long expiredBefore, boolean twoWays) {
            this.self = self;
            this.want = want;
            this.limit = want;
            this.expiredBefore = expiredBefore;
            this.out = new ArrayList<>(Math.min(want, 64));
            this.taken = twoWays ? Collections.newSetFromMap(new IdentityHashMap<>()) : null;
        }

        /** From a random offset of {@code list}. */
        void from(PeerList list) {
            read(list, false);
        }

        /** The seeders of {@code list}, from a random offset (a seeder gets none). */
        void seedersFrom(PeerList list) {
            if (!self.isSeeder()) {
                read(list, true);
            }
        }

        private void read(PeerList list, boolean seedersOnly) {
            int size = list.size();
            if (size == 0 || out.size() >= limit) {
                return;
            }
            int start = size == 1 ? 0 : randomBelow.applyAsInt(size);
            for (int i = 0; i < size && out.size() < limit; i++) {
                Slot slot = list.get((start + i) % size);
                if (!seedersOnly || slot.entry.isSeeder()) {
                    offer(slot);
                }
            }
        }

        void all(List<Slot> slots) {
            for (int i = 0; i < slots.size() && out.size() < limit; i++) {
                offer(slots.get(i));
            }
        }

        private void offer(Slot slot) {
            PeerEntry p = slot.entry;
            if (p.lastSeenMillis() < expiredBefore || p.peerId().equals(self.peerId()) || p.sameEndpoint(self.address(), self.port())
                    || (self.isSeeder() && p.isSeeder())) {
                return;
            }
            if (perSource != Integer.MAX_VALUE && fromSource.getOrDefault(slot.source, 0) >= perSource) {
                skipped = true;
                return;
            }
            if (taken == null || taken.add(p)) {
                out.add(p);
                if (perSource != Integer.MAX_VALUE) {
                    fromSource.merge(slot.source, 1, Integer::sum);
                }
            }
        }
    }
}
