package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The origin's first-copy policy on its own: peers are plain strings, time is given. */
class FirstCopyWindowTest {
    private final FirstCopy<String> policy = new FirstCopy<>(4, piece -> 1000); // pieces of 1000 bytes; the tests below send blocks of 10
    private final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void aPieceOnItsWayToOnePeerGoesToOthersFromItUntilTheWindowAfterItsLastBlock() {
        assertFalse(policy.goesElsewhere(0, "a", t0, 0), "the first copy of piece 0 goes to a");
        assertTrue(policy.goesElsewhere(0, "b", t0, 0), "b is to get piece 0 from a");
        assertFalse(policy.goesElsewhere(1, "b", t0, 0), "piece 1 is new: b gets it");
        Instant later = t0.plusMillis(1500);
        assertFalse(policy.goesElsewhere(0, "a", later, 0), "a gets the rest of its piece");
        assertTrue(policy.goesElsewhere(0, "b", later.plus(FirstCopy.STUCK).minusMillis(1), 0),
                "a's blocks are not out yet: still a's, up to the stuck time");
        policy.sent(0, "a", 10, later);
        policy.sent(0, "a", 10, later);
        assertTrue(policy.goesElsewhere(0, "b", later.plus(FirstCopy.WINDOW).minusMillis(1), 0), "still a's");
        assertFalse(policy.goesElsewhere(0, "b", later.plus(FirstCopy.WINDOW), 0),
                "a got part of it and stopped asking: after the window b takes the piece over");
        assertTrue(policy.goesElsewhere(0, "a", later.plus(FirstCopy.WINDOW), 0), "so a waits for b's copy");
        assertFalse(policy.goesElsewhere(0, "b", later.plus(FirstCopy.WINDOW).plusMillis(1), 0), "b's own asks go on");
    }

    @Test
    void whenTheFirstPeerLeavesTheNextToAskGetsIt() {
        assertFalse(policy.goesElsewhere(2, "a", t0, 0));
        policy.gone("a", t0);
        assertFalse(policy.goesElsewhere(2, "b", t0.plusMillis(1), 0));
        assertTrue(policy.goesElsewhere(2, "c", t0.plusMillis(2), 0));
    }

    @Test
    void aClockThatSteppedBackDoesNotKeepAPieceForever() {
        assertFalse(policy.goesElsewhere(3, "a", t0, 0));
        policy.sent(3, "a", 10, t0);
        assertFalse(policy.goesElsewhere(3, "b", t0.minus(Duration.ofMinutes(1)), 0), "before the first ask: not within the window");
    }

    @Test
    void onceAnotherPeerHasThePieceItIsNotSentAgainEvenAfterTheWindow() {
        assertFalse(policy.goesElsewhere(1, "a", t0, 0));
        policy.sent(1, "a", 10, t0);
        Instant after = t0.plus(FirstCopy.WINDOW).plusSeconds(30);
        assertTrue(policy.goesElsewhere(1, "b", after, 1), "a (or another) has it: b gets it from the swarm, not from the origin");
        assertFalse(policy.goesElsewhere(1, "b", after, 0), "nobody has it: b is served");
        assertTrue(policy.goesElsewhere(1, "a", after, 1), "b took it over (a got part and stopped asking): a waits for b's copy");
        assertFalse(policy.goesElsewhere(1, "b", after.plusSeconds(1), 1), "b's own asks go on");
    }

    @Test
    void theWindowRunsFromTheLastBlockSentToTheFirstPeer() {
        assertFalse(policy.goesElsewhere(2, "a", t0, 0), "a asks every block of piece 2 at t0");
        Instant slow = t0.plus(FirstCopy.WINDOW).plusSeconds(3); // a busy uplink: its blocks are still going out
        policy.sent(2, "a", 10, slow);
        policy.sent(2, "b", 10, slow.plusSeconds(100)); // not b's piece: no effect
        assertTrue(policy.goesElsewhere(2, "b", slow.plus(FirstCopy.WINDOW).minusMillis(1), 0), "still on its way to a");
        assertFalse(policy.goesElsewhere(2, "b", slow.plus(FirstCopy.WINDOW), 0), "a window after the last block: b is served");
    }

    @Test
    void aPieceWhoseFirstCopyWentOutWholeIsNotSentAgainWhileItsPeerStays() {
        assertFalse(policy.goesElsewhere(0, "a", t0, 0));
        policy.sent(0, "a", 600, t0);
        policy.sent(0, "a", 400, t0); // whole: a has it, and shares it (before the seed hears its Have)
        Instant muchLater = t0.plus(FirstCopy.WINDOW).plusSeconds(600);
        assertTrue(policy.goesElsewhere(0, "b", muchLater, 0), "b gets it from the swarm");
        assertTrue(policy.goesElsewhere(0, "c", muchLater.plus(FirstCopy.PATIENCE), 0), "c too: its first refusal");
        assertFalse(policy.goesElsewhere(0, "b", muchLater.plus(FirstCopy.PATIENCE), 0),
                "b found it nowhere else within the patience (it may know no holder): served");
        policy.gone("a", muchLater);
        assertTrue(policy.goesElsewhere(0, "d", muchLater.plus(FirstCopy.GONE_WHOLE).minusMillis(1), 0),
                "a left with the piece whole (a busy origin lets idle peers go): still refused a while");
        assertFalse(policy.goesElsewhere(0, "d", muchLater.plus(FirstCopy.GONE_WHOLE), 0),
                "then served: a may have died before sharing it");
    }

    @Test
    void blocksAFirstPeerStoppedTakingKeepThePieceOnlyForTheStuckTime() {
        assertFalse(policy.goesElsewhere(1, "a", t0, 0)); // queued, and a never reads
        assertTrue(policy.goesElsewhere(1, "b", t0.plus(FirstCopy.STUCK).minusMillis(1), 0), "a's block may still go");
        assertFalse(policy.goesElsewhere(1, "b", t0.plus(FirstCopy.STUCK), 0), "nothing written to a for a minute: b takes it");
    }
}
