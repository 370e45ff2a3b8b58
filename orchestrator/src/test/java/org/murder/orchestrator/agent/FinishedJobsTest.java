package org.murder.orchestrator.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.murder.testkit.MutableClock;

class FinishedJobsTest {
    @TempDir
    Path root;

    private final MutableClock clock = MutableClock.fixture();

    @Test
    void aJobRunToItsEndIsKnownAfterARestartUntilItsDeadline() throws Exception {
        FinishedJobs before = new FinishedJobs(root, clock);
        before.add("v1-a", clock.millis() + 60_000);
        before.add("v2-b", clock.millis() + 600_000);
        FinishedJobs restarted = new FinishedJobs(root, clock);
        assertTrue(restarted.contains("v1-a") && restarted.contains("v2-b"));
        assertFalse(restarted.contains("v3-c"));
        clock.advance(Duration.ofMinutes(2)); // v1-a's deadline passed: an agent never starts it again anyway
        restarted.add("v3-c", clock.millis() + 60_000);
        assertEquals("v2-b " + (clock.millis() - 120_000 + 600_000) + "\nv3-c " + (clock.millis() + 60_000) + "\n",
                Files.readString(root.resolve(FinishedJobs.FILE)));
    }

    @Test
    void aDamagedRecordIsReadForWhatItHoldsAndRewritten() throws Exception {
        Files.writeString(root.resolve(FinishedJobs.FILE), "garbage\nv1-a 99999999999999\n\u0000\u0001 x\n");
        FinishedJobs jobs = new FinishedJobs(root, clock);
        assertTrue(jobs.contains("v1-a"));
        assertFalse(jobs.contains("garbage"));
    }
}
