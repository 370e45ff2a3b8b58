package org.murder.orchestrator.agent;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * How many refused jobs an agent reports: at most {@link #PER_MINUTE} in any minute, so that a
 * writer of forged jobs cannot make a fleet of agents fill ZooKeeper with reports.
 */
final class RejectionBudget {
    static final int PER_MINUTE = 5;
    private static final long WINDOW_MILLIS = 60_000;

    private final Deque<Long> recent = new ArrayDeque<>();

    /** Whether one more report may be written at {@code nowMillis}; counts it if so. */
    synchronized boolean allow(long nowMillis) {
        while (!recent.isEmpty() && nowMillis - recent.peekFirst() >= WINDOW_MILLIS) {
            recent.removeFirst();
        }
        if (recent.size() >= PER_MINUTE) {
            return false;
        }
        recent.addLast(nowMillis);
        return true;
    }
}
