package org.murder.orchestrator.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class RateHistoryTest {
    @Test
    void onePointPerSecondTheLastStateOfASecondWins() {
        RateHistory h = new RateHistory(10);
        h.record(0, 5);
        h.record(400, 7);
        h.record(1100, 20);
        h.record(1900, 30);
        h.record(2000, 40);
        assertEquals(List.of(7L, 30L, 40L), h.points());
    }

    @Test
    void aSecondWithNoStateRepeatsTheRateBeforeIt() {
        RateHistory h = new RateHistory(10);
        h.record(0, 5);
        h.record(3500, 9);
        assertEquals(List.of(5L, 5L, 5L, 9L), h.points());
    }

    @Test
    void keepsOnlyTheLastCapacityPoints() {
        RateHistory h = new RateHistory(600);
        for (int s = 0; s < 2000; s++) {
            h.record(s * 1000L, s);
        }
        List<Long> points = h.points();
        assertEquals(600, points.size());
        assertEquals(1400L, points.get(0));
        assertEquals(1999L, points.get(599));
        h.record(10_000_000, 1); // a long gap fills at most the capacity
        assertEquals(600, h.points().size());
        assertEquals(1L, h.points().get(599));
    }

    @Test
    void aTimeBeforeTheLastPointIsIgnoredAndNegativeRatesAreZero() {
        RateHistory h = new RateHistory(5);
        h.record(5000, -3);
        h.record(1000, 8);
        assertEquals(List.of(0L), h.points());
        assertThrows(IllegalArgumentException.class, () -> new RateHistory(0));
    }
}
