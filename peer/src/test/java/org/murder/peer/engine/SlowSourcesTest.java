package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class SlowSourcesTest {
    private static final long KIB = 1024;

    private static SlowSources.Tick<String> tick(String peer, long kib, boolean asked) {
        return new SlowSources.Tick<>(peer, kib * KIB, asked, false);
    }

    @Test
    void aPeerAskedThroughTheTickThatDeliveredAnEighthOfTheBestIsSlow() {
        List<String> slow = SlowSources.judge(List.of(tick("fast", 2048, true), tick("slow", 100, true), tick("fair", 512, true)));
        assertEquals(List.of("slow"), slow);
    }

    @Test
    void aPeerNotAskedThroughTheTickIsNotJudged() {
        // nothing was asked of it at the tick before: delivering little says nothing of its link
        assertEquals(List.of(), SlowSources.judge(List.of(tick("fast", 2048, true), tick("idle", 0, false))));
    }

    @Test
    void nobodyIsSlowAgainstAQuietSwarm() {
        // the best delivered less than the evidence asked for: a swarm waiting for the origin, not a slow peer
        long under = SlowSources.EVIDENCE / KIB - 1;
        assertEquals(List.of(), SlowSources.judge(List.of(tick("best", under, true), tick("other", 0, true))));
    }

    @Test
    void justUnderTheFactorIsSlowAndAtItIsNot() {
        long best = 8 * 1024;
        assertEquals(List.of("under"), SlowSources.judge(List.of(tick("best", best, true),
                new SlowSources.Tick<>("under", best * KIB / SlowSources.SLOW_FACTOR - 1, true, false),
                new SlowSources.Tick<>("at", best * KIB / SlowSources.SLOW_FACTOR, true, false))));
    }

    @Test
    void aNegativeDeliveryIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new SlowSources.Tick<>("p", -1, true, false));
    }

    @Test
    void peersOfOtherRacksAreNotJudgedAgainstARackMate() {
        // a rack-mate on the same switch delivers far more than peers behind the rack uplink: they are not slow for it
        List<String> slow = SlowSources.judge(List.of(new SlowSources.Tick<>("mate", 8192 * KIB, true, true),
                new SlowSources.Tick<>("outside", 512 * KIB, true, false), new SlowSources.Tick<>("slow outside", 16 * KIB, true, false)));
        assertEquals(List.of("slow outside"), slow, "judged against the best peer of its own side");
    }
}
