package org.murder.orchestrator.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class WavePlanTest {
    private static List<String> hosts(int n) {
        return IntStream.rangeClosed(1, n).mapToObj(i -> "web-" + i).toList();
    }

    @Test
    void cumulativeCountsAndSharesMakeWaves() {
        List<List<String>> waves = WavePlan.waves("1,10%,50%,100%", hosts(40));
        assertEquals(List.of(1, 3, 16, 20), waves.stream().map(List::size).toList());
        assertEquals(List.of("web-1"), waves.get(0));
        assertEquals(hosts(40), waves.stream().flatMap(List::stream).toList());
    }

    @Test
    void wavesLeftEmptyByRoundingGoAndHostsLeftOutJoinTheLast() {
        assertEquals(List.of(List.of("web-1"), List.of("web-2", "web-3")), WavePlan.waves("1,10%,100%", hosts(3)));
        assertEquals(List.of(List.of("web-1"), List.of("web-2", "web-3", "web-4")), WavePlan.waves("1,2", hosts(4)));
        assertEquals(List.of(hosts(2)), WavePlan.waves("100%", hosts(2)));
    }

    @Test
    void batchesAndBudgets() {
        assertEquals(List.of(3, 3, 1), WavePlan.batches(3, hosts(7)).stream().map(List::size).toList());
        assertEquals(2, WavePlan.failureBudget("2", 10));
        assertEquals(1, WavePlan.failureBudget("10%", 19), "10% of 19 rounds down");
        assertEquals(0, WavePlan.failureBudget("10%", 9));
    }

    @Test
    void badSpecsAreNamed() {
        assertEquals("--waves '1,x': 'x' (expected: a host count like 1 or a share like 10%, cumulative, e.g. 1,10%,50%,100%)",
                assertThrows(IllegalArgumentException.class, () -> WavePlan.waves("1,x", hosts(3))).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> WavePlan.waves("50%,1", hosts(10))).getMessage()
                .contains("smaller than the wave before"));
        assertEquals("--waves '10%,5%': '5%' is smaller than the wave before (expected: cumulative sizes, e.g. 1,10%,50%,100%)",
                assertThrows(IllegalArgumentException.class, () -> WavePlan.waves("10%,5%", hosts(3))).getMessage(),
                "both round to one host of three, yet the spec is wrong for any fleet");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> WavePlan.waves("5,10%,3", hosts(100))).getMessage()
                .contains("'3' is smaller"));
        assertEquals(2, WavePlan.waves("1,10%,2,50%", hosts(3)).size(), "counts and shares may interleave");
        assertThrows(IllegalArgumentException.class, () -> WavePlan.waves("0", hosts(3)));
        assertThrows(IllegalArgumentException.class, () -> WavePlan.waves("150%", hosts(3)));
        assertThrows(IllegalArgumentException.class, () -> WavePlan.failureBudget("-1", 3));
        assertThrows(IllegalArgumentException.class, () -> WavePlan.batches(0, hosts(3)));
    }

    @Test
    void theControllerReleasesWaveByWaveAndStopsAtTheFirstOverBudget() {
        WaveController c = new WaveController(WavePlan.waves("1,2,100%", hosts(5)), "0");
        Set<String> finished = new java.util.HashSet<>();
        Set<String> failed = new java.util.HashSet<>();
        assertEquals(0, c.next(finished::contains, failed::contains).release().getAsInt(), "wave 1 at once");
        assertTrue(c.next(finished::contains, failed::contains).release().isEmpty(), "web-1 not finished");
        finished.add("web-1");
        assertEquals(1, c.next(finished::contains, failed::contains).release().getAsInt());
        finished.add("web-2");
        failed.add("web-2");
        var step = c.next(finished::contains, failed::contains);
        assertEquals(1, step.stopAt().getAsInt());
        assertEquals(1, c.stoppedAt());
        assertEquals(List.of("web-3", "web-4", "web-5"), c.notReleased());
        assertTrue(c.next(finished::contains, failed::contains).stopAt().isEmpty(), "stops once");
    }

    @Test
    void aFailureWithinTheBudgetGoesOn() {
        WaveController c = new WaveController(WavePlan.batches(2, hosts(4)), "50%");
        c.next(h -> false, h -> false);
        var step = c.next(h -> true, "web-1"::equals);
        assertEquals(1, step.release().getAsInt());
        assertEquals(-1, c.stoppedAt());
    }
}
