package org.murder.orchestrator.agent;

import java.io.Closeable;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An agent's ephemeral registration node, kept while the agent runs. The first registration is
 * made at once. When the node goes (its session expired: a partition that cut off thousands of
 * agents, or a hand that deleted it) it is made again after a random delay within
 * {@link SpreadTask#spreadMillis} of the fleet size, so a fleet coming back does not write its
 * registrations in one burst. A node of another session (an earlier run of this agent whose
 * session has not expired yet) is left alone; ours is made when it goes.
 */
final class Registration implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(Registration.class);

    private final CuratorFramework zk;
    private final String path;
    private final byte[] data;
    private final SpreadTask upkeep;
    private final Watcher watcher = this::onEvent;
    private final ConnectionStateListener connection = this::onConnection;
    private volatile boolean closed;

    Registration(CuratorFramework zk, String agent, String path, byte[] data, IntSupplier fleetSize) {
        this.zk = zk;
        this.path = path;
        this.data = data.clone();
        this.upkeep = new SpreadTask("murder-agent-registration-" + agent, "register " + path, this::ensure, fleetSize);
    }

    /** Registers now; false when it could not within {@code timeoutMillis} (it keeps trying in the background). */
    boolean start(long timeoutMillis) throws InterruptedException {
        zk.getConnectionStateListenable().addListener(connection);
        java.util.concurrent.Future<?> first = upkeep.now();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        try {
            first.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // ensure() retries by itself
        }
        while (System.nanoTime() < deadline) {
            if (isRegistered()) {
                return true;
            }
            Thread.sleep(50); // bounded: polls the node until the deadline while retries run
        }
        return isRegistered();
    }

    /**
     * An ephemeral node is there (ours, or an earlier run's until its session expires: the deployer sees this agent
     * either way); a persistent one is no agent's.
     */
    private boolean isRegistered() {
        try {
            return org.murder.orchestrator.zk.Zk.isRegistration(zk.checkExists().forPath(path));
        } catch (Exception e) {
            return false;
        }
    }

    private void onEvent(WatchedEvent event) {
        if (!closed && event.getType() == Watcher.Event.EventType.NodeDeleted) {
            later();
        }
    }

    private void onConnection(CuratorFramework client, ConnectionState state) {
        if (!closed && state == ConnectionState.RECONNECTED) {
            later(); // a new session has no node of ours: checked (and made) after a spread delay
        }
    }

    private void later() {
        if (!closed) {
            upkeep.afterSpread();
        }
    }

    /** Makes the node when it is missing (or an old session's of ours), and watches it. */
    private void ensure() {
        if (closed) {
            return;
        }
        try {
            long session = zk.getZookeeperClient().getZooKeeper().getSessionId();
            Stat stat = zk.checkExists().usingWatcher(watcher).forPath(path);
            if (stat != null && stat.getEphemeralOwner() == 0) {
                // no agent's: registrations are ephemeral. Left alone, one made by anyone (another address, other roles)
                // stood for this agent for good, and the deploy could never see it go
                LOG.warn("{} is a persistent node, not an agent's registration (someone else made it); replacing it with ours",
                        path);
                try {
                    zk.delete().withVersion(stat.getVersion()).forPath(path);
                } catch (KeeperException.NoNodeException | KeeperException.BadVersionException changed) {
                    // gone or changed meanwhile: looked at again below
                }
                stat = zk.checkExists().usingWatcher(watcher).forPath(path);
            }
            if (stat != null && stat.getEphemeralOwner() != session) {
                // an earlier run of this agent (its session not expired yet), or a node made by hand: left alone;
                // the watch set above tells when it goes, and ours is made then
                LOG.debug("{} is held by session 0x{}, not ours: registering once it goes", path, Long.toHexString(stat.getEphemeralOwner()));
            }
            if (stat == null) {
                try {
                    zk.create().creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(path, data);
                } catch (KeeperException.NodeExistsException raced) {
                    // another session of this name made it meanwhile: the watch set above tells when it goes
                }
                stat = zk.checkExists().usingWatcher(watcher).forPath(path);
            }
            if (stat != null && stat.getEphemeralOwner() == 0) {
                // made again as soon as it was deleted: no NodeDeleted will come for it, so this is tried again (with backoff)
                throw new IllegalStateException(path + " is a persistent node again, made by someone else as soon as it was"
                        + " deleted; not registered");
            }
            upkeep.succeeded();
        } catch (Exception e) {
            if (!closed) {
                upkeep.failed(e);
            }
        }
    }

    /** Stops keeping the node and deletes it (the session's end removes it otherwise). */
    @Override
    public void close() {
        closed = true;
        zk.getConnectionStateListenable().removeListener(connection);
        upkeep.close();
        try {
            Stat stat = zk.checkExists().forPath(path);
            if (stat != null && stat.getEphemeralOwner() == zk.getZookeeperClient().getZooKeeper().getSessionId()) {
                zk.delete().forPath(path);
            }
        } catch (Exception e) {
            LOG.debug("unregister {}: {}", path, e.toString());
        }
    }
}
