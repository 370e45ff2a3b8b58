package org.murder.tracker.swarm;

import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The count of peers over all swarms, against the {@code maxPeers} cap, and how many each source
 * ({@link Sources#key}) holds: when the cap is full, the source holding the most places anywhere gives one
 * up to a newcomer from a source holding fewer (see {@link SwarmRegistry#announce}).
 */
final class PeerBudget {
    private final AtomicInteger used = new AtomicInteger();
    private final Map<InetAddress, AtomicInteger> bySource = new ConcurrentHashMap<>();
    private final int max;
    /** What {@link #biggerThan} found the last time it scanned. */
    private volatile InetAddress lastBiggest;

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
                bySource.computeIfAbsent(source, k -> new AtomicInteger()).incrementAndGet();
                return true;
            }
        }
    }

    /** Gives back one place {@code source} held. */
    void release(InetAddress source) {
        used.decrementAndGet();
        drop(source);
    }

    /** A place {@code from} held is {@code to}'s now (a newcomer took a displaced peer's place). */
    void transfer(InetAddress from, InetAddress to) {
        drop(from);
        bySource.computeIfAbsent(to, k -> new AtomicInteger()).incrementAndGet();
    }

    private void drop(InetAddress source) {
        bySource.computeIfPresent(source, (k, n) -> n.decrementAndGet() <= 0 ? null : n);
    }

    /**
     * A source holding at least two more places than {@code source}, or null when none does: the one
     * found the last time while it still holds that many (one client that filled the cap stays the
     * biggest, and each newcomer no longer scans every source of the tracker), else the one holding
     * the most.
     */
    InetAddress biggerThan(InetAddress source) {
        AtomicInteger own = bySource.get(source);
        int floor = (own == null ? 0 : own.get()) + 2;
        InetAddress last = lastBiggest;
        AtomicInteger lastHeld = last == null ? null : bySource.get(last);
        if (lastHeld != null && lastHeld.get() >= floor) {
            return last;
        }
        InetAddress most = null;
        int mostHeld = 0;
        for (Map.Entry<InetAddress, AtomicInteger> e : bySource.entrySet()) {
            int held = e.getValue().get();
            if (held > mostHeld) {
                most = e.getKey();
                mostHeld = held;
            }
        }
        lastBiggest = most;
        return mostHeld >= floor ? most : null;
    }

    /** The refusal when every place is taken. */
    CapacityException full() {
        return new CapacityException("peers", "tracker is full: " + max + " peers in all swarms (cap --max-peers)");
    }

    int used() {
        return used.get();
    }
}
