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
}
