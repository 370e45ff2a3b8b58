package org.murder.tracker.swarm;

import java.util.ArrayList;

/**
 * An array of peer slots with O(1) add and remove (the last slot moves into the hole), so a
 * swarm can hand out peers from a random offset without walking a map. A slot sits in two lists
 * at most (its swarm's seeders or leechers, and its rack's members), each through its own
 * {@link Place}. Not thread-safe: its {@link Swarm} guards it.
 */
final class PeerList {
    private final ArrayList<Place> places = new ArrayList<>();

    /** A peer as its swarm holds it: its current entry, its order of arrival, and where it sits in which list. */
    static final class Slot {
        PeerEntry entry;
        /** Its place in the swarm's seeders or leechers. */
        final Place place = new Place(this);
        /** Its place in its rack's members (or among the peers without a rack), once the swarm has racks. */
        final Place rackPlace = new Place(this);
        /** When it joined the swarm, as a sequence number: earlier is smaller. */
        final long arrival;
        /** Where its announces come from, as {@link Sources#key} counts it (not the address it gave). */
        final java.net.InetAddress source;

        Slot(PeerEntry entry, long arrival, java.net.InetAddress source) {
            this.entry = entry;
            this.arrival = arrival;
            this.source = source;
        }
    }

    /** Where one slot sits in one list. */
    static final class Place {
        final Slot slot;
        PeerList list;
        int index = -1;

        Place(Slot slot) {
            this.slot = slot;
        }
    }

    int size() {
        return places.size();
    }

    Slot get(int i) {
        return places.get(i).slot;
    }

    void add(Place place) {
        place.list = this;
        place.index = places.size();
        places.add(place);
    }

    void remove(Place place) {
        int last = places.size() - 1;
        Place moved = places.remove(last);
        if (moved != place) {
            places.set(place.index, moved);
            moved.index = place.index;
        }
        place.list = null;
        place.index = -1;
    }
}
