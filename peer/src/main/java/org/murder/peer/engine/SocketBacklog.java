package org.murder.peer.engine;

import java.time.Duration;

/**
 * How many unsent bytes each of a torrent's sockets may hold (TCP_NOTSENT_LOWAT), from what its
 * uplink carries while blocks wait in its {@link SendOrder}: about {@link #HOLD} of the uplink,
 * between {@link #MIN} and {@link #MAX}. What a socket holds goes out in the order it was asked, not
 * in the send order's: at 1 Mbit/s, 128 KiB in each of eight sockets is eight seconds of the uplink
 * decided before the order has a say (the 200-host fleet bench measured 0.2-1.1 MB queued under
 * each host, the origin the most). While nothing waits the order has nothing to decide, and a fast
 * uplink needs {@link #MAX} to stay busy between two wake-ups of the event loop: so the limit goes
 * back there. Owned by one thread.
 */
final class SocketBacklog {
    static final int MAX = Engine.NOT_SENT_LOW_WATER;
    static final int MIN = 16 * 1024;
    static final Duration HOLD = Duration.ofMillis(25);

    private int limit = MAX;
    private boolean waitedBefore;
    private long busyRate;

    /** What the uplink sent per second at the last tick it was busy (blocks waited), 0 before any. */
    long busyRate() {
        return busyRate;
    }

    /** The limit now. */
    int limit() {
        return limit;
    }

    /**
     * A tick: {@code bytes} left the uplink in the last {@code elapsed}; {@code waiting}: whether
     * blocks wait in the send order now. The uplink's rate counts once blocks waited at two ticks in
     * a row (the uplink, not what peers asked, set it); returns the limit.
     */
    int tick(long bytes, Duration elapsed, boolean waiting) {
        boolean busy = waiting && waitedBefore;
        waitedBefore = waiting;
        if (!busy || elapsed.isNegative() || elapsed.isZero()) {
            limit = MAX;
            return limit;
        }
        busyRate = (long) (bytes * 1e9 / elapsed.toNanos());
        double want = bytes * ((double) HOLD.toNanos() / elapsed.toNanos());
        int rounded = MIN;
        while (rounded < want && rounded < MAX) {
            rounded *= 2;
        }
        limit = rounded;
        return limit;
    }
}
