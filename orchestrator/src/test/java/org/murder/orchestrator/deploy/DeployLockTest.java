package org.murder.orchestrator.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.Test;
import org.murder.core.MurderException;
import org.murder.orchestrator.job.Json;
import org.murder.orchestrator.zk.Zk;
import org.murder.orchestrator.zk.ZkPaths;
import org.murder.orchestrator.zk.ZkSettings;

/** Deploy locks on a real ZooKeeper (Curator's TestingServer). */
class DeployLockTest {
    private static final Clock FIXED = Clock.fixed(Instant.ofEpochMilli(1_765_000_000_000L), ZoneOffset.UTC);

    /**
     * ZooKeeper applied the lock transaction and its answer was lost (a member dying between commit and reply): Curator's
     * retry finds the nodes this very attempt made. They are its own, and it goes on; it refused itself before ("tag v1 is
     * locked by HOST (pid THIS PID, deploy v1), which stopped responding"). Another deploy of the same process (the same pid,
     * another attempt) is still refused.
     */
    @Test
    void theNodesOfItsOwnAttemptWhoseAnswerWasLostAreTakenAndAnotherDeploysAreNot() throws Exception {
        try (TestingServer server = new TestingServer(true);
                CuratorFramework zk = Zk.connect(ZkSettings.of(server.getConnectString()))) {
            long now = FIXED.millis();
            LockHolder me = new LockHolder(DeployLock.localHost(), ProcessHandle.current().pid(),
                    ProcessHandle.current().info().startInstant().map(Instant::toEpochMilli).orElse(0L), "deploy v1", now, now,
                    zk.getZookeeperClient().getZooKeeper().getSessionTimeout());
            zk.create().creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(ZkPaths.lock("v1"), Json.write(me));
            zk.create().creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
                    .forPath(ZkPaths.HOST_LOCKS + "/set-", DeployLock.encode(new DeployLock.HostSet(me, List.of("web-1"))));
            try (DeployLock lock = DeployLock.acquire(zk, Map.of(ZkPaths.lock("v1"), "tag v1"), List.of("web-1"), "deploy v1", FIXED)) {
                assertEquals(1, zk.getChildren().forPath(ZkPaths.HOST_LOCKS).size(), "its lost set removed, one made again");
            }

            LockHolder earlier = new LockHolder(me.host(), me.pid(), me.processStart(), "deploy v1", now - 5_000, now - 5_000,
                    me.sessionTimeoutMs());
            zk.create().creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(ZkPaths.lock("v1"), Json.write(earlier));
            MurderException refused = assertThrows(MurderException.class,
                    () -> DeployLock.acquire(zk, Map.of(ZkPaths.lock("v1"), "tag v1"), List.of(), "deploy v1", FIXED));
            assertTrue(refused.getMessage().startsWith("tag v1 is being deployed right now by " + me.host() + " (pid " + me.pid()),
                    refused.getMessage());
        }
    }

    /**
     * A deploy whose session expired (ZooKeeper or this process away longer than the session timeout) lost its locks with
     * it: it takes them again when nobody holds them, at its next heartbeat; before, it warned every 5 s until it ended
     * and another deploy of the tag could start. One another deploy holds meanwhile is left to it.
     */
    @Test
    void locksLostWithAnExpiredSessionAreTakenAgainWhenFreeAndLeftWhenAnotherDeployHoldsThem() throws Exception {
        try (TestingServer server = new TestingServer(true);
                CuratorFramework zk = Zk.connect(ZkSettings.of(server.getConnectString()));
                CuratorFramework other = Zk.connect(ZkSettings.of(server.getConnectString()))) {
            long session = zk.getZookeeperClient().getZooKeeper().getSessionId();
            try (DeployLock lock = DeployLock.acquire(zk, Map.of(ZkPaths.lock("v2"), "tag v2"), List.of("web-1"), "deploy v2",
                    Clock.systemUTC())) {
                String set = ZkPaths.HOST_LOCKS + "/" + zk.getChildren().forPath(ZkPaths.HOST_LOCKS).get(0);
                other.delete().forPath(ZkPaths.lock("v2")); // as ZooKeeper does when it expires the session
                other.delete().forPath(set);
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
                while (System.nanoTime() < deadline && !(ownedBy(zk, ZkPaths.lock("v2"), session) && hostSets(zk, session) == 1)) {
                    Thread.sleep(100); // bounded: until the next heartbeat (every 5 s) took both again
                }
                assertTrue(ownedBy(zk, ZkPaths.lock("v2"), session), "the tag's lock taken again");
                assertEquals(1, hostSets(zk, session), "the host set made again");

                other.delete().forPath(ZkPaths.lock("v2"));
                LockHolder someoneElse = new LockHolder("elsewhere", 1, 1, "deploy v2", 1, 1, 30_000);
                other.create().withMode(CreateMode.EPHEMERAL).forPath(ZkPaths.lock("v2"), Json.write(someoneElse));
                Thread.sleep(6_000); // a heartbeat's time (5 s): nothing to wait on, the point is what it did not do
                assertTrue(ownedBy(other, ZkPaths.lock("v2"), other.getZookeeperClient().getZooKeeper().getSessionId()),
                        "another deploy's lock is left to it");
            }
        }
    }

    private static boolean ownedBy(CuratorFramework zk, String path, long session) throws Exception {
        org.apache.zookeeper.data.Stat stat = zk.checkExists().forPath(path);
        return stat != null && stat.getEphemeralOwner() == session;
    }

    private static int hostSets(CuratorFramework zk, long session) throws Exception {
        int n = 0;
        for (String child : zk.getChildren().forPath(ZkPaths.HOST_LOCKS)) {
            if (ownedBy(zk, ZkPaths.HOST_LOCKS + "/" + child, session)) {
                n++;
            }
        }
        return n;
    }
}
