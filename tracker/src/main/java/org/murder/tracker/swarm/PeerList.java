package org.murder.tracker.swarm;

import java.util.ArrayList;

/**
 * An array of peer slots with O(1) add and remove (the last slot moves into the hole), so a
 * swarm can hand out peers from a random offset without walking a map. Not thread-safe: its
 * {@link Swarm} guards it.
 */
final class PeerList {
    private final ArrayList<Slot> slots = new ArrayList<>();

    /** A peer's place: its current entry, and where it sits in which list. */
    static final class Slot {
        PeerEntry entry;
        PeerList list;
        int index = -1;

        Slot(PeerEntry entry) {
            this.entry = entry;
        }
    }

    int size() {
        return slots.size();
    }

    Slot get(int i) {
        return slots.get(i);
    }

    void add(Slot slot) {
        slot.list = this;
        slot.index = slots.size();
        slots.add(slot);
    }

    void remove(Slot slot) {
        int last = slots.size() - 1;
        Slot moved = slots.remove(last);
        if (moved != slot) {
            slots.set(slot.index, moved);
            moved.index = slot.index;
        }
        slot.list = null;
        slot.index = -1;
    }
}
