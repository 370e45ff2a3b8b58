package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class SendAheadTest {
    private static final Instant T0 = Instant.parse("2026-12-04T00:00:00Z");

    @Test
    void handsUpToTheLimitThenWaitsForTheSocketsToTakeIt() {
        SendAhead<String> ahead = new SendAhead<>(100);
        assertTrue(ahead.room());
        ahead.handed("a", 60, T0);
        ahead.handed("b", 40, T0);
        assertFalse(ahead.room());
        ahead.taken("b", 40, T0);
        assertTrue(ahead.room());
        assertEquals(60, ahead.counted());
    }

    @Test
    void aConnectionThatTakesNothingStopsCountingUntilItTakesSomething() {
        SendAhead<String> ahead = new SendAhead<>(100);
        ahead.handed("stuck", 64, T0);
        ahead.handed("fine", 36, T0.plusSeconds(3));
        assertFalse(ahead.tick(T0.plus(SendAhead.STALLED_AFTER).minusMillis(1)), "not yet");
        assertFalse(ahead.room());
        assertTrue(ahead.tick(T0.plus(SendAhead.STALLED_AFTER)));
        assertEquals(36, ahead.counted(), "only the one that moves counts");
        assertTrue(ahead.room());
        ahead.handed("stuck", 16, T0.plusSeconds(5)); // handed more while stalled: not counted either
        assertEquals(36, ahead.counted());
        ahead.taken("fine", 36, T0.plusSeconds(6));
        ahead.taken("stuck", 16, T0.plusSeconds(6)); // it reads again: what it still holds counts again
        assertEquals(64, ahead.counted());
        assertFalse(ahead.tick(T0.plusSeconds(7)), "it took something a second ago");
    }

    @Test
    void whatAConnectionHeldIsForgottenWhenItLeaves() {
        SendAhead<String> ahead = new SendAhead<>(100);
        ahead.handed("a", 80, T0);
        ahead.handed("b", 30, T0);
        ahead.gone("a");
        assertEquals(30, ahead.counted());
        ahead.taken("a", 80, T0.plusSeconds(1)); // its writes fail after it left: nothing changes
        assertEquals(30, ahead.counted());
        ahead.handed("c", 10, T0);
        ahead.tick(T0.plus(SendAhead.STALLED_AFTER));
        ahead.gone("c"); // a stalled one leaving: it no longer counted
        assertEquals(0, ahead.counted());
    }

    @Test
    void theLimitMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new SendAhead<String>(0));
    }
}
