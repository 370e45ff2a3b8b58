package org.murder.orchestrator.zk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.junit.jupiter.api.Test;

/**
 * An ACL is set when a node is made: the containers the murder before December 7 made (its digest, and
 * anyone with read and create) kept letting anyone add nodes after the upgrade. A command that writes
 * the tree (agent, deploy) connecting with the credentials takes them down to read for anyone; containers open to all (made before credentials,
 * agents of then may still need them) are left alone.
 */
class CloseContainersTest {
    private static final String CREDENTIALS = "murder:derived-from-the-job-secret";

    @Test
    void containersOfTheVersionBeforeAreClosedToOthersAndOpenOnesLeftAlone() throws Exception {
        try (TestingServer server = new TestingServer(true)) {
            Id ours = new Id("digest", DigestAuthenticationProvider.generateDigest(CREDENTIALS));
            List<ACL> before = List.of(new ACL(ZooDefs.Perms.ALL, ours),
                    new ACL(ZooDefs.Perms.READ | ZooDefs.Perms.CREATE, ZooDefs.Ids.ANYONE_ID_UNSAFE));
            try (CuratorFramework old = CuratorFrameworkFactory.builder().connectString(server.getConnectString()).namespace("murder")
                    .retryPolicy(new RetryOneTime(100)).authorization("digest", CREDENTIALS.getBytes(StandardCharsets.UTF_8)).build()) {
                old.start();
                old.create().withACL(before).forPath("/agents");
                old.create().withACL(before).forPath("/agents/3a");
                old.create().withACL(before).forPath("/jobs");
                old.create().withACL(ZooDefs.Ids.OPEN_ACL_UNSAFE).forPath("/locks"); // made before credentials
            }
            try (CuratorFramework zk = Zk.connectToWrite(ZkSettings.of(server.getConnectString()).guardedBy(CREDENTIALS));
                    CuratorFramework stranger = CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100))) {
                Set<ACL> now = Set.of(new ACL(ZooDefs.Perms.ALL, ours), new ACL(ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE));
                for (String path : List.of("/agents", "/agents/3a", "/jobs")) {
                    assertEquals(now, Set.copyOf(zk.getACL().forPath(path)), path);
                }
                assertEquals(ZooDefs.Ids.OPEN_ACL_UNSAFE, zk.getACL().forPath("/locks"), "open to all: left alone");
                stranger.start();
                assertThrows(KeeperException.NoAuthException.class, () -> stranger.create().forPath("/murder/agents/3a/web-9"));
                assertThrows(KeeperException.NoAuthException.class, () -> stranger.create().forPath("/murder/jobs/evil"));
            }
        }
    }
}
