package org.murder.orchestrator.deploy;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The bytes per second of a deploy over time, one point per second, the last {@code capacity}
 * seconds. Fed with each state the deploy's view renders (several a second, or one after a quiet
 * second): a state in the same second as the last point replaces it, a second with no state
 * repeats the last rate. Safe to read from one thread while another feeds it.
 */
public final class RateHistory {
    /** Ten minutes. */
    public static final int DEFAULT_CAPACITY = 600;

    private final int capacity;
    private final ArrayDeque<Long> points = new ArrayDeque<>();
    private long lastSecond = -1;

    public RateHistory(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: at least 1)");
        }
        this.capacity = capacity;
    }

    public RateHistory() {
        this(DEFAULT_CAPACITY);
    }

    /** Records {@code bytesPerSecond} at {@code elapsedMillis}; a time before the last point's second is ignored. */
    public synchronized void record(long elapsedMillis, long bytesPerSecond) {
        long second = Math.max(0, elapsedMillis / 1000);
        if (second < lastSecond) {
            return;
        }
        if (second == lastSecond) {
            points.pollLast();
        } else if (lastSecond >= 0) {
            // seconds with no state between the last point and this one: the rate stayed what it was
            long gap = Math.min(second - lastSecond - 1, capacity);
            Long last = points.peekLast();
            for (long i = 0; i < gap && last != null; i++) {
                add(last);
            }
        }
        add(Math.max(0, bytesPerSecond));
        lastSecond = second;
    }

    private void add(long point) {
        points.addLast(point);
        while (points.size() > capacity) {
            points.pollFirst();
        }
    }

    /** The points, oldest first, the newest for the second of the last {@link #record}. */
    public synchronized List<Long> points() {
        return List.copyOf(new ArrayList<>(points));
    }
}
