package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
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
        int bytes = 3 * LoopbackTrade.PIECE + 1000; // a short last piece
        LoopbackTrade.Moved moved = LoopbackTrade.inScratch(tmp, bytes, Clock.systemUTC(), Duration.ofSeconds(60));
        assertEquals(bytes, moved.verified(), "each download verified the whole file: " + moved);
        assertTrue(moved.downloaded() >= 2L * bytes && moved.downloaded() < 3L * bytes, "two downloads: " + moved);
        assertEquals(List.of(), left(), "the scratch directory is removed");
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
