package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** When the preferred peers (seeds' others, or our rack) are spared, with the time given. */
class SparingTest {
    private final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");

    @ParameterizedTest
    @ValueSource(strings = {"SEEDS", "RACK"})
    void sparesWhileThePreferredDeliverAndStopsItsPatienceAfterTheyWentQuiet(String which) {
        Duration patience = "SEEDS".equals(which) ? Sparing.SEEDS : Sparing.RACK;
        Sparing s = new Sparing(patience);
        assertFalse(s.sparing(), "nothing delivered yet");
        s.preferredDelivered(t0);
        assertTrue(s.sparing());
        assertFalse(s.expire(t0.plus(patience)));
        assertTrue(s.sparing());
        assertTrue(s.expire(t0.plus(patience).plusMillis(1)), "just stopped: ask the others again");
        assertFalse(s.sparing());
        assertFalse(s.expire(t0.plus(patience).plusSeconds(10)), "stopped once");
        s.preferredDelivered(t0.plus(patience).plusSeconds(11));
        assertTrue(s.sparing(), "the preferred deliver again");
    }

    @Test
    void ourRackIsSparedLongerThanASeed() {
        assertTrue(Sparing.RACK.compareTo(Sparing.SEEDS) > 0);
        Sparing rack = new Sparing(Sparing.RACK);
        Sparing seeds = new Sparing(Sparing.SEEDS);
        rack.preferredDelivered(t0);
        seeds.preferredDelivered(t0);
        Instant quietAWhile = t0.plus(Sparing.SEEDS).plusMillis(500);
        assertTrue(seeds.expire(quietAWhile));
        assertFalse(rack.expire(quietAWhile), "a rack quiet for a moment waits with the swarm");
    }

    @ParameterizedTest
    @ValueSource(strings = {"SEEDS", "RACK"})
    void expectingSparesFromThenForTheFirstGraceUnlessOneDelivers(String which) {
        Duration patience = "SEEDS".equals(which) ? Sparing.SEEDS : Sparing.RACK;
        Sparing s = new Sparing(patience);
        s.expect(t0);
        assertTrue(s.sparing(), "rack-mates named: spare before any delivered");
        assertFalse(s.expire(t0.plus(Sparing.FIRST_GRACE)));
        assertTrue(s.expire(t0.plus(Sparing.FIRST_GRACE).plusMillis(1)), "none delivered within the grace, whatever the patience");
        s.expect(t0.plus(Sparing.FIRST_GRACE).plusSeconds(1));
        assertFalse(s.sparing(), "the grace is given once");

        Sparing delivering = new Sparing(patience);
        delivering.expect(t0);
        delivering.preferredDelivered(t0.plusSeconds(2));
        assertFalse(delivering.expire(t0.plusSeconds(2).plus(patience)));
        assertTrue(delivering.expire(t0.plusSeconds(2).plus(patience).plusMillis(1)),
                "once one delivered, the patience applies, not what is left of the grace");
        Sparing late = new Sparing(patience);
        late.preferredDelivered(t0);
        late.expire(t0.plus(patience).plusSeconds(1));
        late.expect(t0.plus(patience).plusSeconds(2));
        assertFalse(late.sparing(), "no grace after a delivery: the tracker naming rack-mates again changes nothing");
    }

    @Test
    void aNegativePatienceIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Sparing(Duration.ofSeconds(-1)));
    }
}
