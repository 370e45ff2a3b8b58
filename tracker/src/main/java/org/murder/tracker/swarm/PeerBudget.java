package org.murder.tracker.swarm;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The count of peers over all swarms, against the {@code maxPeers} cap, and how many each source
 * ({@link Sources#key}) holds: when the cap is full, the source holding the most places anywhere gives one
 * up to a newcomer from a source holding fewer (see {@link SwarmRegistry#announce}). The sources are also
 * indexed by their count, so the biggest is found without a scan of every source (a full tracker, each
 * newcomer); a count moves by one at a time, so the largest is {@link #most} or, once its last source
 * moved down, one less.
 */
final class PeerBudget {
    private final AtomicInteger used = new AtomicInteger();
    private final int max;
    /** Guarded by this. */
    private final Map<InetAddress, Integer> bySource = new HashMap<>();
    /** Guarded by this. */
    private final Map<Integer, Set<InetAddress>> byCount = new HashMap<>();
    /** Guarded by this. */
    private int most;

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
        if (before > 0) {
            Set<InetAddress> was = byCount.get(before);
            was.remove(source);
            if (was.isEmpty()) {
                byCount.remove(before);
                if (most == before && after < before) {
                    most = after;
                }
            }
        }
        if (after > 0) {
            bySource.put(source, after);
            byCount.computeIfAbsent(after, k -> new HashSet<>()).add(source);
            most = Math.max(most, after);
        } else {
            bySource.remove(source);
        }
    }

    /** The source holding the most places, when it holds at least two more than {@code source}; else null. */
    synchronized InetAddress biggerThan(InetAddress source) {
        int floor = bySource.getOrDefault(source, 0) + 2;
        if (most < floor) {
            return null;
        }
        return byCount.get(most).iterator().next();
    }

    /** The refusal when every place is taken. */
    CapacityException full() {
        return new CapacityException("peers", "tracker is full: " + max + " peers in all swarms (cap --max-peers)");
    }

    int used() {
        return used.get();
    }
}
