package org.murder.orchestrator.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.Test;
import org.murder.orchestrator.job.HostReport;
import org.murder.orchestrator.job.JobSigner;
import org.murder.orchestrator.job.Json;
import org.murder.orchestrator.zk.Zk;
import org.murder.orchestrator.zk.ZkPaths;
import org.murder.orchestrator.zk.ZkSettings;

/** What --continue reads of a wave, on a real ZooKeeper (Curator's TestingServer). */
class JobNodesTest {
    @Test
    void aWaveIsUnfinishedWhileARegisteredHostOfItHasNoDoneOrFailedReport() throws Exception {
        try (TestingServer server = new TestingServer(true);
                CuratorFramework zk = Zk.connect(ZkSettings.of(server.getConnectString()))) {
            JobNodes nodes = new JobNodes(zk, new JobSigner("a-test-secret-of-32-characters!!"), Clock.systemUTC());
            for (String h : List.of("web-1", "web-2", "web-4")) {
                zk.create().creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(ZkPaths.agent(h), "{}".getBytes(StandardCharsets.UTF_8));
            }
            HostReport started = HostReport.accepted(100, 1_000);
            report(zk, "web-1", started.progress(100, 0, 1).done(2_000, ""));
            report(zk, "web-2", started.in(HostReport.ACTIVATING, List.of(), "v1", false));
            // web-3: no report, and its agent is gone (the deploy gives it up); web-4: registered, no report yet
            List<String> wave = List.of("web-1", "web-2", "web-3", "web-4");
            assertEquals(2, nodes.unfinishedOf("v2-x", wave));
            report(zk, "web-2", started.progress(100, 0, 1).failed("health failed", 3_000));
            // "done" written by someone without the job secret is no report (the deploy counted such a host done, exit 0)
            write(zk, ZkPaths.host("v2-x", "web-4"), Json.write(started.progress(100, 0, 1).done(3_000, "")));
            assertEquals(1, nodes.unfinishedOf("v2-x", wave), "an unsigned done is not done");
            report(zk, "web-4", started.progress(100, 0, 1).done(3_000, ""));
            assertEquals(0, nodes.unfinishedOf("v2-x", wave), "failed counts as finished: the deploy judges the wave");
        }
    }

    @Test
    void aSignedJobCopiedUnderAnotherNameIsNotFollowed() throws Exception {
        try (TestingServer server = new TestingServer(true);
                CuratorFramework zk = Zk.connect(ZkSettings.of(server.getConnectString()))) {
            JobSigner signer = new JobSigner("a-test-secret-of-32-characters!!");
            org.murder.orchestrator.job.Job job = signedJob(signer, "v2-x", 1);
            zk.create().creatingParentContainersIfNeeded().forPath(ZkPaths.job("v2-x"), Json.write(job));
            zk.create().creatingParentContainersIfNeeded().forPath(ZkPaths.job("v2-copy"), Json.write(job));
            JobNodes nodes = new JobNodes(zk, signer, Clock.systemUTC());
            assertEquals("v2-x", nodes.readSigned("v2-x").id());
            org.murder.core.MurderException e = org.junit.jupiter.api.Assertions.assertThrows(org.murder.core.MurderException.class,
                    () -> nodes.readSigned("v2-copy"));
            assertEquals("job v2-copy: holds job v2-x (expected: a job node named by its job's id, as deploy publishes it)",
                    e.getMessage());
        }
    }

    /** A deploy job of {@code id} (its tag before the first '-') for web-1, signed. */
    private static org.murder.orchestrator.job.Job signedJob(JobSigner signer, String id, long size) {
        return signer.sign(org.murder.orchestrator.job.Job.builder().id(id).tag(id.substring(0, id.indexOf('-'))).torrent("ZA==")
                .md5("0123456789abcdef0123456789abcdef").size(size).hosts(List.of("web-1")).selector("--hosts web-1").createdAt(1)
                .deadline(Long.MAX_VALUE / 2).build());
    }

    /**
     * A create ZooKeeper applied whose reply was lost is retried by Curator and finds the node: with the job's own bytes
     * that is the publish done (it ended the deploy with NodeExistsException while its job ran on without a seeder); a
     * node of the same id with other bytes is still refused.
     */
    @Test
    void publishingAJobWhoseNodesAreThereWithItsOwnBytesSucceeds() throws Exception {
        try (TestingServer server = new TestingServer(true);
                CuratorFramework zk = Zk.connect(ZkSettings.of(server.getConnectString()))) {
            JobSigner signer = new JobSigner("a-test-secret-of-32-characters!!");
            org.murder.orchestrator.job.Job job = signedJob(signer, "v3-x", 1);
            JobNodes nodes = new JobNodes(zk, signer, Clock.systemUTC());
            zk.create().creatingParentContainersIfNeeded().forPath(ZkPaths.hosts("v3-x"), new byte[0]);
            zk.create().creatingParentContainersIfNeeded().forPath(ZkPaths.job("v3-x"), org.murder.orchestrator.job.JobCodec.encode(job));
            nodes.publish(job); // the retry of a create whose reply was lost
            assertEquals("v3-x", nodes.readSigned("v3-x").id());

            org.murder.orchestrator.job.Job other = signedJob(signer, "v4-x", 2);
            zk.create().creatingParentContainersIfNeeded().forPath(ZkPaths.job("v4-x"), "someone else's".getBytes(StandardCharsets.UTF_8));
            org.junit.jupiter.api.Assertions.assertThrows(org.apache.zookeeper.KeeperException.NodeExistsException.class,
                    () -> nodes.publish(other));
        }
    }

