package org.murder.tracker.swarm;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The count of peers over all swarms, against the {@code maxPeers} cap, and how many each source
 * ({@link Sources#key}) holds: when the cap is full, the source holding the most places anywhere gives one
 * up to a newcomer from a source holding fewer (see {@link SwarmRegistry#announce}), found without a scan
 * of every source ({@link CountIndex}).
 */
final class PeerBudget {
    private final AtomicInteger used = new AtomicInteger();
    private final int max;
    /** Guarded by this. */
    private final Map<InetAddress, Integer> bySource = new HashMap<>();
    /** Guarded by this. */
    private final CountIndex counts = new CountIndex();

    PeerBudget(int max) {
        this.max = max;
    }

    /** Takes one place for {@code source}, or returns false when every place is taken. */
    boolean tryTake(InetAddress source) {
        for (;;) {
            int n = used.get();
            if (n >= max) {
                return false;
            }
            if (used.compareAndSet(n, n + 1)) {
                add(source, 1);
                return true;
            }
        }
    }

    /** Gives back one place {@code source} held. */
    void release(InetAddress source) {
        used.decrementAndGet();
        add(source, -1);
    }

    /** A place {@code from} held is {@code to}'s now (a newcomer took a displaced peer's place). */
    synchronized void transfer(InetAddress from, InetAddress to) {
        add(from, -1);
        add(to, 1);
    }

    private synchronized void add(InetAddress source, int delta) {
        int before = bySource.getOrDefault(source, 0);
        int after = Math.max(0, before + delta);
        if (after == before) {
            return;
        }
        counts.moved(source, before, after);
        if (after > 0) {
            bySource.put(source, after);
        } else {
            bySource.remove(source);
        }
    }

    /** The source holding the most places, when it holds at least two more than {@code source}; else null. */
    synchronized InetAddress biggerThan(InetAddress source) {
        return counts.most() >= bySource.getOrDefault(source, 0) + 2 ? counts.oneHoldingTheMost() : null;
    }

    /** The refusal when every place is taken. */
    CapacityException full() {
        return new CapacityException("peers", "tracker is full: " + max + " peers in all swarms (cap --max-peers)");
    }

    int used() {
        return used.get();
    }
}
