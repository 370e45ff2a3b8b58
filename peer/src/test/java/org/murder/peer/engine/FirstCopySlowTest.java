package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The origin's first-copy policy with a slow first peer: peers are plain strings, time is given;
 * pieces of 1000 bytes, each sent whole at once.
 */
class FirstCopySlowTest {
    /** How many of the origin's peers say they have each piece. */
    private final int[] held = new int[8];
    private final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    private final FirstCopy<String> policy = new FirstCopy<>(8, piece -> 1000, piece -> held[piece]);

    /**
     * {@code peer} becomes the first peer of {@code piece} at {@code at}, its first half is written out
     * then, and its second {@code took} later.
     */
    private void firstCopy(FirstCopy<String> p, int piece, String peer, Instant at, Duration took) {
        assertFalse(p.goesElsewhere(piece, peer, at, 0), peer + " gets the first copy of piece " + piece);
        p.sent(piece, peer, 500, at);
        p.sent(piece, peer, 500, at.plus(took));
    }

    @Test
    void aFirstCopyOnItsWayFourTimesAsLongAsTheOthersGoesToTheNextAsker() {
        firstCopy(policy, 0, "a", t0, Duration.ofSeconds(1)); // first copies take 1 s
        Instant asked = t0.plusSeconds(1);
        assertFalse(policy.goesElsewhere(1, "s", asked, 0), "s gets piece 1 first");
        assertFalse(policy.goesElsewhere(1, "s", asked, 0), "both its halves");
        assertFalse(policy.goesElsewhere(2, "s", asked, 0), "and piece 2");
        assertTrue(policy.goesElsewhere(1, "b", asked.plusSeconds(30), 0), "nothing written to s yet: our own queue, not s");
        Instant start = asked.plusSeconds(30);
        policy.sent(1, "s", 500, start); // their first halves written out, the others wait
        policy.sent(2, "s", 500, start);
        Instant slowAt = start.plus(Duration.ofSeconds(FirstCopy.SLOW_PIECES));
        assertTrue(policy.goesElsewhere(1, "b", slowAt, 0), "on its way to s for 4 x the usual: still s's");
        Instant late = slowAt.plusMillis(1);
        assertFalse(policy.goesElsewhere(1, "b", late, 0), "past it, s is late: b takes the piece over");
        assertTrue(policy.goesElsewhere(1, "s", late, 0), "s gets it from b");
        assertFalse(policy.goesElsewhere(3, "s", late, 0, true), "late once is not slow (a stall): s still gets new pieces");
        Instant slow = late.plus(FirstCopy.LATE_FOR);
        assertFalse(policy.goesElsewhere(2, "c", slow, 0), "late still: c takes piece 2 over");
        assertTrue(policy.goesElsewhere(4, "s", slow, 0, true), "late for LATE_FOR: slow, no new piece while others download");
        assertTrue(policy.goesElsewhere(4, "s", slow.plus(FirstCopy.PATIENCE).minusMillis(1), 0, true));
        assertFalse(policy.goesElsewhere(4, "s", slow.plus(FirstCopy.PATIENCE), 0, true), "but after the patience");
        assertFalse(policy.goesElsewhere(5, "s", slow, 0, false), "and at once when nobody else downloads");
    }

