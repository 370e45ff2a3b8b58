package org.murder.orchestrator.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.murder.orchestrator.rollout.HookResult;

/** The activation histogram leaves out the wait for the host's wave (a 0.2 s activation was counted as 22 s). */
class WaveWaitTest {
    @Test
    void theWaitFromReadyToActivatingIsTimedAndPassedOnAndNothingElse() throws Exception {
        List<String> told = new ArrayList<>();
        Agent.WaveWait wait = new Agent.WaveWait(new RolloutActivation.Listener() {
            @Override
            public void ready(String current, boolean switched) {
                told.add("ready " + current);
            }

            @Override
            public void activating(List<HookResult> sofar, String current, boolean switched) {
                told.add("activating " + current);
            }
        });
        assertEquals(0, wait.waitedNanos(), "no wave: nothing waited");
        wait.ready("v1", false);
        Thread.sleep(60); // the wave's wait, measured (not a synchronisation)
        wait.activating(List.of(), "v1", false);
        long waited = wait.waitedNanos();
        assertTrue(waited >= TimeUnit.MILLISECONDS.toNanos(60), waited + " ns");
        Thread.sleep(30); // hooks after the release: not waiting
        wait.activating(List.of(), "v2", true);
        assertEquals(waited, wait.waitedNanos(), "only ready to activating counts");
        assertEquals(List.of("ready v1", "activating v1", "activating v2"), told);
    }
}
