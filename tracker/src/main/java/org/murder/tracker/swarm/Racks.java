package org.murder.tracker.swarm;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import org.murder.core.RackName;
import org.murder.tracker.swarm.PeerList.Slot;

/**
 * A swarm's peers by the rack they announced: each rack's members in a {@link PeerList} (to read
 * from a random offset) and in order of arrival (its first live members are its gateways, see
 * {@link PeerChoice}), and the peers without a rack in a list of their own. A peer must be removed
 * before its entry changes rack. Not thread-safe: its {@link Swarm} guards it.
 */
final class Racks {
    /** One rack's members. */
    static final class Rack {
        final RackName name;
        final PeerList members = new PeerList();
        private final LinkedHashSet<Slot> byArrival = new LinkedHashSet<>();
        /** Members by source, each in order of arrival; sources in the order they joined the rack. */
        private final LinkedHashMap<InetAddress, LinkedHashSet<Slot>> bySource = new LinkedHashMap<>();

        Rack(RackName name) {
            this.name = name;
        }

        /**
         * Its gateways: the first {@code count} members seen since {@code expiredBefore}, the earliest of each source
         * (address) first, sources in the order they joined, then the earliest others when fewer sources than that have
         * live members (a rack behind one address). Members by arrival alone let one address that announced first with
         * made-up members (ports where nothing listens) hold every gateway of a rack, and the rack's other hosts, handed
         * only the rack, never reached the origin. Members seen since {@code freshSince} come first: a gateway killed without a word (no {@code stopped})
         * stays live until it expires, and its rack's other hosts, handed the rack and its gateways only, found no
         * way out for as long (on one machine, four killed gateways: 66 s for 8 MiB, against 8 s).
         */
        List<Slot> gateways(int count, long expiredBefore, long freshSince) {
            List<Slot> out = new ArrayList<>(count);
            if (freshSince > expiredBefore) {
                pick(out, count, freshSince);
            }
            pick(out, count, expiredBefore);
            return out;
        }

        private void pick(List<Slot> out, int count, long seenSince) {
            for (LinkedHashSet<Slot> ofSource : bySource.values()) {
                if (out.size() == count) {
                    return;
                }
                for (Slot s : ofSource) {
                    if (s.entry.lastSeenMillis() >= seenSince) {
                        if (!out.contains(s)) {
                            out.add(s);
                        }
                        break;
                    }
                }
            }
            for (Slot s : byArrival) {
                if (out.size() == count) {
                    break;
                }
                if (s.entry.lastSeenMillis() >= seenSince && !out.contains(s)) {
                    out.add(s);
                }
            }
        }

        /** The addresses of the members other than {@code self} seen since {@code expiredBefore}: at most {@code max}, distinct. */
        List<InetAddress> addressesBut(Slot self, long expiredBefore, int max) {
            LinkedHashSet<InetAddress> out = new LinkedHashSet<>();
            for (Slot s : byArrival) {
                if (out.size() == max) {
                    break;
                }
                if (s != self && s.entry.lastSeenMillis() >= expiredBefore) {
                    out.add(s.entry.address());
                }
            }
            return List.copyOf(out);
        }
    }

    private final HashMap<RackName, Rack> named = new HashMap<>();
    private final PeerList outside = new PeerList();

    void add(Slot slot) {
        RackName name = slot.entry.rackOrNull();
        if (name == null) {
            outside.add(slot.rackPlace);
            return;
        }
        Rack rack = named.computeIfAbsent(name, Rack::new);
        rack.members.add(slot.rackPlace);
        rack.byArrival.add(slot);
        rack.bySource.computeIfAbsent(slot.source, k -> new LinkedHashSet<>()).add(slot);
    }

    void remove(Slot slot) {
        RackName name = slot.entry.rackOrNull();
        if (name == null) {
            outside.remove(slot.rackPlace);
            return;
        }
        Rack rack = named.get(name);
        rack.members.remove(slot.rackPlace);
        rack.byArrival.remove(slot);
        LinkedHashSet<Slot> ofSource = rack.bySource.get(slot.source);
        if (ofSource != null && ofSource.remove(slot) && ofSource.isEmpty()) {
            rack.bySource.remove(slot.source);
        }
        if (rack.members.size() == 0) {
            named.remove(name);
        }
    }

    /** No peer of the swarm announced a rack. */
    boolean isEmpty() {
        return named.isEmpty();
    }

    /** The rack of this name, or null when no peer is in it. */
    Rack rack(RackName name) {
        return name == null ? null : named.get(name);
    }

    Collection<Rack> all() {
        return named.values();
    }

    /** The peers that announced no rack (the origin, other clients). */
    PeerList outside() {
        return outside;
    }
}
