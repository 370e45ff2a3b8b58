package org.murder.peer.engine;

import java.time.Duration;

/**
 * Whether our uplink had room in the last tick: it carried less than half of the most it carried
 * in a tick (ticks of at least {@link #RATE_TICK}; a few milliseconds of write completions read
 * tens of Mbit/s off a 1 Mbit/s link). A seed whose upload slots are held by peers that take
 * little (their links are slow) has room, and opens more slots while peers wait for one
 * ({@link UploadSlots#tick(boolean)}). Owned by one thread.
 */
final class UplinkRoom {
    /** The shortest tick whose bytes count. */
    static final Duration RATE_TICK = Duration.ofMillis(500);

    private long mostPerSecond;

    /** {@code bytes} left the uplink in the last {@code elapsed}: whether it had room. */
    boolean tick(long bytes, Duration elapsed) {
        if (bytes < 0 || elapsed.compareTo(RATE_TICK) < 0) {
            return false;
        }
        long perSecond = (long) (bytes * 1e9 / elapsed.toNanos());
        mostPerSecond = Math.max(mostPerSecond, perSecond);
        return perSecond < mostPerSecond / 2;
    }
}
