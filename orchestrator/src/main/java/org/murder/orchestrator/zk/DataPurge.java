package org.murder.orchestrator.zk;

import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.server.PurgeTxnLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes a ZooKeeper server's old snapshots and transaction logs, keeping the newest
 * {@code retain} snapshots and the logs they need (ZooKeeper's own {@link PurgeTxnLog}, what its
 * {@code autopurge.*} settings run; a server started from murder's code starts no purge of its
 * own). Without it the data directory only grew: a snapshot and a log at every restart and every
 * 100,000 transactions (about 35 a deploy to 3 hosts), never deleted, until the disk filled and
 * ZooKeeper, then every deploy, stopped. Runs at start, then every {@code every}.
 */
public final class DataPurge implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DataPurge.class);
    /** ZooKeeper keeps at least 3 snapshots when it purges. */
    public static final int MIN_RETAIN = 3;

    private final File logDir;
    private final File snapDir;
    private final int retain;
    private final ScheduledExecutorService timer;

    private DataPurge(File logDir, File snapDir, int retain, Duration every) {
        this.logDir = logDir;
        this.snapDir = snapDir;
        this.retain = retain;
        if (every.isZero()) {
            timer = null;
            return;
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "murder-zookeeper-purge");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::runQuietly, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Purges the data under {@code logDir} and {@code snapDir} (as given to ZooKeeper, without
     * {@code version-2}) every {@code every} from now, keeping {@code retain} snapshots; a zero
     * {@code every} never (the operator purges: ZooKeeper's {@code zkCleanup.sh}).
     */
    public static DataPurge every(Duration every, File logDir, File snapDir, int retain) {
        if (retain < MIN_RETAIN) {
            throw new IllegalArgumentException("snapshots to keep: " + retain + " (expected: " + MIN_RETAIN + " or more)");
        }
        if (every.isNegative()) {
            throw new IllegalArgumentException("purge interval: " + every + " (expected: 0 for never, or a positive duration)");
        }
        return new DataPurge(logDir, snapDir, retain, every);
    }

    /** Purges now, on the caller's thread. */
    public void runNow() throws IOException {
        PurgeTxnLog.purge(logDir, snapDir, retain);
    }

    private void runQuietly() {
        try {
            runNow();
        } catch (IOException | RuntimeException e) { // the next run tries again; the server is not stopped for it
            LOG.warn("zookeeper: purging old snapshots and logs under {}: {}", snapDir, e.toString());
        }
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
