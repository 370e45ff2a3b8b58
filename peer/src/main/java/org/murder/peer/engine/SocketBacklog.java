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
    /** The shortest tick whose bytes say what the uplink's rate is (see {@link #busyRate}). */
    static final Duration RATE_TICK = Duration.ofMillis(500);

    private int limit = MAX;
    private boolean waitedBefore;
    private long busyRate;

    /**
     * What the uplink sends per second while blocks wait, 0 before it is known: the mean of the last
     * such tick and the ones before it (each weighs half of what came before), ticks of at least
     * {@link #RATE_TICK} only. Write completions come in bursts, and a late tick runs right after
     * the one it caught up with: a tick of a few milliseconds read tens of Mbit/s off a 1 Mbit/s link.
     */
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
        if (elapsed.compareTo(RATE_TICK) >= 0) {
            long rate = (long) (bytes * 1e9 / elapsed.toNanos());
            busyRate = busyRate == 0 ? rate : (busyRate + rate) / 2;
        }
        double want = bytes * ((double) HOLD.toNanos() / elapsed.toNanos());
        int rounded = MIN;
        while (rounded < want && rounded < MAX) {
            rounded *= 2;
        }
        limit = rounded;
        return limit;
    }
}
