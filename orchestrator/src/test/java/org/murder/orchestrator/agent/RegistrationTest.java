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
}
