package org.murder.tracker.swarm;

import java.util.concurrent.atomic.AtomicInteger;

/** The count of peers over all swarms, against the {@code maxPeers} cap. */
final class PeerBudget {
    private final AtomicInteger used = new AtomicInteger();
    private final int max;

    PeerBudget(int max) {
        this.max = max;
    }

    /** Takes one place or throws {@link CapacityException}. */
    void take() {
        if (!tryTake()) {
            throw full();
        }
    }

    /** The refusal when every place is taken. */
    CapacityException full() {
        return new CapacityException("peers", "tracker is full: " + max + " peers in all swarms (cap --max-peers)");
    }

    boolean tryTake() {
        for (;;) {
            int n = used.get();
            if (n >= max) {
                return false;
            }
            if (used.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    void release(int n) {
        if (n > 0) {
            used.addAndGet(-n);
        }
    }

    int used() {
        return used.get();
    }
}
