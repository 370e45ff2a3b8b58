package org.murder.orchestrator.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.murder.orchestrator.zk.Zk;
import org.murder.orchestrator.zk.ZkPaths;
import org.murder.orchestrator.zk.ZkSettings;

class EnsembleIdTest {
    @Test
    void theFirstAgentMakesItAndTheOthersReadIt() throws Exception {
        try (TestingServer server = new TestingServer(true);
                CuratorFramework zk = Zk.connect(ZkSettings.of(server.getConnectString()))) {
            String id = Agent.ensembleId(zk);
            assertTrue(id.matches("[0-9a-f-]{36}"), id);
            assertEquals(id, Agent.ensembleId(zk));
        }
    }

    /** "x x" written by anyone stopped every agent that started (or restarted) with an error; now it is replaced. */
    @Test
    void oneThatIsNotAnIdIsReplacedNotFatal() throws Exception {
        try (TestingServer server = new TestingServer(true);
                CuratorFramework zk = Zk.connect(ZkSettings.of(server.getConnectString()))) {
            zk.create().forPath(ZkPaths.ENSEMBLE_ID, "x x\u001b[2J".getBytes(StandardCharsets.UTF_8));
            String id = Agent.ensembleId(zk);
            assertTrue(id.matches("[0-9a-f-]{36}"), id);
            assertEquals(id, new String(zk.getData().forPath(ZkPaths.ENSEMBLE_ID), StandardCharsets.US_ASCII));
            zk.setData().forPath(ZkPaths.ENSEMBLE_ID, null); // no data at all (zkCli create /ensemble-id)
            assertTrue(Agent.ensembleId(zk).matches("[0-9a-f-]{36}"));
        }
    }

    /** What ZooKeeper stored before an agent's start is older than the transaction id it takes then (its upgrade rule). */
    @Test
    void aTransactionIdFromNowIsAfterWhatWasStoredBefore() throws Exception {
        try (TestingServer server = new TestingServer(true);
                CuratorFramework zk = Zk.connect(ZkSettings.of(server.getConnectString()))) {
            String id = Agent.ensembleId(zk);
            org.apache.zookeeper.data.Stat before = zk.create().creatingParentContainersIfNeeded().forPath("/reports/j/00/web-1") == null
                    ? null : zk.checkExists().forPath("/reports/j/00/web-1");
            long now = Agent.zxidNow(zk);
            assertTrue(before.getMzxid() < now);
            assertTrue(zk.setData().forPath("/reports/j/00/web-1", new byte[1]).getMzxid() > now, "and what is stored after is newer");
            assertEquals(id, Agent.ensembleId(zk), "the id stays");
        }
    }

    /**
     * Only the tree's own credentials may add nodes to it (since December 7): an agent given another secret
     * (or a rotated one) cannot take a transaction id under it either, as it cannot register; it says so
     * at start (see Agent.start), and the tree is made anew after a rotation (README, "Rotating the job secret").
     */
    @Test
    void aTransactionIdIsTakenWithTheTreesCredentialsOnly() throws Exception {
        try (TestingServer server = new TestingServer(true);
                CuratorFramework first = Zk.connect(ZkSettings.of(server.getConnectString()).guardedBy("murder:first-secret"));
                CuratorFramework other = Zk.connect(ZkSettings.of(server.getConnectString()).guardedBy("murder:rotated-secret"))) {
            Agent.ensembleId(first);
            long before = Agent.zxidNow(first);
            assertTrue(Agent.zxidNow(first) > before);
            org.junit.jupiter.api.Assertions.assertThrows(org.apache.zookeeper.KeeperException.NoAuthException.class,
                    () -> Agent.zxidNow(other));
        }
    }
}
