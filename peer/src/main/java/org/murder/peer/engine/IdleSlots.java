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
 * peer that wants one; an upload slot given to a peer that then asks for nothing at all goes back
 * sooner, after {@link #ASK_GRACE} (see {@link #neverAsked}). Pure: the session passes its
 * connections and the time.
 */
final class IdleSlots {
    /** How long a new or unchoked peer has to start moving data before its slot may go to another. */
    static final Duration GRACE = Duration.ofSeconds(5);

    /**
     * How long a peer we unchoked has to ask for its first block before its upload slot may go to one that
     * waits. A peer that says it is interested asks within a round trip of our unchoke; ninety connections
     * that said interested and never asked, each holding one of the 8 slots for {@link #GRACE}, kept a real
     * peer that came after them waiting 45-63 s for its first block (a hostile-network audit); with this they
     * pass the slots on in turn five times faster, and once each was choked for it they wait behind every
     * peer that did not.
     */
    static final Duration ASK_GRACE = Duration.ofSeconds(1);

    private IdleSlots() {
    }

    /**
     * Whether a peer unchoked at {@code unchokedAt}, with whom no data moved since ({@code usefulAt} not
     * later) and who has no request of ours queued, has had {@link #ASK_GRACE} to ask and did not.
     */
    static boolean neverAsked(Instant usefulAt, Instant unchokedAt, Instant now) {
        return !usefulAt.isAfter(unchokedAt) && !now.isBefore(unchokedAt.plus(ASK_GRACE));
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
