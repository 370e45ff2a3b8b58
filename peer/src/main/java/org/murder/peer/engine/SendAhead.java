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
 * for a while (see {@link #stalledAfter}) stops counting, and is handed nothing, until it takes
 * something again: a slow or stuck reader must not hold the uplink from the others; its blocks wait
 * in the order meanwhile.
 *
 * <p>"A while" scales with the uplink. Two connections are enough to fill the limit, and a TCP
 * flow that lost a segment at a shaper takes nothing until its retransmission timer fires (200 ms
 * at least, then doubling): with 4 s for every rate, a 16-host swarm's origin at 25-50 Mbit/s sat
 * idle for 150 ms to 1 s at a time, 15-20 times a run, with a megabyte waiting in its order for
 * the other sockets (the origin's uplink ran at 91 % of the link). Owned by one thread.
 *
 * @param <P> a peer (its connection)
 */
final class SendAhead<P> {
    /** The longest a connection may take nothing before it stops counting (a slow uplink, or its rate unknown). */
    static final Duration STALLED_AFTER = Duration.ofSeconds(4);
    /** The shortest: a few round trips on a LAN, and several wake-ups of a busy event loop. */
    static final Duration STALLED_AFTER_MIN = Duration.ofMillis(100);
    /** A connection stalls when it took nothing in the time the uplink sends this many limits. */
    static final int STALLED_AFTER_LIMITS = 4;

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

    /**
     * Since when {@code to}'s socket has taken nothing of what it holds (the last time it took
     * something, or when it was handed its first block since it held none); null when it holds
     * nothing: blocks of its that wait in the order are not its socket's fault.
     */
    Instant waitingSince(P to) {
        Pending p = pending.get(to);
        return p == null ? null : p.takenAt;
    }

    /** {@code to} left: what it was handed no longer counts. */
    void gone(P to) {
        Pending p = pending.remove(to);
        if (p != null) {
            counted -= countOf(p);
        }
    }

    /**
     * How long a connection may take nothing before it stops counting, for an uplink that sends
     * {@code bytesPerSecond} while blocks wait (0 or less: not known): the time it takes to send
     * {@link #STALLED_AFTER_LIMITS} limits, between {@link #STALLED_AFTER_MIN} and
     * {@link #STALLED_AFTER}. 1 Mbit/s: 4 s; 25 Mbit/s: 168 ms; 42 Mbit/s and more: 100 ms.
     */
    Duration stalledAfter(long bytesPerSecond) {
        if (bytesPerSecond <= 0) {
            return STALLED_AFTER;
        }
        double seconds = (double) STALLED_AFTER_LIMITS * limit / bytesPerSecond;
        if (seconds >= STALLED_AFTER.toNanos() / 1e9) {
            return STALLED_AFTER;
        }
        Duration d = Duration.ofNanos((long) (seconds * 1e9));
        return d.compareTo(STALLED_AFTER_MIN) < 0 ? STALLED_AFTER_MIN : d;
    }

    /**
     * When the first connection that counts would stall if it takes nothing until then (after
     * {@code after}), or null if none counts.
     */
    Instant nextStall(Duration after) {
        Instant next = null;
        for (Pending p : pending.values()) {
            if (!p.stalled && (next == null || p.takenAt.isBefore(next))) {
                next = p.takenAt;
            }
        }
        return next == null ? null : next.plus(after);
    }

    /** Stops counting the connections that took nothing for {@code after}; whether any stopped. */
    boolean tick(Instant now, Duration after) {
        boolean any = false;
        for (Pending p : pending.values()) {
            if (!p.stalled && !now.isBefore(p.takenAt.plus(after))) {
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