    /**
     * Registrations anyone may write: one without a name broke 'murder agents' and every deploy (the
     * sort by name), one naming another agent made a deploy target that agent twice. An agent is
     * its node's name; fields left out read as empty, never null.
     */
    @Test
    void aRegistrationIsTheAgentItsNodeNamesAndNoOther() throws Exception {
        try (TestingServer server = new TestingServer(true);
                CuratorFramework zk = Zk.connect(ZkSettings.of(server.getConnectString()))) {
            zk.create().creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(ZkPaths.agent("web-1"),
                    "{\"name\":\"web-1\",\"roles\":[\"web\",null]}".getBytes(StandardCharsets.UTF_8));
            zk.create().creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(ZkPaths.agent("evil"), "{}".getBytes(StandardCharsets.UTF_8));
            zk.create().creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(ZkPaths.agent("twin"),
                    "{\"name\":\"web-1\"}".getBytes(StandardCharsets.UTF_8));
            String otherBucket = ZkPaths.bucket("web-1").equals("00") ? "01" : "00"; // web-1 again, outside its bucket
            zk.create().creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(ZkPaths.AGENTS + "/" + otherBucket + "/web-1",
                    "{\"name\":\"web-1\"}".getBytes(StandardCharsets.UTF_8));
            // a persistent node is no agent's registration (agents register ephemeral), however well it is written
            zk.create().creatingParentContainersIfNeeded().forPath(ZkPaths.agent("web-9"),
                    "{\"name\":\"web-9\",\"roles\":[\"web\"]}".getBytes(StandardCharsets.UTF_8));
            List<org.murder.orchestrator.job.AgentInfo> agents = new JobNodes(zk, null, Clock.systemUTC()).agents();
            assertEquals(List.of("web-1"), agents.stream().map(org.murder.orchestrator.job.AgentInfo::name).toList());
            assertEquals(List.of("web"), agents.get(0).roles());
            assertEquals("", agents.get(0).ip());
        }
    }

    /** Wave nodes anyone wrote: an unsigned "released" wave made --continue say every wave was released, and the deploy skip it. */
    @Test
    void onlySignedWaveNodesCountAndAnUnsignedOneIsSignedWhenTheDeployReleasesIt() throws Exception {
        try (TestingServer server = new TestingServer(true);
                CuratorFramework zk = Zk.connect(ZkSettings.of(server.getConnectString()))) {
            JobSigner signer = new JobSigner("a-test-secret-of-32-characters!!");
            JobNodes nodes = new JobNodes(zk, signer, Clock.systemUTC());
            nodes.signedNode(ZkPaths.wave("v2-x", 0));
            zk.create().creatingParentContainersIfNeeded().forPath(ZkPaths.wave("v2-x", 1), "forged".getBytes(StandardCharsets.UTF_8));
            zk.create().creatingParentContainersIfNeeded().forPath(ZkPaths.wavesStop("v2-x"), "forged".getBytes(StandardCharsets.UTF_8));
            assertEquals(1, nodes.releasedWaves("v2-x"));
            assertEquals(false, nodes.wavesStopped("v2-x"));
            nodes.signedNode(ZkPaths.wave("v2-x", 1));
            assertEquals(2, nodes.releasedWaves("v2-x"));
            assertEquals(signer.signText(ZkPaths.wave("v2-x", 1)),
                    new String(zk.getData().forPath(ZkPaths.wave("v2-x", 1)), StandardCharsets.US_ASCII));
        }
    }

    /** Stores {@code r} as host's agent does: signed with the job secret. */
    private static void report(CuratorFramework zk, String host, HostReport r) throws Exception {
        String path = ZkPaths.host("v2-x", host);
        write(zk, path, org.murder.orchestrator.job.ReportSeal.write(path, r, new JobSigner("a-test-secret-of-32-characters!!")));
    }

    private static void write(CuratorFramework zk, String path, byte[] data) throws Exception {
        if (zk.checkExists().forPath(path) == null) {
            zk.create().creatingParentContainersIfNeeded().forPath(path, data);
        } else {
            zk.setData().forPath(path, data);
        }
    }
}
