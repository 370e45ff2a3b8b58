package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SendAheadTest {
    private static final Instant T0 = Instant.parse("2026-12-04T00:00:00Z");

    @Test
    void handsUpToTheLimitThenWaitsForTheSocketsToTakeIt() {
        SendAhead<String> ahead = new SendAhead<>(100);
        assertTrue(ahead.room());
        for (String c : new String[] {"a", "b", "c"}) {
            ahead.handed(c, 25, T0);
        }
        assertTrue(ahead.room());
        ahead.handed("d", 25, T0);
        assertFalse(ahead.room());
        ahead.taken("b", 25, T0);
        assertTrue(ahead.room());
        assertEquals(75, ahead.counted());
    }

    @Test
    void aConnectionIsHandedMoreOnlyWhileItHoldsLessThanHalfTheLimit() {
        // a slow reader that takes a block now and then is not stalled, and must not hold the others
        SendAhead<String> ahead = new SendAhead<>(100);
        assertTrue(ahead.ready("slow"));
        ahead.handed("slow", 40, T0);
        assertTrue(ahead.ready("slow"));
        ahead.handed("slow", 40, T0);
        assertFalse(ahead.ready("slow"));
        assertEquals(50, ahead.counted(), "it counts for half the limit at most");
        assertTrue(ahead.room());
        assertTrue(ahead.ready("other"));
        ahead.taken("slow", 40, T0.plusSeconds(3));
        assertTrue(ahead.ready("slow"));
        assertEquals(40, ahead.counted());
    }

    @Test
    void aConnectionWaitsSinceItLastTookSomethingAndOnlyWhileItHoldsSome() {
        SendAhead<String> ahead = new SendAhead<>(100);
        assertNull(ahead.waitingSince("a"), "holds nothing: blocks waiting for it in the order are not its socket's fault");
        ahead.handed("a", 30, T0);
        ahead.handed("a", 10, T0.plusSeconds(1));
        assertEquals(T0, ahead.waitingSince("a"), "since its first block, not its last");
        ahead.taken("a", 30, T0.plusSeconds(2));
        assertEquals(T0.plusSeconds(2), ahead.waitingSince("a"));
        ahead.taken("a", 10, T0.plusSeconds(3));
        assertNull(ahead.waitingSince("a"));
    }

    @Test
    void aStalledConnectionIsHandedNothing() {
        SendAhead<String> ahead = new SendAhead<>(100);
        ahead.handed("stuck", 10, T0);
        ahead.tick(T0.plus(SendAhead.STALLED_AFTER), SendAhead.STALLED_AFTER);
        assertFalse(ahead.ready("stuck"));
        ahead.taken("stuck", 10, T0.plus(SendAhead.STALLED_AFTER).plusSeconds(1));
        assertTrue(ahead.ready("stuck"), "it reads again");
    }

    @Test
    void aConnectionThatTakesNothingStopsCountingUntilItTakesSomething() {
        SendAhead<String> ahead = new SendAhead<>(100);
        ahead.handed("stuck", 20, T0);
        ahead.handed("fine", 20, T0.plusSeconds(3));
        assertFalse(ahead.tick(T0.plus(SendAhead.STALLED_AFTER).minusMillis(1), SendAhead.STALLED_AFTER), "not yet");
        assertEquals(40, ahead.counted());
        assertTrue(ahead.tick(T0.plus(SendAhead.STALLED_AFTER), SendAhead.STALLED_AFTER));
        assertEquals(20, ahead.counted(), "only the one that moves counts");
        ahead.handed("stuck", 16, T0.plusSeconds(5)); // handed more while stalled: not counted either
        assertEquals(20, ahead.counted());
        ahead.taken("fine", 20, T0.plusSeconds(6));
        ahead.taken("stuck", 16, T0.plusSeconds(6)); // it reads again: what it still holds counts again
        assertEquals(20, ahead.counted());
        assertFalse(ahead.tick(T0.plusSeconds(7), SendAhead.STALLED_AFTER), "it took something a second ago");
    }

    @Test
    void whatAConnectionHeldIsForgottenWhenItLeaves() {
        SendAhead<String> ahead = new SendAhead<>(100);
        ahead.handed("a", 20, T0);
        ahead.handed("b", 15, T0);
        ahead.gone("a");
        assertEquals(15, ahead.counted());
        ahead.taken("a", 20, T0.plusSeconds(1)); // its writes fail after it left: nothing changes
        assertEquals(15, ahead.counted());
        ahead.handed("c", 10, T0);
        ahead.tick(T0.plus(SendAhead.STALLED_AFTER), SendAhead.STALLED_AFTER);
        ahead.gone("c"); // a stalled one leaving: it no longer counted
        assertEquals(0, ahead.counted());
    }

    @Test
    void aConnectionStallsSoonerOnAFasterUplink() {
        SendAhead<String> ahead = new SendAhead<>(128 * 1024);
        assertEquals(SendAhead.STALLED_AFTER, ahead.stalledAfter(0), "rate not known");
        assertEquals(SendAhead.STALLED_AFTER, ahead.stalledAfter(125_000), "1 Mbit/s: 4 limits take longer than 4 s");
        assertEquals(Duration.ofNanos(167_772_160), ahead.stalledAfter(3_125_000), "25 Mbit/s: 4 x 128 KiB");
        assertEquals(SendAhead.STALLED_AFTER_MIN, ahead.stalledAfter(1_250_000_000L), "10 Gbit/s");
    }

    @Test
    void twoConnectionsWaitingForARetransmissionNoLongerHoldTheUplink() {
        // both hold their share (the limit is full) and take nothing: a 25 Mbit/s uplink sat idle behind them
        SendAhead<String> ahead = new SendAhead<>(100);
        Duration after = Duration.ofMillis(168);
        ahead.handed("a", 50, T0);
        ahead.handed("b", 50, T0.plusMillis(20));
        assertFalse(ahead.room());
        assertEquals(T0.plus(after), ahead.nextStall(after), "the one that took nothing the longest");
        assertFalse(ahead.tick(T0.plus(after).minusMillis(1), after));
        assertTrue(ahead.tick(T0.plus(after), after));
        assertTrue(ahead.room(), "a stopped counting: another connection may be handed its share");
        assertFalse(ahead.ready("a"));
        assertEquals(T0.plusMillis(20).plus(after), ahead.nextStall(after), "b is next");
        assertTrue(ahead.tick(T0.plusMillis(20).plus(after), after));
        assertEquals(null, ahead.nextStall(after), "nobody counts");
        ahead.taken("a", 25, T0.plusSeconds(1));
        assertEquals(T0.plusSeconds(1).plus(after), ahead.nextStall(after), "a took some: it counts again, from then");
        assertEquals(25, ahead.counted());
    }

    @Test
    void theLimitMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new SendAhead<String>(0));
    }
}
