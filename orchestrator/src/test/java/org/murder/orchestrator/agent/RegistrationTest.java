package org.murder.orchestrator.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;
import org.murder.orchestrator.zk.Zk;
import org.murder.orchestrator.zk.ZkPaths;
import org.murder.orchestrator.zk.ZkSettings;

class RegistrationTest {
    /**
     * A persistent node at an agent's path is nobody's registration (agents register ephemeral): one
     * made by anyone (another address, other roles) stood for the agent for good, and the agent, which
     * leaves another session's node alone, never registered.
     */
    @Test
    void aPersistentNodeAtItsPathIsReplacedByTheAgentsOwn() throws Exception {
        try (TestingServer server = new TestingServer(true);
                CuratorFramework squatter = Zk.connect(ZkSettings.of(server.getConnectString()));
                CuratorFramework zk = Zk.connect(ZkSettings.of(server.getConnectString()))) {
            String path = ZkPaths.agent("web-2");
            squatter.create().creatingParentContainersIfNeeded().forPath(path,
                    "{\"name\":\"web-2\",\"ip\":\"6.6.6.6\"}".getBytes(StandardCharsets.UTF_8));
            byte[] ours = "{\"name\":\"web-2\",\"ip\":\"127.0.0.1\"}".getBytes(StandardCharsets.UTF_8);
            try (Registration registration = new Registration(zk, "web-2", path, ours, () -> 1)) {
                assertTrue(registration.start(10_000));
                Stat stat = new Stat();
                assertArrayEquals(ours, zk.getData().storingStatIn(stat).forPath(path));
                assertEquals(zk.getZookeeperClient().getZooKeeper().getSessionId(), stat.getEphemeralOwner(), "ours, ephemeral");
            }
        }
    }

    /**
     * A squatter that makes its persistent node again as soon as the agent deletes it: the agent used
     * to wait for a NodeDeleted that never came, and stayed unregistered after the squatter gave up.
     * It now tries again with backoff, and registers once the squatter stops.
     */
    @Test
    void aSquatterMakingItsNodeAgainKeepsTheAgentOutOnlyWhileItKeepsAtIt() throws Exception {
        try (TestingServer server = new TestingServer(true);
                CuratorFramework squatter = Zk.connect(ZkSettings.of(server.getConnectString()));
                CuratorFramework zk = Zk.connect(ZkSettings.of(server.getConnectString()))) {
            String path = ZkPaths.agent("web-2");
            byte[] theirs = "{\"name\":\"web-2\",\"ip\":\"6.6.6.6\"}".getBytes(StandardCharsets.UTF_8);
            squatter.create().creatingParentContainersIfNeeded().forPath(path, theirs);
            java.util.concurrent.atomic.AtomicInteger remade = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.CountDownLatch gaveUp = new java.util.concurrent.CountDownLatch(1);
            org.apache.zookeeper.Watcher[] again = new org.apache.zookeeper.Watcher[1];
            again[0] = event -> {
                if (event.getType() != org.apache.zookeeper.Watcher.Event.EventType.NodeDeleted) {
                    return;
                }
                try {
                    if (remade.incrementAndGet() > 3) { // bounded: three times, then it stops
                        gaveUp.countDown();
                        return;
                    }
                    squatter.create().forPath(path, theirs);
                    squatter.checkExists().usingWatcher(again[0]).forPath(path);
                } catch (Exception lostTheRace) {
                    gaveUp.countDown();
                }
            };
            squatter.checkExists().usingWatcher(again[0]).forPath(path);
            byte[] ours = "{\"name\":\"web-2\",\"ip\":\"127.0.0.1\"}".getBytes(StandardCharsets.UTF_8);
            try (Registration registration = new Registration(zk, "web-2", path, ours, () -> 1)) {
                assertTrue(registration.start(30_000), "registered once the squatter stopped");
                assertTrue(gaveUp.await(1, java.util.concurrent.TimeUnit.SECONDS));
                Stat stat = new Stat();
                assertArrayEquals(ours, zk.getData().storingStatIn(stat).forPath(path));
                assertEquals(zk.getZookeeperClient().getZooKeeper().getSessionId(), stat.getEphemeralOwner(), "ours, ephemeral");
            }
        }
    }
}
