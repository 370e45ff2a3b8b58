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
}
