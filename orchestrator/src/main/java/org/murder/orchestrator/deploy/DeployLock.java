package org.murder.orchestrator.deploy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.CuratorTransactionResult;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.murder.core.MurderException;
import org.murder.orchestrator.job.Json;
import org.murder.orchestrator.job.NodeData;
import org.murder.orchestrator.zk.ZkPaths;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The locks of one deploy, taken all at once or not at all (one ZooKeeper transaction of
 * ephemeral nodes): its tag and, for a job that switches {@code current}, its target hosts as one
 * set ({@code /host-locks/set-<sequence>}, holding the holder and the host names, gzipped when
 * large): a deploy to 10,000 hosts takes and renews two nodes, not 10,000. A set conflicts with
 * every older set (lower sequence) that shares a host: the younger deploy withdraws, so of two
 * racing deploys exactly the older proceeds. Each node says who holds it ({@link LockHolder}) and
 * carries a heartbeat renewed every {@link #HEARTBEAT}. A lock whose holder is a dead process of
 * this host is taken over (a crashed deploy does not block its own re-run); any other is refused
 * with the holder, its last heartbeat and, when it stopped responding, when ZooKeeper will remove
 * the node.
 */
final class DeployLock implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DeployLock.class);
    static final Duration HEARTBEAT = Duration.ofSeconds(5);
    /** A heartbeat older than this: the holder stopped responding. */
    static final Duration SILENT = HEARTBEAT.multipliedBy(3);
    private static final int ATTEMPTS = 5;

    /** Host lock sets larger than this (JSON bytes) are stored gzipped. */
    private static final int COMPRESS_ABOVE = 16 * 1024;
    private static final int MAX_SET_BYTES = 64 * 1024 * 1024;
    private static final String SET_PREFIX = "set-";

    /** A deploy's hosts and who holds them: the data of {@code /host-locks/set-N}. */
    record HostSet(LockHolder holder, List<String> hosts) {
        HostSet {
            hosts = hosts == null ? List.of() : List.copyOf(hosts);
        }
    }

    private final CuratorFramework zk;
    /** The lock nodes held: the subjects' and the host set's (which a retake replaces by a new sequential node). */
    private final List<String> paths;
    /** The host set's path among {@link #paths} (null: no host locked), and its hosts. */
    private volatile String setPath;
    /** Set first by close(): no lock is taken again after it (a retake in flight would outlive the deploy). */
    private volatile boolean closed;
    /** Locks found lost and said so: told once, not at every heartbeat. */
    private final java.util.Set<String> toldLost = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final List<String> hosts;
    private final Clock clock;
    private final ScheduledExecutorService beat;
    private volatile LockHolder holder;

    private DeployLock(CuratorFramework zk, List<String> paths, String setPath, List<String> hosts, LockHolder holder, Clock clock) {
        this.zk = zk;
        this.paths = new java.util.concurrent.CopyOnWriteArrayList<>(paths);
        this.setPath = setPath;
        this.hosts = List.copyOf(hosts);
        this.holder = holder;
        this.clock = clock;
        this.beat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "murder-deploy-lock");
            t.setDaemon(true);
            return t;
        });
        long every = HEARTBEAT.toMillis();
        beat.scheduleWithFixedDelay(this::heartbeat, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * Takes every lock in {@code subjects} (lock path to what it locks, like "tag v42") and, when
     * {@code hosts} is not empty, those hosts, for {@code what}; or throws a {@link MurderException}
     * naming the first one held.
     */
    static DeployLock acquire(CuratorFramework zk, Map<String, String> subjects, List<String> hosts, String what, Clock clock)
            throws Exception {
        String localHost = localHost();
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            long now = clock.millis();
            LockHolder me = new LockHolder(localHost, ProcessHandle.current().pid(),
                    ProcessHandle.current().info().startInstant().map(Instant::toEpochMilli).orElse(0L), what, now, now,
                    zk.getZookeeperClient().getZooKeeper().getSessionTimeout());
            byte[] data = Json.write(me);
            List<CuratorOp> ops = new ArrayList<>();
            for (String path : subjects.keySet()) {
                zk.createContainers(parent(path));
                ops.add(zk.transactionOp().create().withMode(CreateMode.EPHEMERAL).forPath(path, data));
            }
            if (!hosts.isEmpty()) {
                zk.createContainers(ZkPaths.HOST_LOCKS);
                ops.add(zk.transactionOp().create().withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
                        .forPath(ZkPaths.HOST_LOCKS + "/" + SET_PREFIX, encode(new HostSet(me, hosts))));
            }
            List<CuratorTransactionResult> made;
            try {
                made = zk.transaction().forOperations(ops);
            } catch (KeeperException.NodeExistsException e) {
                // ZooKeeper may have applied the transaction and lost its reply (a member dying between the commit and the
                // answer): Curator's retry then finds this process's own nodes. They are removed and made again; taken for
                // another deploy's, they refused this one ("locked by ... pid <this pid>, which stopped responding")
                removeOwnSets(zk, me);
                for (Map.Entry<String, String> s : subjects.entrySet()) {
                    refuseOrTakeOver(zk, s.getKey(), s.getValue(), localHost, me, clock);
                }
                continue;
            }
            List<String> paths = new ArrayList<>(subjects.keySet());
            String setPath = null;
            if (!hosts.isEmpty()) {
                setPath = made.get(made.size() - 1).getResultPath();
                paths.add(setPath);
                Conflict conflict = olderConflict(zk, setPath, hosts);
                if (conflict != null) {
                    release(zk, paths);
                    if (conflict.holder().isDeadProcessOn(localHost)) {
                        takeOver(zk, conflict.path(), conflict.holder());
                        continue;
                    }
                    throw MurderException.failure(refusal(conflict.path(), "host " + conflict.host(), conflict.holder(),
                            clock.millis()), null);
                }
            }
            return new DeployLock(zk, paths, setPath, hosts, me, clock);
        }
        throw MurderException.failure("lock " + String.join(", ", subjects.values()) + (hosts.isEmpty() ? "" : " and "
                + hosts.size() + " hosts") + ": taken and freed by others " + ATTEMPTS + " times in a row (expected: one deploy"
                + " at a time)", null);
    }

    /** An older host set sharing {@code host} with ours. */
    private record Conflict(String path, String host, LockHolder holder) {
    }

    /** The first older set (lower sequence than {@code ours}) that shares a host with {@code hosts}, or null. */
    private static Conflict olderConflict(CuratorFramework zk, String ours, List<String> hosts) throws Exception {
        long mine = sequence(ours.substring(ours.lastIndexOf('/') + 1));
        java.util.Set<String> wanted = new java.util.HashSet<>(hosts);
        List<String> others = new ArrayList<>(zk.getChildren().forPath(ZkPaths.HOST_LOCKS));
        others.sort(java.util.Comparator.comparingLong(DeployLock::sequence));
        for (String child : others) {
            long seq = sequence(child);
            if (seq < 0) {
                LOG.warn("{}/{}: not a host lock set (a lock of a murder before 2026-12? it is not checked)", ZkPaths.HOST_LOCKS, child);
                continue;
            }
            if (seq >= mine) {
                break; // younger sets withdraw before ours
            }
            String path = ZkPaths.HOST_LOCKS + "/" + child;
            HostSet set;
            try {
                set = decode(zk.getData().forPath(path));
            } catch (KeeperException.NoNodeException gone) {
                continue;
            } catch (IllegalArgumentException bad) {
                throw MurderException.failure("lock " + path + " is held by something that is not a murder deploy (" + bad.getMessage()
                        + "); remove it if it is stale", null);
            }
            for (String h : hosts) {
                if (set.hosts().contains(h) && wanted.contains(h)) {
                    return new Conflict(path, h, set.holder());
                }
            }
        }
        return null;
    }

    /** The sequence number of a set's node name, -1 for any other name. */
    private static long sequence(String child) {
        if (!child.startsWith(SET_PREFIX) || child.length() != SET_PREFIX.length() + 10) {
            return -1;
        }
        try {
            return Long.parseLong(child.substring(SET_PREFIX.length()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static byte[] encode(HostSet set) {
        return NodeData.deflateAbove(Json.write(set), COMPRESS_ABOVE);
    }

    static HostSet decode(byte[] data) {
        return Json.read(NodeData.inflate(data, MAX_SET_BYTES), HostSet.class);
    }

    private static void takeOver(CuratorFramework zk, String path, LockHolder holder) throws Exception {
        try {
            zk.delete().forPath(path);
            LOG.warn("took over lock {} from {} (pid {}, {}), which is no longer running", path, holder.host(), holder.pid(),
                    holder.what());
        } catch (KeeperException.NoNodeException gone) {
            // gone meanwhile
        }
    }

    /** Deletes {@code paths} (ours, just made). */
    private static void release(CuratorFramework zk, List<String> paths) {
        for (String path : paths) {
            try {
                zk.delete().forPath(path);
            } catch (Exception e) {
                LOG.debug("release {}: {}", path, e.toString());
            }
        }
    }

    /**
     * The host lock sets this attempt made (see the transaction's NodeExistsException in acquire): removed. Ours is a set
     * holding this attempt's holder exactly (its host, pid, start and time of the attempt): another deploy of this process
     * (a test, the demo) holds another.
     */
    private static void removeOwnSets(CuratorFramework zk, LockHolder me) throws Exception {
        List<String> sets;
        try {
            sets = zk.getChildren().forPath(ZkPaths.HOST_LOCKS);
        } catch (KeeperException.NoNodeException none) {
            return;
        }
        for (String child : sets) {
            if (sequence(child) < 0) {
                continue;
            }
            String path = ZkPaths.HOST_LOCKS + "/" + child;
            try {
                Stat stat = new Stat();
                if (decode(zk.getData().storingStatIn(stat).forPath(path)).holder().equals(me) && ownedByThisSession(zk, stat)) {
                    removeOwn(zk, path);
                }
            } catch (KeeperException.NoNodeException | IllegalArgumentException goneOrNotOurs) {
                // gone meanwhile, or not a murder set: olderConflict judges it
            }
        }
    }

    /** Whether our ZooKeeper session made the node: with the holder's equality, this very attempt's (two deploys of one JVM differ). */
    private static boolean ownedByThisSession(CuratorFramework zk, Stat stat) throws Exception {
        return stat.getEphemeralOwner() == zk.getZookeeperClient().getZooKeeper().getSessionId();
    }

    private static void removeOwn(CuratorFramework zk, String path) throws Exception {
        try {
            zk.delete().forPath(path);
            LOG.info("lock {} is this process's own, made by a request whose answer was lost: made again", path);
        } catch (KeeperException.NoNodeException gone) {
            // gone meanwhile
        }
    }

    /**
     * For a lock that exists: removes it when its holder is this very attempt ({@code me}, exactly) or a dead process of
     * this host, else throws why it is held.
     */
    private static void refuseOrTakeOver(CuratorFramework zk, String path, String subject, String localHost, LockHolder me, Clock clock)
            throws Exception {
        Stat stat = new Stat();
        byte[] data;
        try {
            data = zk.getData().storingStatIn(stat).forPath(path);
        } catch (KeeperException.NoNodeException gone) {
            return;
        }
        LockHolder holder;
        try {
            holder = Json.read(data, LockHolder.class);
        } catch (IllegalArgumentException notOurs) {
            throw MurderException.failure(subject + " is being deployed right now (" + new String(data,
                    java.nio.charset.StandardCharsets.UTF_8).strip() + "; lock " + path + ")", null);
        }
        if (holder.equals(me) && ownedByThisSession(zk, stat)) {
            try {
                zk.delete().withVersion(stat.getVersion()).forPath(path);
                LOG.info("lock {} is this process's own, made by a request whose answer was lost: made again", path);
            } catch (KeeperException.NoNodeException | KeeperException.BadVersionException changed) {
                // gone or renewed meanwhile: the next attempt sees
            }
            return;
        }
        if (holder.isDeadProcessOn(localHost)) {
            try {
                zk.delete().withVersion(stat.getVersion()).forPath(path);
                LOG.warn("took over lock {} from {} (pid {}, {}), which is no longer running", path, holder.host(), holder.pid(),
                        holder.what());
            } catch (KeeperException.NoNodeException | KeeperException.BadVersionException changed) {
                // gone or renewed meanwhile: the next attempt sees
            }
            return;
        }
        throw MurderException.failure(refusal(path, subject, holder, clock.millis()), null);
    }

    /** Whether {@code h}'s last heartbeat is recent at {@code now} (this host's clock): its holder still answers. */
    static boolean isFresh(LockHolder h, long now) {
        return now - h.heartbeat() <= SILENT.toMillis();
    }

    static String refusal(String path, String subject, LockHolder h, long now) {
        String who = h.host() + " (pid " + h.pid() + ", " + h.what() + ")";
        long silentMillis = now - h.heartbeat();
        if (isFresh(h, now)) {
            return subject + " is being deployed right now by " + who + " since " + Instant.ofEpochMilli(h.since())
                    + "; last heartbeat " + seconds(silentMillis) + " ago (lock " + path + ")";
        }
        Instant expires = Instant.ofEpochMilli(h.heartbeat() + HEARTBEAT.toMillis() + h.sessionTimeoutMs());
        String when = expires.toEpochMilli() > now
                ? "ZooKeeper removes the lock when its session expires, by " + expires + " at the latest; run again then"
                : "yet its ZooKeeper session is still open (hung, or its clock is off?); stop that process to free the lock";
        return subject + " is locked by " + who + ", which stopped responding: last heartbeat " + seconds(silentMillis)
                + " ago; " + when + " (lock " + path + ")";
    }

    private static String seconds(long millis) {
        return Math.max(0, millis / 1000) + " s";
    }

    private void heartbeat() {
        if (closed) {
            return;
        }
        LockHolder next = holder.beating(clock.millis());
        byte[] data = Json.write(next);
        for (String path : paths) {
            boolean set = path.equals(setPath);
            try {
                Stat stat = ours(path);
                if (stat != null) {
                    zk.setData().withVersion(stat.getVersion()).forPath(path, set ? encode(new HostSet(next, hosts)) : data);
                } else if (set ? retakeSet(path, next) : retake(path, data, next)) {
                    toldLost.remove(path);
                } else if (toldLost.add(path)) {
                    LOG.warn("lock {} is no longer ours (our ZooKeeper session expired?) and another deploy holds it now: it may"
                            + " start meanwhile (the agents' check of the newest job keeps each host on the newer one)", path);
                }
            } catch (Exception e) {
                LOG.debug("heartbeat {}: {}", path, e.toString());
            }
        }
        holder = next;
    }

    /**
     * A subject's lock lost with our session (expired while ZooKeeper or this process was away): taken again when nobody
     * holds it, or when its node is this process's, of the session that expired (ZooKeeper removes it only once it expires
     * the session there). It was warned of every 5 s until the deploy ended, and another deploy of the tag could start.
     */
    private boolean retake(String path, byte[] data, LockHolder next) throws Exception {
        Stat stat = new Stat();
        try {
            LockHolder theirs = Json.read(zk.getData().storingStatIn(stat).forPath(path), LockHolder.class);
            if (!sameDeploy(theirs, next)) {
                return false;
            }
            zk.delete().withVersion(stat.getVersion()).forPath(path);
        } catch (KeeperException.NoNodeException | KeeperException.BadVersionException goneOrChanged) {
            // free, or changed: made below when free
        } catch (IllegalArgumentException notOurs) {
            return false;
        }
        synchronized (this) { // not while close() removes the locks
            if (closed) {
                return false;
            }
            try {
                zk.create().creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(path, data);
            } catch (KeeperException.NodeExistsException taken) {
                return false;
            }
        }
        LOG.info("lock {} taken again: our ZooKeeper session had expired, and no other deploy held it", path);
        return true;
    }

    /** The host set lost with our session: a new set made when no older set holds one of our hosts (see acquire). */
    private boolean retakeSet(String path, LockHolder next) throws Exception {
        try {
            HostSet old = decode(zk.getData().forPath(path));
            if (!sameDeploy(old.holder(), next)) {
                return false;
            }
            zk.delete().forPath(path);
        } catch (KeeperException.NoNodeException gone) {
            // expired there too
        } catch (IllegalArgumentException notOurs) {
            return false;
        }
        String made;
        synchronized (this) { // not while close() removes the locks
            if (closed) {
                return false;
            }
            made = zk.create().creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
                    .forPath(ZkPaths.HOST_LOCKS + "/" + SET_PREFIX, encode(new HostSet(next, hosts)));
            if (olderConflict(zk, made, hosts) != null) {
                release(zk, List.of(made));
                return false;
            }
            paths.set(paths.indexOf(path), made);
            setPath = made;
        }
        LOG.info("host lock {} made again as {}: our ZooKeeper session had expired, and no other deploy held our hosts", path, made);
        return true;
    }

    /** Whether two holders are this one deploy at two heartbeats (its process and its start): its node of a session that expired. */
    private static boolean sameDeploy(LockHolder a, LockHolder b) {
        return a.host().equals(b.host()) && a.pid() == b.pid() && a.processStart() == b.processStart() && a.what().equals(b.what())
                && a.since() == b.since();
    }

    /** How long {@link #close} waits for a connection lost a moment ago (a leader election) before it leaves the locks. */
    private static final int RECONNECT_WAIT_SECONDS = 3;

    private boolean connectedWithin(int seconds) {
        try {
            return zk.getZookeeperClient().isConnected() || zk.blockUntilConnected(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The lock's stat when our session owns it, else null. */
    private Stat ours(String path) throws Exception {
        Stat stat = zk.checkExists().forPath(path);
        return stat != null && stat.getEphemeralOwner() == zk.getZookeeperClient().getZooKeeper().getSessionId() ? stat : null;
    }

    private static String parent(String path) {
        return path.substring(0, path.lastIndexOf('/'));
    }

    static String localHost() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    /**
     * Stops the heartbeat and removes the locks. Without a connection to ZooKeeper it leaves them: they are
     * ephemeral, so they go with this process's session, which ZooKeeper ends once it is back and the session
     * has timed out. Removing them through Curator's retries against a ZooKeeper gone for good kept a deploy
     * 100 s past its --timeout (fault audit).
     */
    @Override
    public void close() {
        closed = true;
        beat.shutdownNow();
        try {
            beat.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!connectedWithin(RECONNECT_WAIT_SECONDS)) {
            LOG.info("ZooKeeper unreachable: the deploy's locks ({}) are left to go with its session (ephemeral nodes)",
                    String.join(", ", paths));
            return;
        }
        synchronized (this) { // after any retake in flight
            for (String path : paths) {
                try {
                    Stat stat = ours(path);
                    if (stat != null) {
                        zk.delete().withVersion(stat.getVersion()).forPath(path);
                    }
                } catch (Exception e) {
                    LOG.debug("release {}: {}", path, e.toString());
                }
            }
        }
    }
}
