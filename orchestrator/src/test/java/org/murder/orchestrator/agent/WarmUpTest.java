package org.murder.orchestrator.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.murder.orchestrator.job.JobSigner;
import org.murder.peer.engine.LoopbackTrade;

/** The agent's warm-up: the whole release through real loopback engines, and nothing left behind. */
class WarmUpTest {
    private static final String SECRET = "a secret of the agent's, 32 chars";
    @TempDir
    Path tmp;

    private List<Path> left() throws Exception {
        try (Stream<Path> entries = Files.list(tmp)) {
            return entries.sorted().toList();
        }
    }

    @Test
    void theReleaseMovesOverLoopbackBetweenPeersAndNothingIsLeftBehind() throws Exception {
        WarmUp.Result r = WarmUp.run(new JobSigner(SECRET), tmp, Clock.systemUTC(), Duration.ofSeconds(60));
        assertTrue(r.bytes() >= 2L * WarmUp.BYTES && r.bytes() < 3L * WarmUp.BYTES, "two downloads through the engines: " + r);
        assertTrue(r.traded() > 0, "the two downloads sent each other pieces, as the hosts of a deploy do: " + r);
        assertEquals(List.of(), left(), "the scratch directory is gone");
    }

    @Test
    void aWarmUpOutOfTimeFailsAndLeavesNothingBehind() throws Exception {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> WarmUp.run(new JobSigner(SECRET), tmp, Clock.systemUTC(), Duration.ofMillis(1)));
        assertTrue(e.getMessage().startsWith("warm-up: ") && e.getMessage().contains(" within "), e.getMessage());
        assertEquals(List.of(), left(), "the scratch directory is gone, the engines closed");
    }

    @Test
    void aKilledAgentsScratchDirectoryIsRemovedOnceStaleAndARunningOnesIsNot() throws Exception {
        Path stale = Files.createDirectories(tmp.resolve("murder-warm-up-1/seed"));
        Files.writeString(stale.resolve("warm-up.bin"), "x");
        Files.setLastModifiedTime(stale.getParent(), FileTime.from(Instant.now().minus(LoopbackTrade.STALE).minusSeconds(60)));
        Path running = Files.createDirectories(tmp.resolve("murder-warm-up-2"));
        Path unrelated = Files.createDirectories(tmp.resolve("other"));
        Files.setLastModifiedTime(unrelated, FileTime.from(Instant.now().minus(LoopbackTrade.STALE).minusSeconds(60)));
        WarmUp.run(new JobSigner(SECRET), tmp, Clock.systemUTC(), Duration.ofSeconds(60));
        assertEquals(List.of(running, unrelated), left());
    }
}
