package org.murder.peer.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * How much a torrent has handed to its connections that their sockets have not taken yet, and
 * whether it may hand more: at most {@link #limit} bytes, so that the rest waits in its
 * {@link SendOrder}, which then decides what the uplink sends next. A connection is handed more
 * only while it holds less than half the limit ({@link #ready}), and one whose socket took nothing
 * for {@link #STALLED_AFTER} (a peer that stopped reading) stops counting, and is handed nothing,
 * until it takes something again: a slow or stuck reader must not hold the uplink from the others;
 * its blocks wait in the order meanwhile. Owned by one thread.
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
    private final long share;
    private final Map<P, Pending> pending = new HashMap<>();
    /** What the connections that are not stalled count for, each at most {@link #share}. */
    private long counted;

    SendAhead(long limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("send-ahead limit " + limit + " (expected: > 0)");
        }
        this.limit = limit;
        this.share = Math.max(1, limit / 2);
    }

    /** Whether another block may be handed to a connection. */
    boolean room() {
        return counted < limit;
    }

    /** Whether {@code to}'s connection may be handed another block: it holds less than its share, and reads. */
    boolean ready(P to) {
        Pending p = pending.get(to);
        return p == null || !p.stalled && p.bytes < share;
    }

    /** {@code bytes} were handed to {@code to}'s connection. */
    void handed(P to, long bytes, Instant now) {
        Pending p = pending.computeIfAbsent(to, k -> new Pending());
        if (p.bytes == 0) {
            p.takenAt = now; // its wait starts now
        }
        long before = countOf(p);
        p.bytes += bytes;
        counted += countOf(p) - before;
    }

    /** {@code to}'s socket took {@code bytes} it was handed (or they were dropped with its connection). */
    void taken(P to, long bytes, Instant now) {
        Pending p = pending.get(to);
        if (p == null) {
            return; // gone
        }
        long before = countOf(p);
        p.bytes -= bytes;
        p.takenAt = now;
        p.stalled = false;
        counted += countOf(p) - before;
        if (p.bytes == 0) {
            pending.remove(to);
        }
    }

    /** {@code to} left: what it was handed no longer counts. */
    void gone(P to) {
        Pending p = pending.remove(to);
        if (p != null) {
            counted -= countOf(p);
        }
    }

    /** Stops counting the connections that took nothing for {@link #STALLED_AFTER}; whether any stopped. */
    boolean tick(Instant now) {
        boolean any = false;
        for (Pending p : pending.values()) {
            if (!p.stalled && !now.isBefore(p.takenAt.plus(STALLED_AFTER))) {
                counted -= countOf(p);
                p.stalled = true;
                any = true;
            }
        }
        return any;
    }

    /** Bytes handed and not taken that count against the limit. */
    long counted() {
        return counted;
    }

    private long countOf(Pending p) {
        return p.stalled ? 0 : Math.min(p.bytes, share);
    }
}
