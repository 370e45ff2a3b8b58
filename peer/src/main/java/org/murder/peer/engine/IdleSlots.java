package org.murder.peer.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;

/**
 * Slots go to peers that do something useful. A connection slot and an upload (unchoke) slot are
 * scarce; a peer that completed the handshake and then only sends keep-alives, or says it is
 * interested and never asks for a block, would hold one for as long as it likes. Useful means data
 * moved: a block came from it or went to it. A peer that has done nothing useful for
 * {@link #GRACE} (since it connected, was unchoked, or last moved data) gives its slot up to a
 * peer that wants one. Pure: the session passes its connections and the time.
 */
final class IdleSlots {
    /** How long a new or unchoked peer has to start moving data before its slot may go to another. */
    static final Duration GRACE = Duration.ofSeconds(5);

    private IdleSlots() {
    }

    /** Whether a peer whose last useful moment was {@code usefulAt} may give its slot up at {@code now}. */
    static boolean idle(Instant usefulAt, Instant now) {
        return !now.isBefore(usefulAt.plus(GRACE));
    }

    /**
     * The peer that gives its slot up to a newcomer: the one idle longest, or null when every peer
     * did something useful within {@link #GRACE}.
     */
    static <T> T evict(Iterable<T> peers, Function<T, Instant> usefulAt, Instant now) {
        T victim = null;
        Instant oldest = null;
        for (T p : peers) {
            Instant at = usefulAt.apply(p);
            if (idle(at, now) && (oldest == null || at.isBefore(oldest))) {
                victim = p;
                oldest = at;
            }
        }
        return victim;
    }
}
