package org.murder.orchestrator.agent;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.junit.jupiter.api.Test;
import org.murder.orchestrator.job.HostReport;
import org.murder.orchestrator.job.JobSigner;
import org.murder.orchestrator.zk.Zk;
import org.murder.orchestrator.zk.ZkSettings;

/**
 * On a tree of an earlier murder, which let anyone add nodes, a client without the job secret made the
 * node an agent's report goes to, writable by itself only, inside a bucket of its own: the agent retried
 * that report forever, and stored none of its later ones (a job downloaded and verified showed as "never
 * accepted"). The report that cannot be stored is dropped, and the next ones are stored.
 */
class ReporterForeignNodeTest {
    @Test
    void aReportToANodeMurderMayNotWriteIsDroppedAndTheNextOnesAreStored() throws Exception {
        try (TestingServer server = new TestingServer(true);
                CuratorFramework zk = Zk.connect(ZkSettings.of(server.getConnectString()))) {
            CuratorFramework attacker = CuratorFrameworkFactory.builder().connectString(server.getConnectString()).namespace("murder")
                    .retryPolicy(new RetryOneTime(100)).authorization("digest", "evil:pw".getBytes(StandardCharsets.US_ASCII)).build();
            attacker.start();
            try {
                List<ACL> theirs = List.of(new ACL(ZooDefs.Perms.ALL, new Id("digest", DigestAuthenticationProvider.generateDigest("evil:pw"))));
                attacker.create().creatingParentsIfNeeded().forPath("/reports/v1-x/aa", new byte[0]);
                attacker.setACL().withACL(theirs).forPath("/reports/v1-x/aa");
                attacker.create().withACL(theirs).forPath("/reports/v1-x/aa/web-1", "{\"state\":\"failed\"}".getBytes(StandardCharsets.UTF_8));
                attacker.create().creatingParentsIfNeeded().forPath("/reports/v3-z/cc", new byte[0]); // a bucket of its own, empty
                attacker.setACL().withACL(theirs).forPath("/reports/v3-z/cc");
                try (Reporter reporter = new Reporter(zk, "web-1", new JobSigner("a-test-secret-of-32-characters!!"))) {
                    HostReport done = new HostReport("done", 10, 10, 0, 0, "", 0, 0, "", 0, 0, 0);
                    reporter.offer("/reports/v1-x/aa/web-1", done, 1);
                    reporter.offer("/reports/v3-z/cc/web-1", done, 1);
                    reporter.offer("/reports/v2-y/bb/web-1", done, 1);
                    long end = System.nanoTime() + 20_000_000_000L;
                    while ((reporter.isPending("/reports/v1-x/aa/web-1") || reporter.isPending("/reports/v3-z/cc/web-1")
                            || reporter.isPending("/reports/v2-y/bb/web-1")) && System.nanoTime() < end) {
                        Thread.sleep(20); // bounded: until all are stored or dropped
                    }
                    assertFalse(reporter.isPending("/reports/v1-x/aa/web-1"), "dropped");
                    assertFalse(reporter.isPending("/reports/v3-z/cc/web-1"), "dropped: its bucket is not ours (it spun without a pause)");
                    assertFalse(reporter.isPending("/reports/v2-y/bb/web-1"), "stored");
                    assertTrue(zk.checkExists().forPath("/reports/v2-y/bb/web-1") != null, "the next report is stored");
                }
            } finally {
                attacker.close();
            }
        }
    }
}
