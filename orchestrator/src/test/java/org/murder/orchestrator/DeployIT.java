package org.murder.orchestrator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.Hex;
import org.murder.core.MurderException;
import org.murder.core.PortRange;
import org.murder.orchestrator.deploy.DeployRequest;
import org.murder.orchestrator.deploy.Deployer;
import org.murder.orchestrator.deploy.SummaryPrinter;
import org.murder.orchestrator.deploy.HostOutcome;
import org.murder.orchestrator.deploy.LockHolder;
import org.murder.orchestrator.job.Json;
import org.murder.orchestrator.job.JobSigner;
import org.murder.orchestrator.zk.Zk;
import org.murder.tracker.TrackerConfig;
import org.murder.tracker.TrackerServer;
import org.murder.core.metainfo.MetaInfo;
import org.murder.orchestrator.zk.ZkSettings;

/** Real ZooKeeper (Curator's TestingServer), real engines on loopback, real files. */
@Timeout(180)
class DeployIT {
    @TempDir
    Path tmp;

    private TestingServer server;
    private ZkSettings settings;
    private AgentFleet fleet;
    private CuratorFramework deployZk;
    private final StringWriter output = new StringWriter();

    @BeforeEach
    void start() throws Exception {
        server = new TestingServer(true);
        settings = ZkSettings.of(server.getConnectString()).withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(5));
        fleet = new AgentFleet(settings, tmp.resolve("hosts"), AgentFleet.noActivation());
        deployZk = Zk.connect(settings);
    }

    @AfterEach
    void stop() throws Exception {
        fleet.close();
        deployZk.close();
        server.close();
    }

    private Path release(int bytes) throws Exception {
        Path src = Files.createDirectories(tmp.resolve("build/bin"));
        Files.writeString(src.resolve("app"), "#!/bin/sh\necho v42\n");
        byte[] data = new byte[bytes];
        new Random(3).nextBytes(data);
        Files.write(src.getParent().resolve("payload.bin"), data);
        return src.getParent();
    }

    private DeployRequest request(Path src, String tag, List<String> hosts, Duration timeout) {
        return DeployRequest.builder().source(src).tag(tag).hostGlobs(hosts).seedTime(Duration.ofSeconds(5)).timeout(timeout).keep(3)
                .bind("127.0.0.1").trackerPort(0).advertise("127.0.0.1").seederPorts(new PortRange(46000, 46999)).workDir(tmp.resolve("work"))
                .grace(Duration.ZERO).build();
    }

    private Deployer deployer() {
        return new Deployer(deployZk, new JobSigner(AgentFleet.SECRET), Clock.systemUTC(), new PrintWriter(output, true), false);
    }

    private static String md5(Path file) throws Exception {
        return Hex.encode(MessageDigest.getInstance("MD5").digest(Files.readAllBytes(file)));
    }

    @Test
    void deploysToFiveAgentsAndEveryOneHasTheRightBytes() throws Exception {
        for (int i = 1; i <= 5; i++) {
            fleet.start("web-" + i, List.of("web"));
        }
        fleet.start("db-1", List.of("db"));
        Path src = release(3_000_000);
        List<HostOutcome> outcomes = deployer().deploy(request(src, "v42", List.of("web-*"), Duration.ofMinutes(2)));
        assertEquals(List.of("web-1", "web-2", "web-3", "web-4", "web-5"), outcomes.stream().map(HostOutcome::host).toList());
        assertTrue(outcomes.stream().allMatch(HostOutcome::succeeded), output.toString());
        String expected = md5(tmp.resolve("work/v42.tar.zst"));
        for (int i = 1; i <= 5; i++) {
            assertEquals(expected, md5(tmp.resolve("hosts/web-" + i + "/v42.tar.zst")));
        }
        assertTrue(Files.notExists(tmp.resolve("hosts/db-1/v42.tar.zst")), "db-1 was not targeted");
        assertTrue(SummaryPrinter.summary(new PrintWriter(output, true), "v42", outcomes));
        assertTrue(output.toString().contains("v42: all 5 hosts done"), output.toString());

        // the same release again: every host already has it
        List<HostOutcome> again = deployer().deploy(request(src, "v42", List.of("web-1", "web-2"), Duration.ofMinutes(1)));
        assertTrue(again.stream().allMatch(o -> o.succeeded() && o.alreadyThere()), again.toString());
        StringWriter summary = new StringWriter();
        SummaryPrinter.summary(new PrintWriter(summary, true), "v42", again);
        assertTrue(summary.toString().contains("\nweb-1  done*"), summary.toString());
        assertTrue(summary.toString().contains("(done* = the archive was on the host before this job (an earlier job, or put there"
                + " by hand): nothing downloaded)"), summary.toString());

        // a host's archive damaged in place (bit rot, a bad write): repaired from the swarm, never written into under its name
        // (a host that does not seed v42 now: one that does refuses a second session of it until its seeding ends)
        fleet.start("web-6", List.of("web"));
        Path damaged = Files.copy(tmp.resolve("hosts/web-1/v42.tar.zst"), tmp.resolve("hosts/web-6/v42.tar.zst"));
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(damaged, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), Files.size(damaged) / 2);
        }
        List<HostOutcome> repaired = deployer().deploy(request(src, "v42", List.of("web-6"), Duration.ofMinutes(1)));
        assertTrue(repaired.stream().allMatch(o -> o.succeeded() && !o.alreadyThere()), repaired + "\n" + output);
        assertEquals(expected, md5(damaged));
        assertTrue(Files.notExists(tmp.resolve("hosts/web-6/v42.tar.zst.part")));

        // other bytes under the same tag are refused before anything is published
        Files.writeString(src.resolve("bin/app"), "#!/bin/sh\necho changed\n");
        MurderException e = assertThrows(MurderException.class,
                () -> deployer().deploy(request(src, "v42", List.of("web-*"), Duration.ofMinutes(1))));
        assertTrue(e.getMessage().startsWith("--tag v42: deployed before with md5 " + expected + ", this build has md5 "),
                e.getMessage());
    }

    /**
     * The deploy's archive written to in place while hosts download it (a dd over it, a disk fault): the seed stops naming
     * it, and the deploy stops following with that cause instead of waiting to its deadline without a word (hosts banned
     * their only source at its first bad piece and sat at 62 % for the whole timeout: the fault audit).
     */
    @Test
    void aDeployWhoseArchiveIsWrittenToWhileSharedStopsWithTheCause() throws Exception {
        fleet.start("web-1", List.of("web"), org.murder.peer.engine.EngineConfig.builder()
                .maxDown(org.murder.core.Rate.parse("512KiB/s")));
        Path src = release(3_000_000);
        java.util.concurrent.CompletableFuture<List<HostOutcome>> deploy = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return deployer().deploy(request(src, "v70", List.of("web-1"), Duration.ofMinutes(2)));
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        Path part = tmp.resolve("hosts/web-1/v70.tar.zst.part");
        for (int i = 0; i < 600 && !(Files.exists(part) && Files.size(part) > 0) && !deploy.isDone(); i++) { // bounded: 60 s
            Thread.sleep(100);
        }
        assertTrue(Files.exists(part) && !deploy.isDone(), "the host is downloading\n" + output);
        long started = System.nanoTime();
        Path archive = tmp.resolve("work/v70.tar.zst");
        java.nio.file.attribute.FileTime before = Files.getLastModifiedTime(archive);
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(archive, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[4096]), Files.size(archive) / 2);
        }
        Files.setLastModifiedTime(archive, java.nio.file.attribute.FileTime.fromMillis(before.toMillis() + 2000));
        List<HostOutcome> outcomes = deploy.get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertTrue(System.nanoTime() - started < java.util.concurrent.TimeUnit.SECONDS.toNanos(30), "stopped long before the 2 min deadline");
        assertEquals(1, outcomes.size());
        assertFalse(outcomes.get(0).succeeded(), outcomes.toString());
        assertTrue(outcomes.get(0).error().startsWith("not done when the seed stopped ("), outcomes.toString());
        assertTrue(output.toString().contains("seed      FAILED: " + archive + ": written to while it is shared"), output.toString());
        assertTrue(output.toString().contains("'murder deploy --resume v70-"), output.toString());
        assertFalse(Files.exists(tmp.resolve("hosts/web-1/v70.tar.zst")), "no host has the archive under its name");
    }

    @Test
    void aMurderTrackerAlreadyOnTheTrackerPortIsUsedAndAnythingElseThereIsNamed() throws Exception {
        fleet.start("web-1", List.of("web"));
        Path src = release(200_000);
        try (TrackerServer service = TrackerServer.start(TrackerConfig.builder().bind("127.0.0.1").port(0).open(false).build(),
                Clock.systemUTC())) {
            DeployRequest onServicePort = withTrackerPort(request(src, "v60", List.of("web-1"), Duration.ofMinutes(1)), service.port());
            List<HostOutcome> outcomes = deployer().deploy(onServicePort);
            assertTrue(outcomes.get(0).succeeded(), outcomes + "\n" + output);
            MetaInfo meta = MetaInfo.read(tmp.resolve("work/v60.torrent"));
            assertTrue(service.whitelist().allows(meta.infoHash()), "the deploy registered its torrent with the running tracker");
            assertTrue(service.registry().scrape(meta.infoHash()).complete() >= 1, "the host announced to it");
        }
        try (java.net.ServerSocket other = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            MurderException e = assertThrows(MurderException.class, () -> deployer().deploy(
                    withTrackerPort(request(src, "v61", List.of("web-1"), Duration.ofMinutes(1)), other.getLocalPort())));
            assertTrue(e.getMessage().startsWith("deploy: embedded tracker: cannot listen on 127.0.0.1:" + other.getLocalPort()
                    + ": address already in use (expected: a free --tracker-port, a murder tracker on that port to use, or --tracker"
                    + " URL of a running tracker)"), e.getMessage());
        }
    }

    @Test
    void aSeederRangeWithNoFreePortIsNamedBeforeTheReleaseIsPacked() throws Exception {
        fleet.start("web-1", List.of("web"));
        Path src = release(200_000);
        try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            int port = busy.getLocalPort();
            DeployRequest r = request(src, "v62", List.of("web-1"), Duration.ofMinutes(1)).toBuilder()
                    .seederPorts(new PortRange(port, port)).build();
            MurderException e = assertThrows(MurderException.class, () -> deployer().deploy(r));
            assertEquals("deploy: --seeder-ports " + port + ": every port is in use (expected: a range with a free port)",
                    e.getMessage());
        }
        assertTrue(Files.notExists(tmp.resolve("work/v62.tar.zst")) && Files.notExists(tmp.resolve("work/v62.torrent")),
                "nothing packed");
        assertFalse(deployZk.checkExists().forPath(org.murder.orchestrator.zk.ZkPaths.JOBS) != null
                && !deployZk.getChildren().forPath(org.murder.orchestrator.zk.ZkPaths.JOBS).isEmpty(), "no job published");
    }

    /** A ready archive no host could unpack was published, failed every host, and bound its tag to those bytes for good. */
    @Test
    void aReadyArchiveThatNoHostCouldUnpackIsRefusedBeforeAnythingIsPublished() throws Exception {
        fleet.start("web-1", List.of("web"));
        Path archive = tmp.resolve("dotdot.tar");
        try (org.apache.commons.compress.archivers.tar.TarArchiveOutputStream tar =
                new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(Files.newOutputStream(archive))) {
            org.apache.commons.compress.archivers.tar.TarArchiveEntry entry =
                    new org.apache.commons.compress.archivers.tar.TarArchiveEntry("../evil");
            byte[] body = "escaped\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            entry.setSize(body.length);
            tar.putArchiveEntry(entry);
            tar.write(body);
            tar.closeArchiveEntry();
        }
        // with --activate the hosts unpack it (without, a ready file is any file hosts just download: not checked)
        MurderException e = assertThrows(MurderException.class, () -> deployer().deploy(request(archive, "v63", List.of("web-1"),
                Duration.ofMinutes(1)).toBuilder().activate(true).build()));
        assertEquals(MurderException.BAD_INPUT, e.exitCode(), e.getMessage());
        assertEquals(archive + ": entry '../evil': '..' in path (expected: a relative path inside the release)", e.getMessage());
        assertFalse(deployZk.checkExists().forPath(org.murder.orchestrator.zk.ZkPaths.JOBS) != null
                && !deployZk.getChildren().forPath(org.murder.orchestrator.zk.ZkPaths.JOBS).isEmpty(), "no job published");
        assertEquals(null, deployZk.checkExists().forPath(org.murder.orchestrator.zk.ZkPaths.release("v63")), "the tag is still free");
        try (java.util.stream.Stream<Path> left = Files.list(tmp.resolve("work"))) {
            assertEquals(List.of(), left.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".murder-check")).toList());
        }
    }

    private static DeployRequest withTrackerPort(DeployRequest r, int port) {
        return r.toBuilder().trackerPort(port).build();
    }

    @Test
    void aSecondDeployOfATagInProgressIsRefused() throws Exception {
        fleet.start("web-1", List.of("web"));
        deployZk.create().creatingParentContainersIfNeeded().withMode(org.apache.zookeeper.CreateMode.EPHEMERAL)
                .forPath("/locks/v9", "deploy-host-2 since earlier".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        MurderException e = assertThrows(MurderException.class,
                () -> deployer().deploy(request(release(1000), "v9", List.of("web-*"), Duration.ofMinutes(1))));
        assertEquals("tag v9 is being deployed right now (deploy-host-2 since earlier; lock /locks/v9)", e.getMessage());
        assertEquals(1, e.exitCode());
    }

    @Test
    void oldJobsArePrunedAtTheNextDeploy() throws Exception {
        fleet.start("web-1", List.of("web"));
        Path src = release(1000);
        assertTrue(deployer().deploy(request(src, "v10", List.of("web-*"), Duration.ofMinutes(1))).get(0).succeeded());
        String old = deployZk.getChildren().forPath("/jobs").get(0);
        // eight days later (for the deploy host; the agent's clock is its own), the next deploy removes it
        Clock later = Clock.offset(Clock.systemUTC(), Deployer.JOB_TTL.plusDays(1));
        Deployer future = new Deployer(deployZk, new JobSigner(AgentFleet.SECRET), later, new PrintWriter(output, true), false);
        future.deploy(request(src, "v10", List.of("web-*"), Duration.ofDays(30)));
        List<String> jobs = deployZk.getChildren().forPath("/jobs");
        assertEquals(1, jobs.size(), jobs.toString());
        assertTrue(!jobs.contains(old), "the 8-day-old job " + old + " is gone");
    }

    /**
     * A registration not signed with the job secret (an agent of a murder before the signed reports, or a node anyone
     * made) is no target: such a host could never report, a host that switched was summed up as "never accepted the job"
     * and a rollback retried after it moved the host two releases back. Refused, naming them and the --exclude that leaves
     * them out (left out without a word, they would fall behind every deploy).
     */
    @Test
    void aTargetNotSignedWithTheJobSecretIsRefusedUnlessExcluded() throws Exception {
        fleet.start("web-1", List.of("web"));
        deployZk.create().creatingParentContainersIfNeeded().withMode(org.apache.zookeeper.CreateMode.EPHEMERAL).forPath(
                org.murder.orchestrator.zk.ZkPaths.agent("web-9"), org.murder.orchestrator.job.Json.write(new org.murder.orchestrator.job
                        .AgentInfo("web-9", "web-9", "127.0.0.9", List.of("web"), "6881-6889", "/opt/app", "0.1.0", 1L)));
        Path src = release(1000);
        MurderException refused = assertThrows(MurderException.class,
                () -> deployer().deploy(request(src, "v1", List.of("web-*"), Duration.ofMinutes(1))));
        assertEquals("1 of the 2 hosts of --hosts web-* registered without the job secret's signature: web-9 (agents of a murder"
                + " before 2026-12-06, which cannot store their reports under this tree's locked nodes, or registrations anyone made;"
                + " a deploy could not follow them. Expected: upgrade them, or give them this job secret, or leave them out:"
                + " --exclude web-9)", refused.getMessage());
        assertEquals(2, refused.exitCode());
        assertTrue(deployZk.checkExists().forPath("/jobs") == null || deployZk.getChildren().forPath("/jobs").isEmpty());
        DeployRequest excluded = request(src, "v1", List.of("web-*"), Duration.ofMinutes(1)).toBuilder().excludeGlobs(List.of("web-9"))
                .dryRun(true).build();
        assertEquals(List.of(), deployer().deploy(excluded), "a dry run");
        assertTrue(output.toString().contains("would deploy v1 on 1 hosts:\n  web-1 "), output.toString());
    }

    @Test
    void noMatchingAgentIsAnErrorBeforeAnythingIsPublished() throws Exception {
        fleet.start("web-1", List.of("web"));
        MurderException e = assertThrows(MurderException.class,
                () -> deployer().deploy(request(release(1000), "v1", List.of("api-*"), Duration.ofMinutes(1))));
        assertEquals("no registered agent matches --hosts api-* (1 registered: web-1)", e.getMessage());
        assertEquals(2, e.exitCode());
        assertTrue(deployZk.checkExists().forPath("/jobs") == null || deployZk.getChildren().forPath("/jobs").isEmpty());
    }

    /**
     * An exact --exclude name no agent has (a typo of the host meant to be left out, or a host that is down) is said: it was
     * taken without a word. And a rollback of a tag never deployed (a typo in an incident) was green, undoing nothing.
     */
    @Test
    void anExcludedNameNotRegisteredIsSaidAndARollbackOfATagNeverDeployedIsRefused() throws Exception {
        fleet.start("web-1", List.of("web"));
        fleet.start("web-2", List.of("web"));
        DeployRequest excluding = DeployRequest.builder().source(release(1000)).tag("v1").hostGlobs(List.of("web-*"))
                .excludeGlobs(List.of("web-3")).dryRun(true).seedTime(Duration.ofSeconds(5)).timeout(Duration.ofMinutes(1)).bind("127.0.0.1")
                .trackerPort(0).advertise("127.0.0.1").seederPorts(new PortRange(46000, 46999)).workDir(tmp.resolve("work")).build();
        assertEquals(List.of(), deployer().deploy(excluding), "a dry run");
        assertTrue(output.toString().contains("note      --exclude 'web-3': no registered agent of that name (2 registered: web-1,"
                + " web-2): not a target anyway; a typo leaves out nothing"), output.toString());

        DeployRequest rollback = DeployRequest.builder().tag("v9-typo").hostGlobs(List.of("web-*")).rollback(true)
                .timeout(Duration.ofMinutes(1)).bind("127.0.0.1").trackerPort(0).advertise("127.0.0.1").build();
        MurderException e = assertThrows(MurderException.class, () -> deployer().deploy(rollback));
        assertEquals("--tag v9-typo: never deployed through this ZooKeeper (expected: the tag of the release to roll back, as 'murder"
                + " jobs' lists it; or --to TAG to switch the hosts to a release of your choice)", e.getMessage());
        assertEquals(2, e.exitCode());
        assertTrue(deployZk.checkExists().forPath("/jobs") == null || deployZk.getChildren().forPath("/jobs").isEmpty(), "nothing published");
    }

    @Test
    void anExactNameThatIsNotRegisteredIsAnErrorNotAGreenDeployWithoutIt() throws Exception {
        fleet.start("web-1", List.of("web"));
        MurderException e = assertThrows(MurderException.class,
                () -> deployer().deploy(request(release(1000), "v1", List.of("web-1", "web-5"), Duration.ofMinutes(1))));
        assertEquals("--host/--hosts 'web-5': no registered agent of that name (1 registered: web-1; expected: names 'murder agents' lists, or a glob)",
                e.getMessage());
        assertEquals(2, e.exitCode());
        assertTrue(deployZk.checkExists().forPath("/jobs") == null || deployZk.getChildren().forPath("/jobs").isEmpty());
    }

    @Test
    void aTagWhoseJobIsStillLiveAfterItsDeployWentIsRefusedWithTheResumeToRun() throws Exception {
        fleet.start("web-1", List.of("web"));
        long now = System.currentTimeMillis();
        // what a killed deploy leaves: its job, running on its hosts until its deadline (on web-9 here, so no agent of
        // this fleet takes it)
        org.murder.orchestrator.job.Job left = new JobSigner(AgentFleet.SECRET).sign(org.murder.orchestrator.job.Job.builder()
                .id("v1-left").tag("v1").torrent("ZA==").md5("0123456789abcdef0123456789abcdef").size(1).hosts(List.of("web-9"))
                .selector("--hosts web-9").createdAt(now).deadline(now + 600_000).build());
        deployZk.create().creatingParentContainersIfNeeded().forPath(org.murder.orchestrator.zk.ZkPaths.job("v1-left"), Json.write(left));
        // the same left by someone without the secret under another tag blocks nothing: agents never run it
        org.murder.orchestrator.job.Job forged = org.murder.orchestrator.job.Job.builder().id("v3-forged").tag("v3").torrent("ZA==")
                .md5("0123456789abcdef0123456789abcdef").size(1).hosts(List.of("web-1")).selector("--hosts web-1").createdAt(now)
                .deadline(now + 600_000).build();
        deployZk.create().forPath(org.murder.orchestrator.zk.ZkPaths.job("v3-forged"), Json.write(forged));
        List<HostOutcome> v3 = deployer().deploy(request(release(1000), "v3", List.of("web-1"), Duration.ofMinutes(1)));
        assertTrue(v3.get(0).succeeded(), v3 + "\n" + output);
        deployZk.delete().forPath(org.murder.orchestrator.zk.ZkPaths.job("v3-forged"));
        MurderException e = assertThrows(MurderException.class,
                () -> deployer().deploy(request(release(1000), "v1", List.of("web-*"), Duration.ofMinutes(1))));
        assertTrue(e.getMessage().startsWith("tag v1: job v1-left of a deploy that is gone is still live on 1 of 1 hosts until "),
                e.getMessage());
        assertTrue(e.getMessage().endsWith(" (expected: 'murder deploy --resume v1-left' to seed it and see it through, or a new"
                + " deploy after that deadline)"), e.getMessage());
        assertEquals(true, deployZk.getChildren().forPath("/jobs").stream().noneMatch(j -> j.startsWith("v1-") && !j.equals("v1-left")),
                "nothing published");
    }

    @Test
    void aTargetWiderThanMaxHostsIsRefusedAndTheDryRunSaysSo() throws Exception {
        for (int i = 1; i <= 3; i++) {
            fleet.start("web-" + i, List.of("web"));
        }
        DeployRequest wide = request(release(1000), "v1", List.of("web-*"), Duration.ofMinutes(1));
        MurderException e = assertThrows(MurderException.class, () -> deployer().maxHosts(2).deploy(wide));
        assertEquals("--hosts web-*: 3 hosts match (expected: at most --max-hosts 2; check the target with --dry-run, then pass"
                + " --max-hosts 3 to go ahead)", e.getMessage());
        assertEquals(2, e.exitCode());
        assertTrue(deployZk.checkExists().forPath("/jobs") == null || deployZk.getChildren().forPath("/jobs").isEmpty(),
                "nothing published");
        assertThrows(MurderException.class, () -> deployer().maxHosts(0));

        DeployRequest dry = wide.toBuilder().dryRun(true).build();
        assertEquals(List.of(), deployer().maxHosts(2).deploy(dry));
        assertTrue(output.toString().contains("would deploy v1 on 3 hosts:"), output.toString());
        assertTrue(output.toString().contains("3 hosts is more than --max-hosts 2: a real run needs --max-hosts 3 (or more)"),
                output.toString());
    }

    /** A lock node as another deploy would leave it, held by {@code owner}'s session. */
    private static void lockFixture(CuratorFramework owner, String path, LockHolder holder) throws Exception {
        owner.create().creatingParentContainersIfNeeded().withMode(org.apache.zookeeper.CreateMode.EPHEMERAL)
                .forPath(path, Json.write(holder));
    }

    private static final java.time.Instant NOW = java.time.Instant.parse("2026-11-21T10:00:00Z");

    private Deployer deployerAt(java.time.Instant now) {
        return new Deployer(deployZk, new JobSigner(AgentFleet.SECRET), Clock.fixed(now, java.time.ZoneOffset.UTC),
                new PrintWriter(output, true), false);
    }

    @Test
    void aLockHeldByALiveDeployNamesItsHolderAndHeartbeat() throws Exception {
        fleet.start("web-1", List.of("web"));
        long since = NOW.minusSeconds(40).toEpochMilli();
        lockFixture(deployZk, "/locks/v9", new LockHolder("deploy-host-2", 4242, 0, "deploy v9", since,
                NOW.minusSeconds(3).toEpochMilli(), 30_000));
        MurderException e = assertThrows(MurderException.class,
                () -> deployerAt(NOW).deploy(request(release(1000), "v9", List.of("web-*"), Duration.ofMinutes(1))));
        assertEquals("tag v9 is being deployed right now by deploy-host-2 (pid 4242, deploy v9) since 2026-11-21T09:59:20Z;"
                + " last heartbeat 3 s ago (lock /locks/v9)", e.getMessage());
        assertEquals(1, e.exitCode());
    }

    @Test
    void aLockWhoseHolderStoppedRespondingSaysWhenZooKeeperRemovesIt() throws Exception {
        fleet.start("web-1", List.of("web"));
        lockFixture(deployZk, "/locks/v9", new LockHolder("deploy-host-2", 4242, 0, "deploy v9",
                NOW.minusSeconds(300).toEpochMilli(), NOW.minusSeconds(20).toEpochMilli(), 30_000));
        MurderException e = assertThrows(MurderException.class,
                () -> deployerAt(NOW).deploy(request(release(1000), "v9", List.of("web-*"), Duration.ofMinutes(1))));
        // last heartbeat 20 s ago + one heartbeat period (5 s) + its 30 s session timeout
        assertEquals("tag v9 is locked by deploy-host-2 (pid 4242, deploy v9), which stopped responding: last heartbeat 20 s ago;"
                + " ZooKeeper removes the lock when its session expires, by 2026-11-21T10:00:15Z at the latest; run again then"
                + " (lock /locks/v9)", e.getMessage());
        assertEquals(1, e.exitCode());
    }

    @Test
    void continueAsksWhetherADeployFollowsTheJobAndTrustsARenewedLockOverAClockThatDisagrees() throws Exception {
        long now = System.currentTimeMillis();
        JobSigner signer = new JobSigner(AgentFleet.SECRET);
        org.murder.orchestrator.job.Job paused = signer.sign(org.murder.orchestrator.job.Job.builder().id("v7-paused").tag("v7")
                .torrent("ZA==").md5("0123456789abcdef0123456789abcdef").size(1).activate(true).hosts(List.of("web-1", "web-2"))
                .selector("--hosts web-*").createdAt(now).deadline(now + 600_000)
                .rollout(new org.murder.orchestrator.rollout.Rollout(List.of(), List.of(List.of("web-1"), List.of("web-2")), "0",
                        false, true)).build());
        deployZk.create().creatingParentContainersIfNeeded().forPath(org.murder.orchestrator.zk.ZkPaths.job(paused.id()),
                Json.write(paused));
        // wave 1 released (its host web-1 has no agent registered: the deploy gives it up, so the wave counts as passed)
        deployZk.create().creatingParentContainersIfNeeded().forPath(org.murder.orchestrator.zk.ZkPaths.wave(paused.id(), 0),
                signer.signText(org.murder.orchestrator.zk.ZkPaths.wave(paused.id(), 0)).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        Deployer operator = deployer();

        MurderException none = assertThrows(MurderException.class, () -> operator.approveNextWave(paused.id()));
        assertTrue(none.getMessage().contains("no deploy is following the job"), none.getMessage());

        // the follower runs on a host whose clock is a minute behind ours: its heartbeats look stale here, yet it renews the lock
        try (CuratorFramework follower = Zk.connect(settings)) {
            LockHolder skewed = new LockHolder("deploy-host-2", 4242, 0, "deploy v7", now - 60_000, now - 60_000, 30_000);
            lockFixture(follower, "/locks/v7", skewed);
            java.util.concurrent.ScheduledExecutorService beat = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
            try {
                beat.scheduleAtFixedRate(() -> {
                    try {
                        follower.setData().forPath("/locks/v7", Json.write(skewed)); // a heartbeat: the node's version moves
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, 500, 500, java.util.concurrent.TimeUnit.MILLISECONDS);
                assertEquals(2, operator.approveNextWave(paused.id()), "a renewed lock is a live follower, whatever the clocks say");
            } finally {
                beat.shutdownNow();
            }
        }
    }

    @Test
    void aCrashedDeployOnThisHostDoesNotBlockItsReRun() throws Exception {
        fleet.start("web-1", List.of("web"));
        Process gone = new ProcessBuilder("true").start();
        assertTrue(gone.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
        // the crashed deploy's session lives on in ZooKeeper until it expires: its lock with it
        try (CuratorFramework crashed = Zk.connect(settings)) {
            long now = System.currentTimeMillis();
            lockFixture(crashed, "/locks/v11", new LockHolder(java.net.InetAddress.getLocalHost().getHostName(), gone.pid(), 0,
                    "deploy v11", now - 10_000, now - 10_000, 10_000));
            List<HostOutcome> outcomes = deployer().deploy(request(release(1000), "v11", List.of("web-*"), Duration.ofMinutes(1)));
            assertTrue(outcomes.get(0).succeeded(), outcomes + "\n" + output);
            assertTrue(crashed.checkExists().forPath("/locks/v11") == null, "our lock is released at the end");
        }
    }
}
