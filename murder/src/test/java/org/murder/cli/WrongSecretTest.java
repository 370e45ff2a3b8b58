package org.murder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.murder.orchestrator.cli.ZkOptions;
import org.murder.orchestrator.job.JobSigner;
import org.murder.orchestrator.zk.Zk;
import org.murder.orchestrator.zk.ZkPaths;
import org.murder.orchestrator.zk.ZkSettings;

/**
 * A deploy host or an agent given another job secret than the one murder's tree was made with is told so
 * in one line, exit 1: both said {@code murder: unexpected error: ...NoAuthException: KeeperErrorCode = NoAuth
 * for /murder/jobs} (or {@code /murder/locks}) and asked for --verbose.
 */
@Timeout(120)
class WrongSecretTest {
    private static final String TREE_SECRET = "the-secret-the-tree-was-made-with";
    private static final String OTHER_SECRET = "another-secret-of-more-than-16-chars";

    @TempDir
    Path tmp;
    private TestingServer zookeeper;
    private CuratorFramework tree;

    @BeforeEach
    void treeOfAnotherSecret() throws Exception {
        zookeeper = new TestingServer(true);
        JobSigner signer = new JobSigner(TREE_SECRET);
        tree = Zk.connectToWrite(ZkSettings.of(zookeeper.getConnectString()).guardedBy(ZkOptions.credentialsOf(signer)));
        tree.createContainers(ZkPaths.AGENTS);
        org.murder.orchestrator.job.AgentInfo a1 = new org.murder.orchestrator.job.AgentInfo("a1", "h1", "127.0.0.1", List.of(),
                "6881-6881", "/srv/a1", "test", 1L, null);
        tree.create().creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(ZkPaths.agent("a1"),
                signer.signNode(org.murder.orchestrator.job.Json.write(a1)));
        Files.writeString(tmp.resolve("other"), OTHER_SECRET + "\n");
    }

    @AfterEach
    void stop() throws Exception {
        tree.close();
        zookeeper.close();
    }

    @Test
    void anAgentWithAnotherSecretSaysWhyItCannotWrite() throws Exception {
        int port = freePort();
        CliRun run = CliRun.of("agent", "--name", "a2", "--zk", zookeeper.getConnectString(), "--secret-file",
                tmp.resolve("other").toString(), "--dest-root", tmp.resolve("dest").toString(), "--port-range", port + "-" + port,
                "--ip", "127.0.0.1", "--metrics-port", "off", "--no-warm-up");
        assertEquals(1, run.exitCode(), run.err());
        assertTrue(run.err().startsWith("murder: zookeeper: /murder/jobs: not allowed (NoAuth): murder's nodes there were"
                + " made with other credentials, another job secret's"), run.err());
        assertFalse(run.err().contains("unexpected") || run.err().contains("--verbose"), run.err());
    }

    @Test
    void aDeployWithAnotherSecretSaysWhyItCannotWrite() throws Exception {
        Path release = Files.write(tmp.resolve("app.bin"), new byte[300_000]);
        int seeder = freePort();
        CliRun run = CliRun.of("deploy", release.toString(), "--tag", "v1", "--hosts", "a*", "--zk", zookeeper.getConnectString(),
                "--secret-file", tmp.resolve("other").toString(), "--advertise", "127.0.0.1", "--tracker-port",
                String.valueOf(freePort()), "--seeder-ports", seeder + "-" + seeder, "--work-dir", tmp.resolve("work").toString(),
                "--metrics-port", "off", "--timeout", "30s");
        // the fleet's registrations carry the fleet's secret: this host's is named as the likelier culprit, before any lock
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().startsWith("murder: none of the 1 registered agents is signed with this host's job secret: is it the"
                + " fleet's?"), run.err());
        assertFalse(run.err().contains("unexpected") || run.err().contains("--verbose"), run.err());
        assertTrue(tree.checkExists().forPath(ZkPaths.JOBS) == null || tree.getChildren().forPath(ZkPaths.JOBS).isEmpty(),
                "no job published");
    }

    /** Every agent unsigned under the secret given: far likelier that secret is not the fleet's than every agent forged. */
    @Test
    void agentsListedWithAnotherSecretAskWhetherItIsTheFleets() throws Exception {
        CliRun run = CliRun.of("agents", "--zk", zookeeper.getConnectString(), "--secret-file", tmp.resolve("other").toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("1 NOT signed with the job secret") && run.out().contains("none is: unless they are all agents of before, is this host's job secret"
                + " the fleet's? (--secret-file, secret-file in murder.conf, MURDER_SECRET_FILE)"), run.out());
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
