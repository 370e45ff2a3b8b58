package org.murder.orchestrator.agent;

import java.io.Closeable;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.Predicate;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;
import org.murder.orchestrator.zk.ZkPaths;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches {@code /jobs} for new jobs and hands each unseen one over, once: a child watch on
 * {@code /jobs} and a read of each job node this agent does not know yet. A job it saw is never
 * read again (jobs are immutable once signed), so the reads an agent makes do not grow with the
 * jobs kept in ZooKeeper.
 *
 * <p>After a reconnection (a leader change, a session expiry: thousands of agents at once) it does
 * not list again at once: each agent waits a random delay within {@link #spreadMillis} (from the
 * fleet size it last saw) so that the ensemble sees the fleet's re-reads spread out rather than in
 * one burst. ZooKeeper's client restores the watch itself on a reconnection within the session;
 * the delayed listing catches what a new session missed.
 */
final class JobWatcher implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(JobWatcher.class);
    /** Listings a second the fleet's re-reads are spread to. */
    static final int RELISTS_PER_SECOND = 1500;
    static final long MIN_SPREAD_MILLIS = 1000;
    static final long MAX_SPREAD_MILLIS = 10_000;

    /** A job node: its id, data and stat (for the creation zxid). */
    interface Sink {
        void job(String id, byte[] data, Stat stat);
    }

    private final CuratorFramework zk;
    private final String agent;
    private final Predicate<String> known;
    private final Sink sink;
    private final IntSupplier fleetSize;
    private final ScheduledExecutorService executor;
    private final Watcher watcher = this::onEvent;
    private final ConnectionStateListener connection = this::onConnection;
    private volatile boolean closed;
    private long backoff = 200;

    /**
     * @param known     ids of jobs already handled or ignored, never read again
     * @param fleetSize the host count of the last job seen (sets the spread of re-reads)
     */
    JobWatcher(CuratorFramework zk, String agent, Predicate<String> known, Sink sink, IntSupplier fleetSize) {
        this.zk = zk;
        this.agent = agent;
        this.known = known;
        this.sink = sink;
        this.fleetSize = fleetSize;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "murder-agent-jobs-" + agent);
            t.setDaemon(true);
            return t;
        });
    }

    /** Lists {@code /jobs} now (a failure is retried in the background) and watches it. */
    void start() {
        zk.getConnectionStateListenable().addListener(connection);
        executor.execute(this::list);
    }

    /** How long a fleet of {@code hosts} spreads its re-reads over. */
    static long spreadMillis(int hosts) {
        return Math.min(MAX_SPREAD_MILLIS, Math.max(MIN_SPREAD_MILLIS, Math.max(0, hosts) * 1000L / RELISTS_PER_SECOND));
    }

    private void onEvent(WatchedEvent event) {
        if (!closed && event.getType() == Watcher.Event.EventType.NodeChildrenChanged) {
            executor.execute(this::list);
        }
    }

    private void onConnection(CuratorFramework client, ConnectionState state) {
        if (closed || state != ConnectionState.RECONNECTED) {
            return;
        }
        long delay = ThreadLocalRandom.current().nextLong(spreadMillis(fleetSize.getAsInt()));
        LOG.debug("[agent={}] reconnected: listing {} again in {} ms", agent, ZkPaths.JOBS, delay);
        schedule(delay);
    }

    private void schedule(long delayMillis) {
        if (!closed) {
            try {
                executor.schedule(this::list, delayMillis, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closing
            }
        }
    }

    /** Lists the jobs (setting the watch again) and reads the unseen ones; on a failure tries again later. */
    private void list() {
        if (closed) {
            return;
        }
        try {
            List<String> ids = zk.getChildren().usingWatcher(watcher).forPath(ZkPaths.JOBS);
            for (String id : ids) {
                if (closed || known.test(id)) {
                    continue;
                }
                Stat stat = new Stat();
                byte[] data;
                try {
                    data = zk.getData().storingStatIn(stat).forPath(ZkPaths.job(id));
                } catch (KeeperException.NoNodeException gone) {
                    continue; // removed meanwhile
                }
                sink.job(id, data, stat);
            }
            backoff = 200;
        } catch (KeeperException.NoNodeException e) {
            try {
                zk.createContainers(ZkPaths.JOBS);
            } catch (Exception ignored) {
                // retried below
            }
            retry(e);
        } catch (Exception e) {
            retry(e);
        }
    }

    private void retry(Exception e) {
        if (closed) {
            return;
        }
        long wait = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
        LOG.info("[agent={}] list {}: {}; again in {} ms", agent, ZkPaths.JOBS, e.toString(), wait);
        backoff = Math.min(backoff * 2, 10_000);
        schedule(wait);
    }

    @Override
    public void close() {
        closed = true;
        zk.getConnectionStateListenable().removeListener(connection);
        executor.shutdownNow();
    }
}
