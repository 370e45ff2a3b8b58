package org.murder.peer.engine;

import java.time.Duration;

/**
 * Whether our uplink had room in the last tick: it carried less than half of the most a tick
 * carried lately. A seed whose upload slots are held by peers that take little (their links are
 * slow) has room, and opens more slots while peers wait for one ({@link UploadSlots#tick(Verdict)}).
 * The most a tick carried loses 1/{@link #DECAY} of itself each tick: the engine counts bytes as its
 * sockets take them, and sockets take a burst when they are new (what they hold unsent, and a TCP
 * window) that a 1 Mbit/s link carries for seconds; kept for good, such a burst would read as room
 * forever. Ticks shorter than {@link #RATE_TICK} say nothing (write completions come in bursts: a
 * tick of a few milliseconds read tens of Mbit/s off a 1 Mbit/s link). Owned by one thread.
 */
final class UplinkRoom {
    /** What a tick says of the uplink. */
    enum Verdict {
        ROOM, NO_ROOM,
        /** The tick was too short, or the first: nothing to go by. */
        UNKNOWN
    }

    /** The shortest tick whose bytes count: as for the uplink's rate in {@link SocketBacklog}. */
    static final Duration RATE_TICK = SocketBacklog.RATE_TICK;
    /** The most a tick carried loses 1/DECAY of itself a tick (half in about 22). */
    static final int DECAY = 32;

    private long mostPerSecond;

    /** {@code bytes} left the uplink in the last {@code elapsed}. */
    Verdict tick(long bytes, Duration elapsed) {
        if (bytes < 0 || elapsed.compareTo(RATE_TICK) < 0) {
            return Verdict.UNKNOWN;
        }
        long perSecond = (long) (bytes * 1e9 / elapsed.toNanos());
        mostPerSecond = Math.max(perSecond, mostPerSecond - mostPerSecond / DECAY);
        return perSecond < mostPerSecond / 2 ? Verdict.ROOM : Verdict.NO_ROOM;
    }
}
