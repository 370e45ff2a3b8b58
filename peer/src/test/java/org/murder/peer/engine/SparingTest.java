package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** When the preferred peers (seeds' others, or our rack) are spared, with the time given. */
class SparingTest {
    private final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void sparesWhileThePreferredDeliverAndStopsASecondAfterTheyWentQuiet() {
        Sparing s = new Sparing();
        assertFalse(s.sparing(), "nothing delivered yet");
        s.preferredDelivered(t0);
        assertTrue(s.sparing());
        assertFalse(s.expire(t0.plus(Sparing.FOR)));
        assertTrue(s.expire(t0.plus(Sparing.FOR).plusMillis(1)), "just stopped: ask the others again");
        assertFalse(s.sparing());
        assertFalse(s.expire(t0.plusSeconds(10)), "stopped once");
    }

    @Test
    void expectingSparesFromThenForTheFirstGraceUnlessOneDelivers() {
        Sparing s = new Sparing();
        s.expect(t0);
        assertTrue(s.sparing(), "rack-mates named: spare before any delivered");
        assertFalse(s.expire(t0.plus(Sparing.FIRST_GRACE)));
        assertTrue(s.expire(t0.plus(Sparing.FIRST_GRACE).plusMillis(1)), "none delivered within the grace");
        s.expect(t0.plus(Sparing.FIRST_GRACE).plusSeconds(1));
        assertFalse(s.sparing(), "the grace is given once");

        Sparing delivering = new Sparing();
        delivering.expect(t0);
        delivering.preferredDelivered(t0.plusSeconds(2));
        assertTrue(delivering.expire(t0.plusSeconds(2).plus(Sparing.FOR).plusMillis(1)),
                "once one delivered, the usual second applies, not what is left of the grace");
        Sparing late = new Sparing();
        late.preferredDelivered(t0);
        late.expire(t0.plusSeconds(5));
        late.expect(t0.plusSeconds(6));
        assertFalse(late.sparing(), "no grace after a delivery: the tracker naming rack-mates again changes nothing");
    }
}
