package org.murder.orchestrator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.murder.orchestrator.zk.Zk;
import org.murder.orchestrator.zk.ZkPaths;
import org.murder.orchestrator.zk.ZkSettings;

/** Pruning against a real (in-process) ZooKeeper. */
class JobStoreTest {
    private static final long DAY = Duration.ofDays(1).toMillis();

    private static void publish(CuratorFramework zk, String id, long createdAt) throws Exception {
        Job job = Job.builder().id(id).tag("v1").torrent("ZA==").md5("0123456789abcdef0123456789abcdef").size(1).activate(true)
                .hosts(List.of("web-1")).selector("--hosts web-*").createdAt(createdAt).deadline(createdAt + 60_000).build();
        zk.create().creatingParentContainersIfNeeded().forPath(ZkPaths.job(id), Json.write(job));
        zk.create().creatingParentContainersIfNeeded().forPath(ZkPaths.host(id, "web-1"), "{}".getBytes(StandardCharsets.UTF_8));
        zk.create().creatingParentContainersIfNeeded().forPath(ZkPaths.wave(id, 0), "sig".getBytes(StandardCharsets.US_ASCII));
        zk.create().creatingParentContainersIfNeeded().forPath(ZkPaths.wavesStop(id), "sig".getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void everyHostOfAJobHasALineAndOneNotFinishedByTheDeadlineTimedOut() {
        long created = 1_000_000;
        Job job = Job.builder().id("v1-x").tag("v1").torrent("ZA==").md5("0123456789abcdef0123456789abcdef").size(100).activate(true)
                .hosts(List.of("web-1", "web-2", "web-3", "web-4")).selector("--hosts web-*").createdAt(created)
                .deadline(created + 60_000).build();
        Map<String, HostReport> reports = Map.of(
                "web-1", HostReport.accepted(100, created).progress(100, 0, 1).done(created + 5_000, ""),
                "web-2", HostReport.accepted(100, created).progress(43, 10, 1));
        JobStore.JobStatus status = new JobStore.JobStatus(job, reports);
        java.util.Set<String> registered = java.util.Set.of("web-1", "web-2", "web-4");

        List<JobStore.HostLine> before = status.hostLines(created + 30_000, registered::contains);
        assertEquals(List.of("web-1", "web-2", "web-3", "web-4"), before.stream().map(JobStore.HostLine::host).toList(),
                "a host that never reported has its line too");
        assertEquals(List.of("done", "downloading", "waiting", "waiting"), before.stream().map(JobStore.HostLine::state).toList());
        assertEquals(List.of("", "", "no report yet; its agent is not registered now", "no report yet"),
                before.stream().map(JobStore.HostLine::detail).toList());
        assertEquals(3, before.stream().filter(JobStore.HostLine::running).count());

        List<JobStore.HostLine> after = status.hostLines(created + 60_000, registered::contains);
        assertEquals(List.of("done", "timeout", "timeout", "timeout"), after.stream().map(JobStore.HostLine::state).toList());
        assertEquals("not done by the deadline (downloading at 43%)", after.get(1).detail());
        assertEquals("not done by the deadline (never accepted the job); its agent is not registered now", after.get(2).detail());
        assertEquals(0, after.stream().filter(JobStore.HostLine::running).count(), "a dead agent's host is not downloading forever");
        assertEquals(3, JobStore.JobStatus.count(after, JobStore.HostLine.TIMEOUT));
    }

    @Test
    void pruningAJobRemovesItsReportsAndItsWaves() throws Exception {
        Clock clock = Clock.fixed(Instant.parse("2026-11-30T12:00:00Z"), ZoneOffset.UTC);
        try (TestingServer server = new TestingServer(true);
                CuratorFramework zk = Zk.connect(ZkSettings.of(server.getConnectString()))) {
            publish(zk, "v1-old", clock.millis() - 8 * DAY);
            publish(zk, "v1-new", clock.millis() - DAY);
            assertEquals(1, new JobStore(zk).prune(Duration.ofDays(7), clock));
            for (String gone : List.of(ZkPaths.job("v1-old"), ZkPaths.hosts("v1-old"), ZkPaths.waves("v1-old"))) {
                assertNull(zk.checkExists().forPath(gone), gone);
            }
            for (String kept : List.of(ZkPaths.job("v1-new"), ZkPaths.hosts("v1-new"), ZkPaths.wave("v1-new", 0))) {
                assertNotNull(zk.checkExists().forPath(kept), kept);
            }
        }
    }

    /**
     * Someone made a node below an old job's report with an ACL that keeps everyone else from deleting
     * below it: that job stays (a warning), and the pruning of every other job goes on. It used to stop at
     * the first such job with ZooKeeper's NoAuth.
     */
    @Test
    void aJobWithANodeMurderMayNotDeleteStaysAndTheOthersArePruned() throws Exception {
        Clock clock = Clock.fixed(Instant.parse("2026-11-30T12:00:00Z"), ZoneOffset.UTC);
        try (TestingServer server = new TestingServer(true);
                CuratorFramework zk = Zk.connect(ZkSettings.of(server.getConnectString()))) {
            publish(zk, "v1-locked", clock.millis() - 9 * DAY);
            publish(zk, "v2-old", clock.millis() - 8 * DAY);
            String locked = ZkPaths.host("v1-locked", "web-1") + "/mine";
            zk.create().withACL(new java.util.ArrayList<>(List.of(new org.apache.zookeeper.data.ACL(org.apache.zookeeper.ZooDefs.Perms.READ
                    | org.apache.zookeeper.ZooDefs.Perms.CREATE, org.apache.zookeeper.ZooDefs.Ids.ANYONE_ID_UNSAFE)))).forPath(locked);
            zk.create().forPath(locked + "/child");
            assertEquals(1, new JobStore(zk).prune(Duration.ofDays(7), clock), "v2-old goes; v1-locked cannot");
            assertNull(zk.checkExists().forPath(ZkPaths.job("v2-old")));
            assertNotNull(zk.checkExists().forPath(locked + "/child"));
        }
    }

    @Test
    void nodesThatAreNotJobsAreSkippedByTheListingAndNeverLeadAPruneToAnotherJob() throws Exception {
        Clock clock = Clock.fixed(Instant.parse("2026-11-30T12:00:00Z"), ZoneOffset.UTC);
        try (TestingServer server = new TestingServer(true);
                CuratorFramework zk = Zk.connect(ZkSettings.of(server.getConnectString()))) {
            publish(zk, "v1-kept", clock.millis() - DAY);
            // anyone who can write /jobs: an id with a terminal escape, an id that is a path, one naming another job's node
            for (String[] node : List.of(new String[] {"job-evil", "job-evil\u001b[2J"}, new String[] {"job-path", "a/../../agents"},
                    new String[] {"v1-decoy", "v1-kept"})) {
                zk.create().forPath(ZkPaths.job(node[0]), ("{\"id\":\"" + node[1] + "\",\"type\":\"deploy\",\"tag\":\"v1\","
                        + "\"torrent\":\"ZA==\",\"md5\":\"0123456789abcdef0123456789abcdef\",\"size\":1,\"hosts\":[\"web-1\"],"
                        + "\"createdAt\":1,\"deadline\":2}").getBytes(StandardCharsets.UTF_8));
            }
            zk.create().forPath(ZkPaths.job("garbage"), "not json".getBytes(StandardCharsets.UTF_8));
            List<JobStore.JobStatus> listed = new JobStore(zk).list(10);
            assertEquals(List.of("v1-kept"), listed.stream().map(s -> s.job().id()).toList());
            // the decoy says it was made in 1970: pruning by what it says would delete v1-kept; by ZooKeeper's clock it is new
            assertEquals(0, new JobStore(zk).prune(Duration.ofDays(7), clock));
            assertNotNull(zk.checkExists().forPath(ZkPaths.job("v1-kept")));
            assertNotNull(zk.checkExists().forPath(ZkPaths.job("v1-decoy")));
            // older than the age by ZooKeeper's clock: the four go, and so does the job (past its deadline, older than the age)
            assertEquals(5, new JobStore(zk).prune(Duration.ofHours(2), Clock.offset(Clock.systemUTC(), Duration.ofHours(3))));
            assertEquals(List.of(), zk.getChildren().forPath(ZkPaths.JOBS));
        }
    }

    @Test
    void aJobBeforeItsDeadlineIsNeverPrunedWhateverItsAge() throws Exception {
        Clock clock = Clock.fixed(Instant.parse("2026-11-30T12:00:00Z"), ZoneOffset.UTC);
        try (TestingServer server = new TestingServer(true);
                CuratorFramework zk = Zk.connect(ZkSettings.of(server.getConnectString()))) {
            publish(zk, "v1-live", clock.millis() - 30_000); // deadline 30 s from now: a paused rollout, agents at work
            assertEquals(0, new JobStore(zk).prune(Duration.ZERO, clock), "murder jobs --prune 0s");
            assertNotNull(zk.checkExists().forPath(ZkPaths.job("v1-live")));
            assertEquals(1, new JobStore(zk).prune(Duration.ZERO, Clock.offset(clock, Duration.ofSeconds(31))), "past its deadline");
            // with the secret: an unsigned job (agents ignore it) goes whatever deadline it claims, and so does a finished one
            JobSigner signer = new JobSigner("a-test-secret-of-32-characters!!");
            publish(zk, "v1-forged", clock.millis() - 30_000);
            assertEquals(1, new JobStore(zk).prune(Duration.ZERO, clock, java.util.Optional.of(signer)), "unsigned");
            Job done = signer.sign(Job.builder().id("v1-done").tag("v1").torrent("ZA==").md5("0123456789abcdef0123456789abcdef")
                    .size(1).activate(true).hosts(List.of("web-1")).selector("--hosts web-*").createdAt(clock.millis() - 30_000)
                    .deadline(clock.millis() + 30_000).build());
            zk.create().creatingParentContainersIfNeeded().forPath(ZkPaths.job(done.id()), Json.write(done));
            zk.create().creatingParentContainersIfNeeded().forPath(ZkPaths.host(done.id(), "web-1"),
                    Json.write(HostReport.accepted(1, 0).progress(1, 0, 1).done(1, "")));
            assertEquals(1, new JobStore(zk).prune(Duration.ZERO, clock, java.util.Optional.of(signer)), "every host finished");
        }
    }

    @Test
    void aJobOfTheTagIsUnfinishedWhileAHostHasNotFinishedItBeforeItsDeadline() throws Exception {
        Clock clock = Clock.fixed(Instant.parse("2026-11-30T12:00:00Z"), ZoneOffset.UTC);
        try (TestingServer server = new TestingServer(true);
                CuratorFramework zk = Zk.connect(ZkSettings.of(server.getConnectString()))) {
            publish(zk, "v1-live", clock.millis() - 10_000); // web-1 reported "{}": no state
            publish(zk, "v1-past", clock.millis() - 70_000); // its deadline, a minute after, has passed
            JobStore store = new JobStore(zk);
            assertEquals(List.of("v1-live"), store.unfinished("v1", clock.millis(), java.util.Optional.empty()).stream().map(s -> s.job().id()).toList());
            assertEquals(List.of(), store.unfinished("v2", clock.millis(), java.util.Optional.empty()), "another tag");
            // with the secret, an unsigned job is none: anyone who can write a node must not block a tag with one
            assertEquals(List.of(), store.unfinished("v1", clock.millis(),
                    java.util.Optional.of(new JobSigner("a-test-secret-of-32-characters!!"))), "unsigned");
            zk.setData().forPath(ZkPaths.host("v1-live", "web-1"), Json.write(new HostReport(HostReport.DONE, 1, 1, 0, 0, "", 0, 0,
                    "", 0, 0, 0)));
            assertEquals(List.of(), store.unfinished("v1", clock.millis(), java.util.Optional.empty()), "every host done");
        }
    }
}
