package org.murder.core;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Lets a log line through at most {@code perWindow} times per window, so a flood of bad requests
 * or a cap hit thousands of times a second leaves a readable log (the tracker's), and an error that
 * every connection of a peer meets at once (out of memory) is not a stack trace per connection.
 * Counts what it held back.
 */
public final class LogThrottle {
    private final long windowNanos;
    private final int perWindow;
    private final AtomicLong windowStart = new AtomicLong(System.nanoTime());
    private final AtomicLong inWindow = new AtomicLong();
    private final AtomicLong suppressed = new AtomicLong();

    public LogThrottle(long windowMillis, int perWindow) {
        this.windowNanos = windowMillis * 1_000_000;
        this.perWindow = perWindow;
    }

    /**
     * Whether to log now. A negative value means no; zero or more means yes, and tells how many
     * lines were held back since the last one that went through.
     */
    public long acquire() {
        long now = System.nanoTime();
        long start = windowStart.get();
        if (now - start >= windowNanos && windowStart.compareAndSet(start, now)) {
            inWindow.set(0);
        }
        if (inWindow.incrementAndGet() <= perWindow) {
            return suppressed.getAndSet(0);
        }
        suppressed.incrementAndGet();
        return -1;
    }

    public static String suffix(long heldBack) {
        return heldBack > 0 ? " (" + heldBack + " similar lines held back)" : "";
    }
}
