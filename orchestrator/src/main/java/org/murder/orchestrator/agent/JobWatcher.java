package org.murder.orchestrator.agent;

import java.io.Closeable;
import java.util.List;
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
 * not list again at once: each agent waits a random delay within {@link SpreadTask#spreadMillis} (from the
 * fleet size it last saw) so that the ensemble sees the fleet's re-reads spread out rather than in
 * one burst. ZooKeeper's client restores the watch itself on a reconnection within the session;
 * the delayed listing catches what a new session missed.
 */
final class JobWatcher implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(JobWatcher.class);
    /** Job nodes murder may not read, as last listed. */
    private final java.util.Set<String> unreadableIds = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Unreadable job nodes: a few lines a minute, then a count. */
    private final org.murder.core.LogThrottle unreadableLog = new org.murder.core.LogThrottle(60_000, 3);

    /** A job node: its id, data and stat (for the creation zxid). */
    interface Sink {
        void job(String id, byte[] data, Stat stat);
    }

    private final CuratorFramework zk;
    private final String agent;
    private final Predicate<String> known;
    private final Sink sink;
    private final SpreadTask listing;
    private final Watcher watcher = this::onEvent;
    private final ConnectionStateListener connection = this::onConnection;
    private volatile boolean closed;

    /**
     * @param known     ids of jobs already handled or ignored, never read again
     * @param fleetSize the host count of the last job seen (sets the spread of re-reads)
     */
    JobWatcher(CuratorFramework zk, String agent, Predicate<String> known, Sink sink, IntSupplier fleetSize) {
        this.zk = zk;
        this.agent = agent;
        this.known = known;
        this.sink = sink;
                this.listing = new SpreadTask("murder-agent-jobs-" + agent, "[agent=" + agent + "] list " + ZkPaths.JOBS, this::list,
                fleetSize);
    }

    /** Lists {@code /jobs} now (a failure is retried in the background) and watches it. */
    void start() {
        zk.getConnectionStateListenable().addListener(connection);
        listing.now();
    }

    /** Lists {@code /jobs} again now (jobs passed by while the agent could not take them). */
    void listNow() {
        if (!closed) {
            listing.now();
        }
    }

    private void onEvent(WatchedEvent event) {
        if (!closed && event.getType() == Watcher.Event.EventType.NodeChildrenChanged) {
            listing.now();
        }
    }

    private void onConnection(CuratorFramework client, ConnectionState state) {
        if (closed || state != ConnectionState.RECONNECTED) {
            return;
        }
        LOG.debug("[agent={}] reconnected: listing {} again within the fleet's spread", agent, ZkPaths.JOBS);
        listing.afterSpread();
    }

    private void unreadable(String id) {
        long heldBack = unreadableLog.acquire();
        if (heldBack >= 0) {
            LOG.warn("{}: not readable with murder's credentials (made by a client without the job secret); skipped{}",
                    org.murder.core.Printable.escape(ZkPaths.job(id)), org.murder.core.LogThrottle.suffix(heldBack));
        }
    }

    /** Lists the jobs (setting the watch again) and reads the unseen ones; on a failure tries again later. */
    private void list() {
        if (closed) {
            return;
        }
        try {
            List<String> ids = zk.getChildren().usingWatcher(watcher).forPath(ZkPaths.JOBS);
            unreadableIds.retainAll(new java.util.HashSet<>(ids)); // only those still there: bounded by the listing
            for (String id : ids) {
                if (closed || known.test(id) || unreadableIds.contains(id)) {
                    continue;
                }
                Stat stat = new Stat();
                byte[] data;
                try {
                    data = zk.getData().storingStatIn(stat).forPath(ZkPaths.job(id));
                } catch (KeeperException.NoNodeException gone) {
                    continue; // removed meanwhile
                } catch (KeeperException.NoAuthException notOurs) {
                    // made by a client without the secret (a tree of an earlier murder let anyone add nodes): no job. It used
                    // to end the listing, and the jobs listed after it were never read
                    unreadable(id);
                    unreadableIds.add(id); // not read again at every listing
                    continue;
                }
                sink.job(id, data, stat);
            }
            listing.succeeded();
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
        if (!closed) {
            listing.failed(e);
        }
    }

    @Override
    public void close() {
        closed = true;
        zk.getConnectionStateListenable().removeListener(connection);
        listing.close();
    }
}
