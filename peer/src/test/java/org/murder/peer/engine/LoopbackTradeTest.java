package org.murder.peer.engine;

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
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The loopback warm-up: a file through three real engines in this process, and nothing left behind. */
@Timeout(120)
class LoopbackTradeTest {
    @TempDir
    Path tmp;

    private List<Path> left() throws Exception {
        try (Stream<Path> entries = Files.list(tmp)) {
            return entries.toList();
        }
    }

    @Test
    void bothDownloadsGetTheWholeFileTradeWithEachOtherAndTheScratchDirectoryIsGone() throws Exception {
        int bytes = 31 * LoopbackTrade.PIECE + 1000; // 32 pieces, as the commands' warm-ups, the last one short
        LoopbackTrade.Moved moved = LoopbackTrade.inScratch(tmp, bytes, Clock.systemUTC(), Duration.ofSeconds(60));
        assertTrue(moved.downloaded() >= 2L * bytes && moved.downloaded() < 3L * bytes, "two downloads: " + moved);
        assertTrue(moved.traded() > 0, "the two downloads sent each other pieces, as the hosts of a deploy do: " + moved);
        assertEquals(List.of(), left(), "the scratch directory is removed");
    }

    @Test
    void aKilledProcesssScratchDirectoryIsRemovedOnceStaleAndARunningOnesIsNot() throws Exception {
        Path stale = Files.createDirectories(tmp.resolve(LoopbackTrade.SCRATCH_PREFIX + "1/seed"));
        Files.writeString(stale.resolve("warm-up.bin"), "x");
        Files.setLastModifiedTime(stale.getParent(), FileTime.from(Instant.now().minus(LoopbackTrade.STALE).minusSeconds(60)));
        Path running = Files.createDirectories(tmp.resolve(LoopbackTrade.SCRATCH_PREFIX + "2"));
        Path unrelated = Files.createDirectories(tmp.resolve("other"));
        Files.setLastModifiedTime(unrelated, FileTime.from(Instant.now().minus(LoopbackTrade.STALE).minusSeconds(60)));
        LoopbackTrade.inScratch(tmp, LoopbackTrade.PIECE, Clock.systemUTC(), Duration.ofSeconds(60));
        assertEquals(Set.of(running, unrelated), Set.copyOf(left()));
    }

    @Test
    void workOnItsOwnThreadHandsBackWhatItThrewAnErrorToo() throws Exception {
        CompletableFuture<Object> run = LoopbackTrade.onOwnThread(() -> {
            throw new OutOfMemoryError("a heap too small");
        }, "test-warm-up");
        ExecutionException e = assertThrows(ExecutionException.class, () -> run.get(30, TimeUnit.SECONDS));
        assertEquals("a heap too small", e.getCause().getMessage());
        assertEquals("done", LoopbackTrade.onOwnThread(() -> "done", "test-warm-up").get(30, TimeUnit.SECONDS));
    }

    @Test
    void aWarmUpOutOfTimeSaysSoAndLeavesNothingBehind() throws Exception {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> LoopbackTrade.inScratch(tmp, 8 << 20, Clock.systemUTC(), Duration.ofMillis(1)));
        assertTrue(e.getMessage().startsWith("warm-up: ") && e.getMessage().contains(" within "), e.getMessage());
        assertEquals(List.of(), left(), "the scratch directory is removed, the engines closed");
    }

    @Test
    void aWarmUpOfNothingIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> LoopbackTrade.inScratch(tmp, 0, Clock.systemUTC(), Duration.ofSeconds(1)));
    }
}
