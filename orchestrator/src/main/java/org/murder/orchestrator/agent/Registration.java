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
 * session has not expired yet) is left alone; ours is made when it goes. But an earlier run on this host whose process
 * is gone (killed: {@link AgentProcess}) is replaced at once.
 */
final class Registration implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(Registration.class);

    private final CuratorFramework zk;
    private final String path;
    private final byte[] data;
    /** {@code data} read as a registration; null when it is not one (a test's bytes). */
    private final org.murder.orchestrator.job.AgentInfo mine;
    private final SpreadTask upkeep;
    private final Watcher watcher = this::onEvent;
    private final ConnectionStateListener connection = this::onConnection;
    private final String agent;
    private final Runnable becameOurs;
    /** Whether a node's data was written by a holder of the job secret (another agent of this name, or an earlier run). */
    private final java.util.function.Predicate<byte[]> signedByUs;
    private volatile boolean closed;
    /** The node is this session's: the agent takes jobs only then. */
    private volatile boolean ours;
    /**
     * The ZooKeeper sessions this registration has run under (a few; its client's, each time it looked): a node of one of
     * them is this process's own, of a session its client gave up. The process identity alone is not enough: a VM cloned
     * with its memory, or a process restored from a checkpoint, has the same, and the two would delete each other's node.
     */
    private final java.util.Set<Long> sessions = java.util.Collections.synchronizedSet(new java.util.LinkedHashSet<>());
    /** Who holds the node when another session does (for health and logs); null when nobody else does. */
    private volatile String heldBy;
    private volatile Exception lastFailure;
    /** The other session last told of, so that a holder is logged once, not at every look. */
    private long toldOf;

    Registration(CuratorFramework zk, String agent, String path, byte[] data, IntSupplier fleetSize) {
        this(zk, agent, path, data, fleetSize, () -> { }, d -> true);
    }

    /** @param becameOurs run (on the registration's thread) when the node becomes this session's after it was not */
    Registration(CuratorFramework zk, String agent, String path, byte[] data, IntSupplier fleetSize, Runnable becameOurs) {
        this(zk, agent, path, data, fleetSize, becameOurs, d -> true);
    }

    /**
     * @param becameOurs run (on the registration's thread) when the node becomes this session's after it was not
     * @param signedByUs whether a node's data is signed with the job secret: a node of another session that is not
     *                   was made by a client without it (anyone may create nodes), and is replaced, not waited for
     */
    Registration(CuratorFramework zk, String agent, String path, byte[] data, IntSupplier fleetSize, Runnable becameOurs,
            java.util.function.Predicate<byte[]> signedByUs) {
        this.zk = zk;
        this.signedByUs = signedByUs;
        this.agent = agent;
        this.path = path;
        this.data = data.clone();
        this.mine = readInfo(data);
        this.becameOurs = becameOurs;
        this.upkeep = new SpreadTask("murder-agent-registration-" + agent, "register " + path, this::ensure, fleetSize);
    }

    /** Whether the node is this session's. */
    boolean ours() {
        return ours;
    }

    /**
     * Why the agent holds no registration of its own, when another session holds its name: another live
     * agent of the same name (a cloned host, a name used twice), or this agent's earlier run whose session
     * has not expired yet. Empty when the node is ours or nobody's.
     */
    java.util.Optional<String> heldByOther() {
        return java.util.Optional.ofNullable(ours ? null : heldBy);
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
            heldSession(session);
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
            if (stat != null && stat.getEphemeralOwner() != session && !signed()) {
                // anyone may create nodes: a registration not signed with the job secret is no agent's. Waited for, a
                // client without the secret kept an agent from taking jobs for as long as it held the name
                LOG.warn("{} is held by a registration not signed with the job secret (made by a client without it, or by an agent"
                        + " of a murder before 2026-12-07, which then still runs this name's jobs until it is stopped);"
                        + " replacing it with ours", path);
                try {
                    zk.delete().withVersion(stat.getVersion()).forPath(path);
                } catch (KeeperException.NoNodeException | KeeperException.BadVersionException changed) {
                    // gone or changed meanwhile: looked at again below
                }
                stat = zk.checkExists().usingWatcher(watcher).forPath(path);
            }
            if (stat != null && stat.getEphemeralOwner() != session && sessions.contains(stat.getEphemeralOwner())
                    && thisProcessEarlierSession()) {
                // this very process's node, of a session its client gave up (Curator declares a session lost after its timeout
                // without a connection, as in a quorum outage) that the ensemble keeps until it expires it there, a session
                // timeout after the quorum came back: no job was taken for that long, while the agent said it took them
                LOG.info("[agent={}] {} is held by this agent's own earlier session 0x{}, given up by this client and not expired"
                        + " by ZooKeeper yet: replacing it with ours", agent, path, Long.toHexString(stat.getEphemeralOwner()));
                try {
                    zk.delete().withVersion(stat.getVersion()).forPath(path);
                } catch (KeeperException.NoNodeException | KeeperException.BadVersionException changed) {
                    // gone or changed meanwhile: looked at again below
                }
                stat = zk.checkExists().usingWatcher(watcher).forPath(path);
            }
            if (stat != null && stat.getEphemeralOwner() != session && earlierRunGone(stat)) {
                // this agent's earlier run, killed on this host (kill -9, the OOM killer): its session would hold the name
                // until ZooKeeper expires it, and no job was taken for that long (30 s) after a restart
                LOG.info("[agent={}] {} is held by this agent's earlier run, whose process is gone (session 0x{} not expired"
                        + " yet): replacing it with ours", agent, path, Long.toHexString(stat.getEphemeralOwner()));
                try {
                    zk.delete().withVersion(stat.getVersion()).forPath(path);
                } catch (KeeperException.NoNodeException | KeeperException.BadVersionException changed) {
                    // gone or changed meanwhile: looked at again below
                }
                stat = zk.checkExists().usingWatcher(watcher).forPath(path);
            }
            if (stat != null && stat.getEphemeralOwner() != session) {
                // another live agent of this name, or an earlier run of this agent (its session not expired yet): left
                // alone; the watch set above tells when it goes, and ours is made then. No jobs are taken meanwhile: a
                // second agent of the same name ran the other's jobs unseen, and said it was registered and healthy
                heldBy(stat);
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
            if (stat != null && stat.getEphemeralOwner() != 0 && stat.getEphemeralOwner() != session && heldBy == null) {
                heldBy(stat); // another session made it between our look and our create (twins booting together)
            }
            boolean was = ours;
            ours = stat != null && stat.getEphemeralOwner() == session;
            if (ours) {
                heldBy = null;
                if (!was && toldOf != 0) {
                    LOG.info("[agent={}] registered: {} is this agent's now; taking jobs", agent, path);
                }
                toldOf = 0;
            }
            upkeep.succeeded();
            lastFailure = null;
            if (ours && !was) {
                becameOurs.run();
            }
        } catch (Exception e) {
            lastFailure = e;
            if (!closed) {
                upkeep.failed(e);
            }
        }
    }

    /** Why the last attempt to register failed; null when none did. */
    Exception lastFailure() {
        return lastFailure;
    }

    /** Whether the node's data is signed with the job secret (gone: yes, nothing to replace). */
    private boolean signed() throws Exception {
        try {
            return signedByUs.test(zk.getData().forPath(path));
        } catch (KeeperException.NoNodeException gone) {
            return true;
        }
    }

    /** Notes {@code session} as one this registration ran under (the last 16 kept). */
    void heldSession(long session) {
        synchronized (sessions) {
            if (sessions.add(session) && sessions.size() > 16) {
                sessions.remove(sessions.iterator().next());
            }
        }
    }

    /** Whether the node holds this process's own registration (its process identity: pid and start time), signed. */
    private boolean thisProcessEarlierSession() {
        try {
            org.murder.orchestrator.job.AgentInfo theirs = org.murder.orchestrator.job.Json.read(zk.getData().forPath(path),
                    org.murder.orchestrator.job.AgentInfo.class);
            return earlierRun(theirs) && mine.process() != null && !mine.process().isEmpty() && mine.process().equals(theirs.process())
                    && signed();
        } catch (Exception unreadable) {
            return false;
        }
    }

    /**
     * Whether the node (of another session, signed) is this agent's earlier run's, on the same host, address and
     * releases, and says a process that {@link AgentProcess} finds gone for certain.
     */
    private boolean earlierRunGone(Stat stat) {
        try {
            org.murder.orchestrator.job.AgentInfo theirs = org.murder.orchestrator.job.Json.read(zk.getData().forPath(path),
                    org.murder.orchestrator.job.AgentInfo.class);
            return earlierRun(theirs) && theirs.process() != null && !theirs.process().equals(mine.process())
                    && AgentProcess.goneForCertain(theirs.process());
        } catch (Exception unreadable) {
            return false; // waited for, as before
        }
    }

    /** Whether {@code theirs} is this agent's earlier run: the same host, address and releases. */
    private boolean earlierRun(org.murder.orchestrator.job.AgentInfo theirs) {
        return mine != null && theirs.host().equals(mine.host()) && theirs.ip().equals(mine.ip())
                && theirs.destRoot().equals(mine.destRoot());
    }

    private static org.murder.orchestrator.job.AgentInfo readInfo(byte[] data) {
        try {
            return org.murder.orchestrator.job.Json.read(data, org.murder.orchestrator.job.AgentInfo.class);
        } catch (RuntimeException notOne) {
            return null;
        }
    }

    /** Notes (and logs once a holder) that another session holds the node {@code stat} is of. */
    private void heldBy(Stat stat) {
        String holder;
        boolean earlierRun;
        try {
            org.murder.orchestrator.job.AgentInfo theirs = org.murder.orchestrator.job.Json.read(zk.getData().forPath(path),
                    org.murder.orchestrator.job.AgentInfo.class);
            holder = "host " + theirs.host() + ", ip " + theirs.ip() + ", releases under " + theirs.destRoot();
            earlierRun = earlierRun(theirs);
        } catch (Exception unreadable) {
            holder = "data unreadable";
            earlierRun = false;
        }
        String session = "session 0x" + Long.toHexString(stat.getEphemeralOwner());
        heldBy = (earlierRun ? "waiting for the registration of this agent's earlier run (" + session + ") to expire"
                : "the name " + agent + " is registered by another live agent (" + holder + ", " + session + ")")
                + ": no jobs taken until it goes";
        if (toldOf != stat.getEphemeralOwner()) {
            toldOf = stat.getEphemeralOwner();
            if (earlierRun) {
                LOG.info("[agent={}] {}", agent, org.murder.core.Printable.escape(heldBy));
            } else {
                LOG.warn("[agent={}] {} (expected: a unique --name on every host)", agent, org.murder.core.Printable.escape(heldBy));
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