    /**
     * A peer that asked for every piece first and reads nothing left no first copy that went out whole
     * to judge it by: its connection taking nothing is what makes it slow.
     */
    @Test
    void aPeerWhoseConnectionTakesNothingHoldsNoneOfItsFirstCopiesWithNothingElseToJudgeItBy() {
        java.util.Set<String> stuck = new java.util.HashSet<>();
        FirstCopy<String> p = new FirstCopy<>(8, piece -> 1000, peer -> peer, peer -> null, piece -> held[piece],
                (peer, now) -> stuck.contains(peer));
        for (int piece = 0; piece < 4; piece++) {
            assertFalse(p.goesElsewhere(piece, "s", t0, 0), "s asks for piece " + piece + " first");
            assertFalse(p.goesElsewhere(piece, "s", t0, 0), "both its halves");
        }
        p.sent(0, "s", 500, t0); // piece 0 went whole into its socket in 9 s, half of piece 1 too, pieces 2 and 3 wait
        p.sent(0, "s", 500, t0.plusSeconds(9));
        p.sent(1, "s", 500, t0);
        p.has(3, "s", t0); // piece 3 it got elsewhere
        held[3] = 1;
        Instant later = t0.plusSeconds(10);
        assertTrue(p.goesElsewhere(0, "b", later, 0), "reading: the piece that went out whole to s spreads from s");
        assertTrue(p.goesElsewhere(1, "b", later, 0), "on its way to s");
        assertTrue(p.goesElsewhere(2, "b", later, 0), "waiting in our queue for s");
        stuck.add("s");
        assertFalse(p.goesElsewhere(0, "b", later, 0), "s's connection takes nothing: b takes over what went whole into it");
        assertFalse(p.goesElsewhere(1, "b", later, 0), "and what went out in part");
        assertFalse(p.goesElsewhere(2, "c", later, 0), "and what waits for it");
        assertTrue(p.goesElsewhere(2, "s", later, 0), "s gets that one from c");
        assertTrue(p.goesElsewhere(0, "c", later.plusSeconds(1), 0), "b's now, and b reads");
        assertTrue(p.goesElsewhere(3, "c", later, 0), "what s said it has is not judged by its socket: it spreads from s");
    }

    @Test
    void aPeerLateOnceAndOnTimeSinceIsNotSlow() {
        firstCopy(policy, 0, "a", t0, Duration.ofSeconds(1));
        policy.has(0, "a", t0.plusMillis(1100)); // said received 100 ms after it went out whole
        firstCopy(policy, 1, "n", t0.plusSeconds(1), Duration.ofSeconds(1));
        policy.has(1, "n", t0.plusMillis(2100 + 500)); // late: 600 ms, against 100 (a stall)
        firstCopy(policy, 2, "n", t0.plusSeconds(3), Duration.ofSeconds(1));
        policy.has(2, "n", t0.plusMillis(4100)); // on time
        firstCopy(policy, 3, "n", t0.plusSeconds(5), Duration.ofSeconds(1));
        policy.has(3, "n", t0.plusMillis(6100 + 800)); // late again (900 ms against about 150), 4.3 s after the first
        assertFalse(policy.goesElsewhere(4, "n", t0.plusSeconds(7), 0, true), "on time between: late since 6.9 s only, not slow");
    }

    @Test
    void aPeerLateForASecondHoldsNoneOfItsFirstCopies() {
        // s got pieces 1 to 3 while alone (nothing to judge it by); a's first copies take 1 s
        Instant alone = t0;
        for (int piece = 1; piece <= 3; piece++) {
            assertFalse(policy.goesElsewhere(piece, "s", alone, 0));
            policy.sent(piece, "s", 1000, alone);
        }
        policy.has(2, "s", alone.plusMillis(100)); // piece 2 arrived; pieces 1 and 3 are still on their way
        firstCopy(policy, 0, "a", t0.plusSeconds(1), Duration.ofSeconds(1));
        policy.has(0, "a", t0.plusMillis(2100));
        Instant asked = t0.plusSeconds(10);
        held[2] = 1; // s says it has piece 2, only it: not spreading
        assertTrue(policy.goesElsewhere(2, "b", asked, 1), "piece 2 reached s on time: b gets it from s");
        assertFalse(policy.goesElsewhere(1, "b", asked, 0), "piece 1 not received in 10 s: s is late, b takes it over");
        assertTrue(policy.goesElsewhere(2, "b", asked, 1), "late once: piece 2 still comes from s");
        Instant slow = asked.plus(FirstCopy.LATE_FOR);
        assertFalse(policy.goesElsewhere(3, "c", slow, 0), "piece 3 not received either: c takes it over, s is slow");
        assertFalse(policy.goesElsewhere(2, "b", slow, 1), "and piece 2 with them: it comes from s no faster");
        assertTrue(policy.goesElsewhere(2, "c", slow.plusMillis(1), 2), "once b has it too, it spreads from b");
    }

