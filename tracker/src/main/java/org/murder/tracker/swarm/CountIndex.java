package org.murder.tracker.swarm;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Sources by how many places each holds, so that one holding the most is found without a scan of
 * every source (a full swarm of 10,000 hosts, or a full tracker, at each newcomer). A count moves by
 * one at a time, so the largest is {@link #most()} or, once its last source moved down, one less. Not
 * thread-safe: its owner guards it.
 */
final class CountIndex {
    private final Map<Integer, Set<InetAddress>> byCount = new HashMap<>();
    private int most;

    /** {@code source} held {@code before} places and holds {@code after} now (one more or one less). */
    void moved(InetAddress source, int before, int after) {
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
            byCount.computeIfAbsent(after, k -> new HashSet<>()).add(source);
            most = Math.max(most, after);
        }
    }

    /** The most places any source holds (0: none holds any). */
    int most() {
        return most;
    }

    /** A source holding {@link #most()} places; null when none holds any. */
    InetAddress oneHoldingTheMost() {
        return most == 0 ? null : byCount.get(most).iterator().next();
    }

    void clear() {
        byCount.clear();
        most = 0;
    }
}
