package org.murder.orchestrator.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.murder.orchestrator.job.JobSigner;

/** The agent's warm-up: the whole release through real loopback engines, and nothing left behind. */
class WarmUpTest {
    @TempDir
    Path tmp;

    @Test
    void theReleaseMovesOverLoopbackAndNothingIsLeftBehind() throws Exception {
        WarmUp.Result r = WarmUp.run(new JobSigner("a secret of the agent's"), tmp, Clock.systemUTC(), Duration.ofSeconds(60));
        assertTrue(r.bytes() >= 2L * WarmUp.BYTES && r.bytes() < 3L * WarmUp.BYTES, "two downloads through the engines: " + r);
        assertTrue(r.took().compareTo(Duration.ofSeconds(60)) < 0, r.toString());
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(0, left.count(), "the scratch directory is gone");
        }
    }
}