    @Test
    void lateLongAgoIsForgottenAndLateAgainLaterStartsOver() {
        firstCopy(policy, 0, "a", t0, Duration.ofSeconds(1));
        policy.has(0, "a", t0.plusMillis(1100)); // said received 100 ms after it went out whole
        firstCopy(policy, 1, "n", t0.plusSeconds(1), Duration.ofSeconds(1));
        policy.has(1, "n", t0.plusMillis(2600)); // late: 600 ms (a stall), and nothing on time after it
        Instant later = t0.plusSeconds(40); // a pause longer than LATE_GAP
        firstCopy(policy, 2, "n", later, Duration.ofSeconds(1));
        policy.has(2, "n", later.plusMillis(1900)); // late again: 900 ms
        assertFalse(policy.goesElsewhere(3, "n", later.plusSeconds(2), 0, true), "late since 41.9 s only: not slow");
        firstCopy(policy, 3, "n", later.plusSeconds(2), Duration.ofSeconds(1));
        policy.has(3, "n", later.plusMillis(4500)); // and again, 2.6 s after: late for over LATE_FOR
        assertTrue(policy.goesElsewhere(4, "n", later.plusSeconds(5), 0, true), "slow: no new piece while others download");
    }

    @Test
    void aSlowPeerTakesNoPieceOverFromAnotherSlowOne() {
        firstCopy(policy, 0, "a", t0, Duration.ofSeconds(1));
        firstCopy(policy, 1, "s", t0.plusSeconds(1), Duration.ofSeconds(10)); // s is late
        Instant start = t0.plusSeconds(11);
        assertFalse(policy.goesElsewhere(1, "q", start.plus(FirstCopy.LATE_FOR), 0), "late still: s is slow, q takes piece 1 over");
        assertFalse(policy.goesElsewhere(2, "r", start, 0));
        policy.sent(2, "r", 500, start);
        Instant late = start.plusSeconds(10); // first copies take 2.125 s on average now (1 s, then 10 s)
        assertTrue(policy.goesElsewhere(2, "s", late, 0, true), "r's copy is late, and s is slow: no faster");
        assertFalse(policy.goesElsewhere(2, "b", late, 0, true), "b takes it over");
    }

    @Test
    void aFirstCopyWrittenOutWholeButNotSaidReceivedFourTimesAsLongAsTheOthersGoesToTheNextAsker() {
        // a socket's buffer takes a piece at once; a slow downlink gets it long after
        firstCopy(policy, 0, "a", t0, Duration.ofSeconds(1));
        policy.has(0, "a", t0.plusMillis(1100)); // said received 100 ms after it went out whole
        Instant whole = t0.plusSeconds(3);
        firstCopy(policy, 1, "s", t0.plusSeconds(2), Duration.ofSeconds(1));
        Instant slowAt = whole.plusMillis(4 * 100); // 4 x 100 ms, more than the floor
        assertTrue(policy.goesElsewhere(1, "b", slowAt, 0), "still s's");
        assertFalse(policy.goesElsewhere(1, "b", slowAt.plusMillis(1), 0), "not received yet: b takes it over");
    }

