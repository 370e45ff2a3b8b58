package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The origin's first-copy policy on its own: peers are plain strings, time is given. */
class FirstCopyWindowTest {
    private final FirstCopy<String> policy = new FirstCopy<>(4);
    private final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void aPieceOnItsWayToOnePeerGoesToOthersFromItUntilTheWindowAfterItsLastAsk() {
        assertFalse(policy.goesElsewhere(0, "a", t0), "the first copy of piece 0 goes to a");
        assertTrue(policy.goesElsewhere(0, "b", t0), "b is to get piece 0 from a");
        assertFalse(policy.goesElsewhere(1, "b", t0), "piece 1 is new: b gets it");
        Instant later = t0.plusMillis(1500);
        assertFalse(policy.goesElsewhere(0, "a", later), "a gets the rest of its piece, and the window starts again");
        assertTrue(policy.goesElsewhere(0, "b", later.plus(FirstCopy.WINDOW).minusMillis(1)), "still a's");
        assertFalse(policy.goesElsewhere(0, "b", later.plus(FirstCopy.WINDOW)), "after the window anyone is served");
        assertFalse(policy.goesElsewhere(0, "a", later.plus(FirstCopy.WINDOW)), "a too: its ask starts a new window");
        assertTrue(policy.goesElsewhere(0, "b", later.plus(FirstCopy.WINDOW).plusMillis(1)), "which is a's again");
    }

    @Test
    void whenTheFirstPeerLeavesTheNextToAskGetsIt() {
        assertFalse(policy.goesElsewhere(2, "a", t0));
        policy.gone("a");
        assertFalse(policy.goesElsewhere(2, "b", t0.plusMillis(1)));
        assertTrue(policy.goesElsewhere(2, "c", t0.plusMillis(2)));
    }

    @Test
    void aClockThatSteppedBackDoesNotKeepAPieceForever() {
        assertFalse(policy.goesElsewhere(3, "a", t0));
        assertFalse(policy.goesElsewhere(3, "b", t0.minus(Duration.ofMinutes(1))), "before the first ask: not within the window");
    }
}
