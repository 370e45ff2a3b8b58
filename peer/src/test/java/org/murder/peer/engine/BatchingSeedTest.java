package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.PeerId;
import org.murder.core.PortRange;
import org.murder.peer.storage.Storage;

/**
 * A seed that answers all the requests it holds once every 500 ms, as transmission 3.00 does,
 * against a real engine over loopback sockets. Its rate is whatever we keep in flight per 500 ms.
 * Sized by the rate of 100 ms windows, that fell to the floor within 3 s (batches of 16, 16, 9, 9,
 * 5, 5, then 4 blocks: 128 KiB/s) and 32 MiB took 251 s on a 2-core box; now (RequestDepth: the
 * depth doubles, and each doubling doubles the rate at the same interval) batches of 16, 16, 9, 32,
 * 32, 64, 64, 128, 128, then the pipeline's 256 (8 MiB/s): 7.9 s.
 */
@Timeout(120)
class BatchingSeedTest {
    private static final int SIZE = 32 * 1024 * 1024;
    private static final int PIECE = 256 * 1024;
    /** Several times what it takes now, and a thirtieth of what it took. */
    private static final Duration BOUND = Duration.ofSeconds(40);

    @TempDir
    Path tmp;

    private final LoopbackEngines engines = new LoopbackEngines(new PortRange(49000, 49999));

    @AfterEach
    void close() {
        engines.close();
    }

    private static PeerId transmissionId() {
        return PeerId.of("-TR3000-batching0001".getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void aSeedThatAnswersInBatchesEvery500MsIsNotReadAsASlowPeer() throws Exception {
        TorrentFixture t = TorrentFixture.create(tmp.resolve("seed"), "app.tar.gz", SIZE, PIECE, List.of(), 29);
        try (RawSeed seed = RawSeed.batching(t, transmissionId(), Duration.ofMillis(500))) {
            Path dir = tmp.resolve("leech");
            Files.createDirectories(dir);
            Torrent session = engines.start().add(t.meta(), Storage.forDownload(t.meta(), dir),
                    SessionOptions.download(Optional.of(t.md5()), Optional.empty()), SessionListener.NONE);
            session.addPeers(List.of(seed.at()));
            session.completed().get(BOUND.toSeconds(), TimeUnit.SECONDS); // a TimeoutException fails the test
            assertArrayEquals(t.data(), Files.readAllBytes(dir.resolve("app.tar.gz")));
            int largest = seed.batches.stream().mapToInt(Integer::intValue).max().orElse(0);
            assertTrue(largest >= 128, "the largest batch was " + largest + " requests (the floor is 4): " + seed.batches);
        }
    }
}
