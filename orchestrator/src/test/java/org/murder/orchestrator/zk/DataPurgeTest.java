package org.murder.orchestrator.zk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server of {@code murder zookeeper} writes a snapshot and starts a log at every start (and
 * every 100,000 transactions) and deleted none: six restarts, six snapshots. The purge keeps the
 * newest three and the data they hold.
 */
class DataPurgeTest {
    @TempDir
    Path tmp;

    private static long count(Path dir, String prefix) throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve("version-2"))) {
            return files.filter(f -> f.getFileName().toString().startsWith(prefix)).count();
        }
    }

    @Test
    void oldSnapshotsAndLogsGoTheNewestThreeAndTheDataStay() throws Exception {
        for (int run = 0; run < 6; run++) { // bounded: six restarts, a write each
            try (StandaloneZooKeeper server = StandaloneZooKeeper.start(tmp, "127.0.0.1", 0);
                    CuratorFramework zk = Zk.connect(ZkSettings.of(server.connectString()))) {
                zk.create().creatingParentsIfNeeded().forPath("/murder-test/run-" + run, ("run " + run).getBytes(StandardCharsets.UTF_8));
            }
        }
        Path snaps = StandaloneZooKeeper.snapDir(tmp);
        Path logs = StandaloneZooKeeper.logDir(tmp);
        assertTrue(count(snaps, "snapshot.") >= 6, "a snapshot a start: " + count(snaps, "snapshot."));
        long logsBefore = count(logs, "log.");

        try (DataPurge purge = DataPurge.every(Duration.ZERO, logs.toFile(), snaps.toFile(), 3)) {
            purge.runNow();
        }
        assertEquals(3, count(snaps, "snapshot."));
        assertTrue(count(logs, "log.") < logsBefore, count(logs, "log.") + " logs of " + logsBefore);
        try (StandaloneZooKeeper server = StandaloneZooKeeper.start(tmp, "127.0.0.1", 0);
                CuratorFramework zk = Zk.connect(ZkSettings.of(server.connectString()))) {
            for (int run = 0; run < 6; run++) {
                assertEquals("run " + run, new String(zk.getData().forPath("/murder-test/run-" + run), StandardCharsets.UTF_8));
            }
        }
    }

    @Test
    void fewerThanThreeSnapshotsOrANegativeIntervalIsRefused() {
        assertEquals("snapshots to keep: 2 (expected: 3 or more)", assertThrows(IllegalArgumentException.class,
                () -> DataPurge.every(Duration.ofHours(1), tmp.toFile(), tmp.toFile(), 2)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> DataPurge.every(Duration.ofSeconds(-1), tmp.toFile(), tmp.toFile(), 3));
    }
}
