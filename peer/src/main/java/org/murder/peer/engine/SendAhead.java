package org.murder.peer.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * How much a torrent has handed to its connections that their sockets have not taken yet, and
 * whether it may hand more: at most {@link #limit} bytes, so that the rest waits in its
 * {@link SendOrder}, which then decides what the uplink sends next. A connection whose socket took
 * nothing for {@link #STALLED_AFTER} (a peer that stopped reading, or one behind a slow link) stops
 * counting until it takes something again: it must not hold the uplink from the others. Owned by one
 * thread.
 *
 * @param <P> a peer (its connection)
 */
final class SendAhead<P> {
    static final Duration STALLED_AFTER = Duration.ofSeconds(4);

    /** What one connection was handed and has not taken. */
    private static final class Pending {
        long bytes;
        Instant takenAt;
        boolean stalled;
    }

    private final long limit;
    private final Map<P, Pending> pending = new HashMap<>();
    /** The bytes of the connections that are not stalled. */
    private long counted;

    SendAhead(long limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("send-ahead limit " + limit + " (expected: > 0)");
        }
        this.limit = limit;
    }

    /** Whether another block may be handed to a connection. */
    boolean room() {
        return counted < limit;
    }

    /** {@code bytes} were handed to {@code to}'s connection. */
    void handed(P to, long bytes, Instant now) {
        Pending p = pending.computeIfAbsent(to, k -> new Pending());
        if (p.bytes == 0) {
            p.takenAt = now; // its wait starts now
        }
        p.bytes += bytes;
        if (!p.stalled) {
            counted += bytes;
        }
    }

    /** {@code to}'s socket took {@code bytes} it was handed (or they were dropped with its connection). */
    void taken(P to, long bytes, Instant now) {
        Pending p = pending.get(to);
        if (p == null) {
            return; // gone
        }
        p.bytes -= bytes;
        p.takenAt = now;
        if (p.stalled) {
            p.stalled = false;
            counted += p.bytes;
        } else {
            counted -= bytes;
        }
        if (p.bytes == 0) {
            pending.remove(to);
        }
    }

    /** {@code to} left: what it was handed no longer counts. */
    void gone(P to) {
        Pending p = pending.remove(to);
        if (p != null && !p.stalled) {
            counted -= p.bytes;
        }
    }

    /** Stops counting the connections that took nothing for {@link #STALLED_AFTER}; whether any stopped. */
    boolean tick(Instant now) {
        boolean any = false;
        for (Pending p : pending.values()) {
            if (!p.stalled && !now.isBefore(p.takenAt.plus(STALLED_AFTER))) {
                p.stalled = true;
                counted -= p.bytes;
                any = true;
            }
        }
        return any;
    }

    /** Bytes handed and not taken, of the connections that are not stalled. */
    long counted() {
        return counted;
    }
}