    @Test
    void aPieceItsFirstPeerPassesOnToNobodyFourTimesAsLongAsTheOthersGoesToTheNextAsker() {
        firstCopy(policy, 0, "a", t0, Duration.ofSeconds(1));
        policy.has(0, "a", t0.plusSeconds(1));
        policy.has(0, "c", t0.plusSeconds(3)); // a passed it on in 2 s
        firstCopy(policy, 1, "s", t0.plusSeconds(3), Duration.ofSeconds(1));
        Instant has = t0.plusSeconds(4);
        policy.has(1, "s", has);
        held[1] = 1;
        Instant slowAt = has.plusSeconds(2L * FirstCopy.SLOW_PIECES);
        assertTrue(policy.goesElsewhere(1, "b", slowAt, 1), "s has it and may pass it on: b looks elsewhere");
        assertTrue(policy.goesElsewhere(1, "d", slowAt.plusMillis(1), 2), "s passed it on to one of ours: d looks elsewhere");
        assertFalse(policy.goesElsewhere(1, "b", slowAt.plusMillis(1), 1), "only s has it, 4 x the usual: b takes it over");
    }

    @Test
    void aPeerIsJudgedAgainstThePeersReachedAsItIs() {
        // rack-mates ("r...") get first copies in 100 ms; the others, behind a rack uplink, in 1.5 s
        FirstCopy<String> racks = new FirstCopy<>(8, piece -> 1000, p -> p, p -> p.startsWith("r") ? "rack-a" : "rack-b",
                piece -> held[piece]);
        FirstCopy<String> flat = new FirstCopy<>(8, piece -> 1000, piece -> held[piece]);
        for (FirstCopy<String> p : java.util.List.of(racks, flat)) {
            for (int piece = 0; piece < 4; piece++) {
                firstCopy(p, piece, "r" + piece, t0, Duration.ofMillis(100));
            }
            firstCopy(p, 4, "x", t0.plusSeconds(1), Duration.ofMillis(1500));
            assertFalse(p.goesElsewhere(5, "y", t0.plusSeconds(3), 0));
            p.sent(5, "y", 500, t0.plusSeconds(3));
        }
        Instant asked = t0.plusSeconds(5); // y's copy on its way for 2 s: 1.3 x its rack's, 4.4 x all first copies
        assertTrue(racks.goesElsewhere(5, "z", asked, 0), "not slow for its rack: still y's");
        assertFalse(flat.goesElsewhere(5, "z", asked, 0), "against all first copies y looks slow");
    }

    @Test
    void aSlowPeerThatSaysItHasAFirstCopyOnTimeGetsNewPiecesAgain() {
        firstCopy(policy, 0, "a", t0, Duration.ofSeconds(1));
        policy.has(0, "a", t0.plusMillis(1100)); // said received 100 ms after it went out whole
        firstCopy(policy, 1, "s", t0.plusSeconds(1), Duration.ofSeconds(10));
        Instant later = t0.plusSeconds(11).plus(FirstCopy.LATE_FOR);
        assertFalse(policy.goesElsewhere(1, "q", later, 0), "not said received a second later: s is slow, q takes piece 1 over");
        assertTrue(policy.goesElsewhere(2, "s", later, 0, true), "slow: no new piece");
        Instant served = later.plus(FirstCopy.PATIENCE);
        firstCopy(policy, 2, "s", served, Duration.ofSeconds(1)); // after the patience, at the usual pace
        assertTrue(policy.goesElsewhere(3, "s", served.plusSeconds(1), 0, true), "written out is not received: still slow");
        policy.has(2, "s", served.plusMillis(1100));
        assertFalse(policy.goesElsewhere(4, "s", served.plusMillis(1100), 0, true), "said received on time: no longer slow");
    }

    @Test
    void aSlowJudgementLastsTwoMinutes() {
        firstCopy(policy, 0, "a", t0, Duration.ofSeconds(1));
        firstCopy(policy, 1, "s", t0.plusSeconds(1), Duration.ofSeconds(10));
        Instant judged = t0.plusSeconds(11).plus(FirstCopy.LATE_FOR);
        assertFalse(policy.goesElsewhere(1, "q", judged, 0), "late still: slow");
        assertTrue(policy.goesElsewhere(2, "s", judged.plus(FirstCopy.SLOW_FOR).minusMillis(1), 0, true), "still slow");
        assertFalse(policy.goesElsewhere(3, "s", judged.plus(FirstCopy.SLOW_FOR), 0, true), "judged again from now on");
    }
}
