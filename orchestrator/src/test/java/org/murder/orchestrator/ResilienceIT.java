package org.murder.orchestrator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.PortRange;
import org.murder.core.Rate;
import org.murder.orchestrator.agent.Activator;
import org.murder.orchestrator.agent.ReleaseActivator;
import org.murder.orchestrator.deploy.DeployRequest;
import org.murder.orchestrator.deploy.Deployer;
import org.murder.orchestrator.deploy.SummaryPrinter;
import org.murder.orchestrator.deploy.HostOutcome;
import org.murder.orchestrator.job.HostReport;
import org.murder.orchestrator.job.Job;
import org.murder.orchestrator.job.JobSigner;
import org.murder.orchestrator.job.Json;
import org.murder.orchestrator.release.Generation;
import org.murder.orchestrator.zk.Zk;
import org.murder.orchestrator.zk.ZkPaths;
import org.murder.orchestrator.zk.ZkSettings;
import org.murder.peer.engine.EngineConfig;
import org.murder.testkit.MutableClock;

/** Agents and deploys through restarts, outages, a lost ensemble member, forged jobs and ACLs. */
@Timeout(240)
class ResilienceIT {
    @TempDir
    Path tmp;

    private TestingServer server;
    private TestingCluster cluster;
    private AgentFleet fleet;
    private CuratorFramework deployZk;
    private final StringWriter output = new StringWriter();

    @AfterEach
    void stop() throws Exception {
        if (fleet != null) {
            fleet.close();
        }
        if (deployZk != null) {
            deployZk.close();
        }
        if (server != null) {
            server.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private ZkSettings startServer() throws Exception {
        server = new TestingServer(true);
        return ZkSettings.of(server.getConnectString()).withTimeouts(Duration.ofSeconds(15), Duration.ofSeconds(5));
    }

    private Path release(int bytes) throws Exception {
        Path src = Files.createDirectories(tmp.resolve("build"));
        byte[] data = new byte[bytes];
        new Random(11).nextBytes(data);
        Files.write(src.resolve("payload.bin"), data);
        return src;
    }

    private DeployRequest request(Path src, String tag) {
        return request(src, tag, false);
    }

    private DeployRequest request(Path src, String tag, boolean activate) {
        return DeployRequest.builder().source(src).tag(tag).hostGlobs(List.of("web-*")).seedTime(Duration.ofSeconds(2))
                .timeout(Duration.ofMinutes(3)).activate(activate).keep(3).bind("127.0.0.1").trackerPort(0).advertise("127.0.0.1").seederPorts(new PortRange(46000, 46999))
                .workDir(tmp.resolve("work-" + tag)).grace(Duration.ZERO).build();
    }

    private CompletableFuture<List<HostOutcome>> deployAsync(ZkSettings settings, Path src, String tag) {
        return deployAsync(settings, request(src, tag));
    }

    private CompletableFuture<List<HostOutcome>> deployAsync(ZkSettings settings, DeployRequest request) {
        deployZk = Zk.connect(settings);
        Deployer d = new Deployer(deployZk, new JobSigner(AgentFleet.SECRET), Clock.systemUTC(), new PrintWriter(output, true), false);
        return CompletableFuture.supplyAsync(() -> {
            try {
                return d.deploy(request);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /**
     * Waits (on a cache event, not a sleep) until some host report under any job matches. A progress
     * report (downloading, bytes above 0) is stored up to 2 s after the download starts (ReportCadence
     * draws its first update at random in a 2 s interval) and is lost if the download ends first, so the
     * tests waiting for one cap the agent's download rate to make a download last about 6 s or more
     * (this makes a miss unlikely, not impossible, on a badly overloaded machine).
     */
    private static HostReport awaitReport(CuratorFramework zk, String host, java.util.function.Predicate<HostReport> condition)
            throws Exception {
        return awaitReport(zk, host, condition, Duration.ofSeconds(120));
    }

    private static HostReport awaitReport(CuratorFramework zk, String host, java.util.function.Predicate<HostReport> condition,
            Duration within) throws Exception {
        CompletableFuture<HostReport> seen = new CompletableFuture<>();
        java.util.concurrent.ConcurrentLinkedQueue<String> states = new java.util.concurrent.ConcurrentLinkedQueue<>();
        try (CuratorCache cache = CuratorCache.build(zk, ZkPaths.REPORTS)) {
            cache.listenable().addListener(CuratorCacheListener.builder().forCreatesAndChanges((before, node) -> {
                if (node.getPath().endsWith("/" + host) && !node.getPath().equals(ZkPaths.REPORTS + "/" + host) && node.getData() != null && node.getData().length > 0) {
                    HostReport r = Json.read(node.getData(), HostReport.class);
                    states.add(r.state() + " " + r.bytes() + "/" + r.total());
                    if (condition.test(r)) {
                        seen.complete(r);
                    }
                }
            }).build());
            cache.start();
            try {
                return seen.get(within.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError("no matching report from " + host + " within " + within + "; its reports: " + states);
            }
        }
    }

    @Test
    void anAgentActivatesAVerifiedReleaseWhileZooKeeperIsDown() throws Exception {
        ZkSettings settings = startServer();
        fleet = new AgentFleet(settings, tmp.resolve("hosts"), new ReleaseActivator());
        AgentFleet.Running a = fleet.start("web-1", List.of(), EngineConfig.builder().maxDown(Rate.parse("512KiB/s")));
        CompletableFuture<List<HostOutcome>> deploy = deployAsync(settings, request(release(3_000_000), "v7", true));
        awaitReport(a.zk(), "web-1", r -> HostReport.DOWNLOADING.equals(r.state()) && r.bytes() > 0);
        server.stop();
        // the rest arrives from the seeder in about 6 s; activation needs nothing from ZooKeeper
        Path current = tmp.resolve("hosts/web-1/current");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.exists(current) && System.nanoTime() - deadline < 0) {
            Thread.sleep(50);
        }
        boolean activatedDuringOutage = Files.exists(current);
        server.restart();
        assertTrue(activatedDuringOutage, "web-1 activated v7 within 20 s of ZooKeeper going down");
        assertEquals("v7", current.toRealPath().getFileName().toString());
        List<HostOutcome> outcomes = deploy.get(180, TimeUnit.SECONDS);
        assertTrue(outcomes.get(0).succeeded(), "the done report caught up after the outage: " + outcomes + "\n" + output);
    }

    @Test
    void anAgentStopsAtTheJobsDeadlineWithTheOriginGoneAndReportsWhatIsOnDisk() throws Exception {
        ZkSettings settings = startServer();
        fleet = new AgentFleet(settings, tmp.resolve("hosts"), AgentFleet.noActivation());
        MutableClock agentClock = new MutableClock(java.time.Instant.now());
        AgentFleet.Running a = fleet.start("web-1", List.of(), EngineConfig.builder().maxDown(Rate.parse("1MiB/s")), agentClock);
        deployZk = Zk.connect(settings);
        Deployer d = new Deployer(deployZk, new JobSigner(AgentFleet.SECRET), Clock.systemUTC(), new PrintWriter(output, true), false);
        Path src = release(8_000_000);
        java.util.concurrent.ExecutorService deployHost = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            java.util.concurrent.Future<List<HostOutcome>> deploy = deployHost.submit(() -> d.deploy(request(src, "v8")));
            awaitReport(a.zk(), "web-1", r -> HostReport.DOWNLOADING.equals(r.state()) && r.bytes() > 0);
            // the deploy process goes away, and its seeder and tracker with it
            deploy.cancel(true);
            deployHost.shutdown();
            assertTrue(deployHost.awaitTermination(30, TimeUnit.SECONDS), "the deploy stopped");
        } finally {
            deployHost.shutdownNow();
        }
        agentClock.advance(Duration.ofMinutes(3).plusSeconds(1)); // past the job's 3-minute deadline, long before the stall timeout
        HostReport failed = awaitReport(a.zk(), "web-1", r -> HostReport.FAILED.equals(r.state()), Duration.ofSeconds(20));
        assertTrue(failed.error().startsWith("past the job's deadline ("), failed.error());
        assertTrue(failed.error().endsWith("v8.tar.zst.part kept for a later deploy to resume"), failed.error());
        // and why: its only source went with the deploy
        assertTrue(failed.error().contains(" peers known, 0 connected"), failed.error());
        assertTrue(failed.bytes() > 0 && failed.bytes() < failed.total(), "the verified bytes, not 0: " + failed);
        Path part = tmp.resolve("hosts/web-1/v8.tar.zst.part");
        assertTrue(Files.exists(part), "the partial download stays for a resume");
        assertTrue(Files.notExists(tmp.resolve("hosts/web-1/v8.tar.zst")));
    }

    /**
     * A host whose clock is an hour ahead (NTP broken) takes every job for past its deadline: it says so in its report at
     * once, with the clocks' offsets from ZooKeeper's (the job node's creation time and a probe's), and the deploy ends on
     * it instead of waiting its 3 minutes for a host that never started.
     */
    @Test
    void aHostWhoseClockIsAnHourAheadSaysSoInsteadOfLettingTheDeployTimeOut() throws Exception {
        ZkSettings settings = startServer();
        fleet = new AgentFleet(settings, tmp.resolve("hosts"), AgentFleet.noActivation());
        fleet.start("web-1", List.of(), EngineConfig.builder(), Clock.offset(Clock.systemUTC(), Duration.ofHours(1)));
        long started = System.nanoTime();
        List<HostOutcome> outcomes = deployAsync(settings, release(100_000), "v12").get(120, TimeUnit.SECONDS);
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        HostOutcome o = outcomes.get(0);
        assertEquals("failed", o.result(), outcomes + "\n" + output);
        assertTrue(o.error().startsWith("clock off: this host's clock is +3600 s from ZooKeeper's, the deploy host's was +0 s; the job,"
                + " published ") && o.error().endsWith("(expected: clocks within the job's timeout, 180 s, of each other: check NTP)"),
                o.error());
        assertTrue(seconds < 60, "ended on the host's report, not at the 3-minute deadline: " + seconds + " s");
    }

    @Test
    void anAgentKilledMidDownloadResumesAfterARestart() throws Exception {
        ZkSettings settings = startServer();
        fleet = new AgentFleet(settings, tmp.resolve("hosts"), AgentFleet.noActivation());
        AgentFleet.Running slow = fleet.start("web-1", List.of(), EngineConfig.builder().maxDown(Rate.parse("1MiB/s")));
        Path src = release(8_000_000);
        CompletableFuture<List<HostOutcome>> deploy = deployAsync(settings, src, "v1");
        awaitReport(slow.zk(), "web-1", r -> HostReport.DOWNLOADING.equals(r.state()) && r.bytes() > 0);
        fleet.kill(slow);
        assertTrue(Files.exists(tmp.resolve("hosts/web-1/v1.tar.zst.part")), "a partial download is on disk");

        try (CuratorFramework observer = Zk.connect(settings)) {
            long before = awaitReport(observer, "web-1", r -> true).bytes(); // the last report of the killed agent
            java.util.List<HostReport> dropped = new java.util.concurrent.CopyOnWriteArrayList<>();
            fleet.start("web-1", List.of());
            awaitReport(observer, "web-1", r -> {
                if (r.bytes() < before) {
                    dropped.add(r);
                }
                return HostReport.DONE.equals(r.state());
            }, Duration.ofSeconds(180));
            assertEquals(List.of(), dropped, "the resumed host's progress went back below the " + before + " bytes it had"
                    + " reported, while its .part was checked again");
        }
        List<HostOutcome> outcomes = deploy.get(180, TimeUnit.SECONDS);
        assertTrue(outcomes.get(0).succeeded(), outcomes + "\n" + output);
        assertArrayEquals(Files.readAllBytes(tmp.resolve("work-v1/v1.tar.zst")), Files.readAllBytes(tmp.resolve("hosts/web-1/v1.tar.zst")));
    }

    @Test
    void aHostThatDownloadedBeforeItsAgentRestartedIsNotShownAsAlreadyThere() throws Exception {
        ZkSettings settings = startServer();
        CountDownLatch activating = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean firstRun = new java.util.concurrent.atomic.AtomicBoolean(true);
        Activator stallsUntilKilled = new Activator() {
            @Override
            public void activate(Path dest, String tag, Path archive, int keep, Generation by) {
                if (firstRun.getAndSet(false)) {
                    activating.countDown();
                    try {
                        new CountDownLatch(1).await(60, TimeUnit.SECONDS); // the kill interrupts it
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    throw new IllegalStateException("killed while activating");
                }
                new ReleaseActivator().activate(dest, tag, archive, keep, by);
            }

            @Override
            public String rollback(Path dest, java.util.Optional<String> tag, Generation by) {
                throw new UnsupportedOperationException("rollback is not part of this test");
            }
        };
        fleet = new AgentFleet(settings, tmp.resolve("hosts"), stallsUntilKilled);
        AgentFleet.Running agent = fleet.start("web-1", List.of());
        CompletableFuture<List<HostOutcome>> deploy = deployAsync(settings, request(release(500_000), "v9", true));
        // reports are coalesced (ReportCadence): a fast download may be stored as ready or activating, never as
        // downloading; any of the three tells the restarted agent that this job fetched the archive
        awaitReport(agent.zk(), "web-1", r -> java.util.Set.of(HostReport.DOWNLOADING, HostReport.READY, HostReport.ACTIVATING)
                .contains(r.state()));
        assertTrue(activating.await(60, TimeUnit.SECONDS), "web-1 downloaded and verified v9");
        fleet.kill(agent);

        fleet.start("web-1", List.of());
        List<HostOutcome> outcomes = deploy.get(120, TimeUnit.SECONDS);
        assertTrue(outcomes.get(0).succeeded(), outcomes + "\n" + output);
        assertEquals(HostReport.BEFORE_RESTART, outcomes.get(0).reused());
        StringWriter summary = new StringWriter();
        SummaryPrinter.summary(new PrintWriter(summary, true), "v9", outcomes);
        assertTrue(summary.toString().contains("\nweb-1  done+ "), summary.toString());
        assertTrue(summary.toString().contains("(done+ = downloaded by this job before its agent restarted: checked again, not"
                + " downloaded again)"), summary.toString());
        assertTrue(!summary.toString().contains("done*"), summary.toString());
    }

    @Test
    void aDeployCompletesThroughAZooKeeperRestart() throws Exception {
        ZkSettings settings = startServer();
        fleet = new AgentFleet(settings, tmp.resolve("hosts"), AgentFleet.noActivation());
        AgentFleet.Running a = fleet.start("web-1", List.of(), EngineConfig.builder().maxDown(Rate.parse("1MiB/s")));
        fleet.start("web-2", List.of(), EngineConfig.builder().maxDown(Rate.parse("1MiB/s")));
        CompletableFuture<List<HostOutcome>> deploy = deployAsync(settings, release(6_000_000), "v2");
        awaitReport(a.zk(), "web-1", r -> HostReport.DOWNLOADING.equals(r.state()) && r.bytes() > 0);
        server.restart();
        List<HostOutcome> outcomes = deploy.get(180, TimeUnit.SECONDS);
        assertTrue(outcomes.stream().allMatch(HostOutcome::succeeded), outcomes + "\n" + output);
    }

    @Test
    void aDeployWhoseZooKeeperIsGoneForGoodEndsAtItsDeadlineAndSaysItsResultsAreAsLastRead() throws Exception {
        ZkSettings settings = startServer();
        fleet = new AgentFleet(settings, tmp.resolve("hosts"), AgentFleet.noActivation());
        AgentFleet.Running a = fleet.start("web-1", List.of(), EngineConfig.builder().maxDown(Rate.parse("256KiB/s")));
        Duration timeout = Duration.ofSeconds(20);
        DeployRequest request = DeployRequest.builder().source(release(8_000_000)).tag("v9").hostGlobs(List.of("web-*"))
                .seedTime(Duration.ofSeconds(2)).timeout(timeout).keep(3).bind("127.0.0.1").trackerPort(0).advertise("127.0.0.1")
                .seederPorts(new PortRange(46000, 46999)).workDir(tmp.resolve("work-v9")).grace(Duration.ZERO).build();
        long started = System.nanoTime();
        CompletableFuture<List<HostOutcome>> deploy = deployAsync(settings, request);
        awaitReport(a.zk(), "web-1", r -> HostReport.DOWNLOADING.equals(r.state()) && r.bytes() > 0);
        server.stop(); // and never back
        List<HostOutcome> outcomes = deploy.get(120, TimeUnit.SECONDS);
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        // the deadline, then the summary: releasing its lock through Curator's retries took another 60-100 s
        assertTrue(seconds < timeout.toSeconds() + 15, "ended " + seconds + " s after the launch; --timeout " + timeout + "\n" + output);
        assertEquals("timeout", outcomes.get(0).result(), outcomes + "\n" + output);
        assertTrue(output.toString().contains("note      ZooKeeper unreachable for the last "), output.toString());
    }

    @Test
    void aDeployAtItsDeadlineWaitsForTheAgentsOwnLastReports() throws Exception {
        ZkSettings settings = startServer();
        fleet = new AgentFleet(settings, tmp.resolve("hosts"), AgentFleet.noActivation());
        // its clock 4 s behind the deploy's (or its stop slow): its last report lands after the deploy's deadline
        AgentFleet.Running a = fleet.start("web-1", List.of(), EngineConfig.builder().maxDown(Rate.parse("256KiB/s")),
                Clock.offset(Clock.systemUTC(), Duration.ofSeconds(-4)));
        Duration timeout = Duration.ofSeconds(12);
        DeployRequest request = DeployRequest.builder().source(release(8_000_000)).tag("v11").hostGlobs(List.of("web-*"))
                .seedTime(Duration.ofSeconds(2)).timeout(timeout).keep(3).bind("127.0.0.1").trackerPort(0).advertise("127.0.0.1")
                .seederPorts(new PortRange(46000, 46999)).workDir(tmp.resolve("work-v11")).grace(Duration.ZERO).build();
        long started = System.nanoTime();
        List<HostOutcome> outcomes = deployAsync(settings, request).get(120, TimeUnit.SECONDS);
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        // the summary is the agent's own account, the one 'murder jobs' shows, not the deploy's guess of a moment before it
        HostOutcome o = outcomes.get(0);
        assertEquals("failed", o.result(), outcomes + "\n" + output);
        assertTrue(o.error().startsWith("past the job's deadline (") && o.error().contains(" peers known, 1 connected"), o.error());
        assertTrue(output.toString().contains("deadline  passed with 1 host still at work: waiting up to "), output.toString());
        HostReport stored = awaitReport(a.zk(), "web-1", r -> HostReport.FAILED.equals(r.state()), Duration.ofSeconds(5));
        assertEquals(stored.error(), o.error());
        assertTrue(seconds < timeout.toSeconds() + Deployer.settleMillis(1) / 1000 + 10, "ended " + seconds + " s after the launch");
    }

    @Test
    void aTagDeployedAgainWhileItsEarlierJobStillSeedsTakesOverItsCopy() throws Exception {
        ZkSettings settings = startServer();
        fleet = new AgentFleet(settings, tmp.resolve("hosts"), AgentFleet.noActivation());
        AgentFleet.Running a = fleet.start("web-1", List.of());
        Path src = release(2_000_000);
        DeployRequest seedsLong = DeployRequest.builder().source(src).tag("v7").hostGlobs(List.of("web-*"))
                .seedTime(Duration.ofMinutes(5)).timeout(Duration.ofMinutes(2)).keep(3).bind("127.0.0.1").trackerPort(0)
                .advertise("127.0.0.1").seederPorts(new PortRange(46000, 46999)).workDir(tmp.resolve("work-v7")).grace(Duration.ZERO).build();
        assertTrue(deployAsync(settings, seedsLong).get(120, TimeUnit.SECONDS).stream().allMatch(HostOutcome::succeeded), output.toString());
        deployZk.close();
        Path archive;
        try (java.util.stream.Stream<Path> files = Files.list(a.root())) {
            archive = files.filter(p -> p.getFileName().toString().endsWith(".tar.zst")).findFirst().orElseThrow();
        }
        Files.delete(archive); // by hand, while the agent still seeds it for 5 minutes
        List<HostOutcome> again = deployAsync(settings, seedsLong).get(120, TimeUnit.SECONDS);
        assertTrue(again.stream().allMatch(HostOutcome::succeeded), again + "\n" + output); // was: "already running in this engine"
        assertTrue(Files.isRegularFile(archive));
    }

    @Test
    void aDeployCompletesWithOneOfThreeZooKeeperServersKilled() throws Exception {
        cluster = new TestingCluster(3);
        cluster.start();
        ZkSettings settings = ZkSettings.of(cluster.getConnectString()).withTimeouts(Duration.ofSeconds(15), Duration.ofSeconds(10));
        fleet = new AgentFleet(settings, tmp.resolve("hosts"), AgentFleet.noActivation());
        AgentFleet.Running a = fleet.start("web-1", List.of(), EngineConfig.builder().maxDown(Rate.parse("512KiB/s")));
        fleet.start("web-2", List.of());
        CompletableFuture<List<HostOutcome>> deploy = deployAsync(settings, release(5_000_000), "v3");
        awaitReport(a.zk(), "web-1", r -> HostReport.DOWNLOADING.equals(r.state()) && r.bytes() > 0);
        InstanceSpec victim = cluster.getInstances().iterator().next();
        assertTrue(cluster.killServer(victim));
        List<HostOutcome> outcomes = deploy.get(180, TimeUnit.SECONDS);
        assertTrue(outcomes.stream().allMatch(HostOutcome::succeeded), outcomes + "\n" + output);
    }

    @Test
    void anAgentWhoseSessionExpiredRegistersAgainAndTakesTheNextJob() throws Exception {
        ZkSettings settings = startServer();
        fleet = new AgentFleet(settings, tmp.resolve("hosts"), AgentFleet.noActivation());
        AgentFleet.Running agent = fleet.start("web-1", List.of());
        CuratorFramework observer = Zk.connect(settings);
        long before = observer.checkExists().forPath(ZkPaths.agent("web-1")).getEphemeralOwner();
        try (CuratorCache agents = CuratorCache.build(observer, ZkPaths.AGENTS)) {
            // a new session's registration: the node is there again with another owner (the cache may
            // see delete + create, or only a change, depending on how fast the agent re-registers)
            CountDownLatch back = new CountDownLatch(1);
            agents.listenable().addListener(CuratorCacheListener.builder().forAll((type, old, node) -> {
                if (node != null && node.getPath().equals(ZkPaths.agent("web-1")) && node.getStat() != null
                        && node.getStat().getEphemeralOwner() != before) {
                    back.countDown();
                }
            }).build());
            agents.start();
            agent.zk().getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();
            assertTrue(back.await(60, TimeUnit.SECONDS), "the agent registered again under a new session");
        } finally {
            observer.close();
        }
        List<HostOutcome> outcomes = deployAsync(settings, release(200_000), "v6").get(120, TimeUnit.SECONDS);
        assertTrue(outcomes.get(0).succeeded(), outcomes + "\n" + output);
    }

    @Test
    void anAgentStopsInSecondsWhileZooKeeperIsDown() throws Exception {
        ZkSettings settings = startServer();
        fleet = new AgentFleet(settings, tmp.resolve("hosts"), AgentFleet.noActivation());
        AgentFleet.Running agent = fleet.start("web-1", List.of());
        CountDownLatch lost = new CountDownLatch(1);
        agent.zk().getConnectionStateListenable().addListener((client, state) -> {
            if (!state.isConnected()) {
                lost.countDown();
            }
        });
        server.stop();
        assertTrue(lost.await(30, TimeUnit.SECONDS), "the agent saw ZooKeeper go");
        long start = System.nanoTime();
        agent.agent().close(); // as on SIGTERM; before, deleting its registration retried for about 50 s
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(millis < 5_000, "closed in " + millis + " ms");
        server.restart();
    }

    @Test
    void unsignedAndTamperedJobsAreIgnored() throws Exception {
        ZkSettings settings = startServer();
        fleet = new AgentFleet(settings, tmp.resolve("hosts"), AgentFleet.noActivation());
        AgentFleet.Running agent = fleet.start("web-1", List.of());
        CuratorFramework zk = agent.zk();
        byte[] torrent = java.util.Base64.getEncoder().encode("d4:infoi1ee".getBytes(StandardCharsets.US_ASCII));
        Job unsigned = Job.builder().id("forged-1").type(Job.DEPLOY).tag("forged").torrent(new String(torrent, StandardCharsets.US_ASCII))
                .md5("0123456789abcdef0123456789abcdef").size(1).keep(1).hosts(List.of("web-1")).createdAt(System.currentTimeMillis())
                .deadline(System.currentTimeMillis() + 60_000).build();
        zk.create().creatingParentContainersIfNeeded().forPath(ZkPaths.job("forged-1"), Json.write(unsigned));
        Job tampered = new JobSigner(AgentFleet.SECRET).sign(unsigned.withSignature("")).withSignature("");
        Job signedThenChanged = new JobSigner(AgentFleet.SECRET).sign(unsigned.toBuilder().id("forged-2").hosts(List.of("web-2")).build());
        Job widened = signedThenChanged.toBuilder().hosts(List.of("web-1")).build();
        zk.create().forPath(ZkPaths.job("forged-2"), Json.write(widened));
        zk.create().forPath(ZkPaths.job("garbage"), "{not json".getBytes(StandardCharsets.US_ASCII));
        zk.create().forPath(ZkPaths.job("empty"), new byte[0]);
        byte[] huge = new byte[900_000]; // near the node limit
        java.util.Arrays.fill(huge, (byte) '[');
        zk.create().forPath(ZkPaths.job("huge"), huge);
        java.io.ByteArrayOutputStream bomb = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(bomb)) {
            byte[] spaces = new byte[1 << 20];
            java.util.Arrays.fill(spaces, (byte) ' ');
            for (int i = 0; i < 256; i++) {
                gz.write(spaces); // 256 MB of JSON whitespace in about 256 KB
            }
        }
        zk.create().forPath(ZkPaths.job("bomb"), bomb.toByteArray());
        assertEquals("", tampered.signature());

        // a real deploy afterwards: once it is done, the agent has seen (and skipped) the forged ones
        List<HostOutcome> outcomes = deployAsync(settings, release(100_000), "v4").get(120, TimeUnit.SECONDS);
        assertTrue(outcomes.get(0).succeeded(), outcomes + "\n" + output);
        for (String forged : List.of("forged-1", "forged-2", "garbage", "empty", "huge", "bomb")) {
            assertNull(zk.checkExists().forPath(ZkPaths.host(forged, "web-1")), forged + " was not acted on");
        }
        assertTrue(Files.notExists(tmp.resolve("hosts/web-1/forged.tar.gz.part")));
    }

    /**
     * Someone who can write ZooKeeper nodes but has no job secret wrote "done" for web-2 as soon as the
     * job's reports appeared (before its agent read the job): the deploy counted web-2 done and exited
     * 0, and web-2's agent took the job as finished and never downloaded it. Reports are signed now.
     */
    @Test
    void aDoneReportWrittenWithoutTheSecretIsNoneForTheDeployAndTheAgent() throws Exception {
        ZkSettings settings = startServer();
        fleet = new AgentFleet(settings, tmp.resolve("hosts"), AgentFleet.noActivation());
        fleet.start("web-1", List.of());
        fleet.start("web-2", List.of());
        java.util.concurrent.atomic.AtomicInteger forged = new java.util.concurrent.atomic.AtomicInteger();
        try (CuratorFramework forger = Zk.connect(settings); CuratorCache cache = CuratorCache.build(forger, ZkPaths.REPORTS)) {
            cache.listenable().addListener(CuratorCacheListener.builder().forCreates(node -> {
                String rest = node.getPath().substring(ZkPaths.REPORTS.length());
                if (rest.matches("/[^/]+")) { // a job's reports, made before its job is published
                    try {
                        forger.create().orSetData().creatingParentContainersIfNeeded().inBackground((c, e) -> forged.incrementAndGet())
                                .forPath(ZkPaths.host(rest.substring(1), "web-2"),
                                        Json.write(HostReport.accepted(100_000, 1).progress(100_000, 0, 1).done(2, "")));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            }).build());
            cache.start();
            List<HostOutcome> outcomes = deployAsync(settings, release(100_000), "v7").get(120, TimeUnit.SECONDS);
            assertTrue(outcomes.stream().allMatch(HostOutcome::succeeded), outcomes + "\n" + output);
        }
        assertEquals(1, forged.get(), "the forged report was written");
        assertArrayEquals(Files.readAllBytes(tmp.resolve("work-v7/v7.tar.zst")), Files.readAllBytes(tmp.resolve("hosts/web-2/v7.tar.zst")),
                "web-2 downloaded the release");
    }

    /**
     * A signed job is good until its deadline wherever its node is: someone who could write nodes
     * made an old job's node again, byte for byte, with its reports gone. The agent, restarted (its
     * memory of the job gone too), ran it again; with activation that switched current back.
     */
    @Test
    void aJobRunHereBeforeIsNotRunAgainWhenItsNodeIsMadeAgainAfterARestart() throws Exception {
        ZkSettings settings = startServer();
        String id = v1DoneThenWeb1Killed(settings);
        byte[] job = deployZk.getData().forPath(ZkPaths.job(id));
        deployZk.delete().deletingChildrenIfNeeded().forPath(ZkPaths.hosts(id));
        deployZk.delete().forPath(ZkPaths.job(id));
        deployZk.create().forPath(ZkPaths.job(id), job); // the same signed job, a newer node
        fleet.start("web-1", List.of());
        // a real deploy afterwards: once it is done, the restarted agent has listed the jobs, the replayed one too
        List<HostOutcome> v2 = deployAsync(settings, release(120_000), "v2").get(120, TimeUnit.SECONDS);
        assertTrue(v2.get(0).succeeded(), v2 + "\n" + output);
        assertNull(deployZk.checkExists().forPath(ZkPaths.host(id, "web-1")), "the replayed job was run again");
    }

    /** Agent web-1 takes a deploy of v1 to its end and is then killed (SIGKILL); returns v1's job id. */
    private String v1DoneThenWeb1Killed(ZkSettings settings) throws Exception {
        fleet = new AgentFleet(settings, tmp.resolve("hosts"), AgentFleet.noActivation());
        AgentFleet.Running agent = fleet.start("web-1", List.of());
        List<HostOutcome> v1 = deployAsync(settings, release(100_000), "v1").get(120, TimeUnit.SECONDS);
        assertTrue(v1.get(0).succeeded(), v1 + "\n" + output);
        String id = deployZk.getChildren().forPath(ZkPaths.JOBS).stream().filter(j -> j.startsWith("v1-")).findFirst().orElseThrow();
        fleet.kill(agent);
        return id;
    }

    /**
     * A job that ended while ZooKeeper was away, its agent restarted before it came back: the final report
     * was lost and the last one stored says the job is under way. The restarted agent runs it again to
     * report its end (its record of finished jobs alone would have left the host at "downloading" until
     * the deploy timed it out).
     */
    @Test
    void aJobWhoseFinalReportWasLostIsReportedAgainAfterARestart() throws Exception {
        ZkSettings settings = startServer();
        String id = v1DoneThenWeb1Killed(settings);
        String path = ZkPaths.host(id, "web-1");
        HostReport done = Json.read(deployZk.getData().forPath(path), HostReport.class);
        HostReport underWay = HostReport.accepted(done.total(), done.startedAt()).progress(done.total() / 2, 0, 1);
        deployZk.setData().forPath(path, org.murder.orchestrator.job.ReportSeal.write(path, underWay, new JobSigner(AgentFleet.SECRET)));
        try (CuratorFramework observer = Zk.connect(settings)) {
            fleet.start("web-1", List.of());
            assertEquals(HostReport.DONE, awaitReport(observer, "web-1", HostReport::isFinished, Duration.ofSeconds(60)).state());
        }
    }

    /**
     * An agent upgraded from one that signed no reports finds its own unsigned "done" of a job still before
     * its deadline: it ran it again (a rollback job went one more release back). Until its first job, such
     * a report stored before it started counts as finished.
     */
    @Test
    void anAgentJustUpgradedDoesNotRunAgainAJobItFinishedBeforeSigningReports() throws Exception {
        ZkSettings settings = startServer();
        String id = v1DoneThenWeb1Killed(settings);
        // what the agent before the upgrade left: an unsigned report, no record of finished jobs
        byte[] unsigned = Json.write(Json.read(deployZk.getData().forPath(ZkPaths.host(id, "web-1")), HostReport.class));
        deployZk.setData().forPath(ZkPaths.host(id, "web-1"), unsigned);
        Files.delete(tmp.resolve("hosts/web-1/.murder-finished-jobs"));
        fleet.start("web-1", List.of());
        List<HostOutcome> v2 = deployAsync(settings, release(120_000), "v2").get(120, TimeUnit.SECONDS);
        assertTrue(v2.get(0).succeeded(), v2 + "\n" + output);
        assertArrayEquals(unsigned, deployZk.getData().forPath(ZkPaths.host(id, "web-1")), "v1 was run again");
    }

    @Test
    void aDeployWithAnotherSecretIsRefusedAtOnceNotAtTheDeadline() throws Exception {
        ZkSettings settings = startServer();
        fleet = new AgentFleet(settings, tmp.resolve("hosts"), AgentFleet.noActivation());
        fleet.start("web-1", List.of());
        fleet.start("web-2", List.of());
        deployZk = Zk.connect(settings);
        Deployer d = new Deployer(deployZk, new JobSigner("another-secret-0123456789"), Clock.systemUTC(), new PrintWriter(output, true),
                false);
        long start = System.nanoTime();
        // the agents' registrations carry their own secret's signature: refused before anything is published, saying that
        // this host's secret is the likelier one to be wrong (the agents rejected such a job at once, each with a bad signature)
        org.murder.core.MurderException e = assertThrows(org.murder.core.MurderException.class,
                () -> d.deploy(request(release(100_000), "v8"))); // deadline: 3 minutes
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        assertTrue(e.getMessage().startsWith("none of the 2 registered agents is signed with this host's job secret: is it the"
                + " fleet's?"), e.getMessage());
        assertTrue(seconds < 60, "failed after " + seconds + " s, not at the 3-minute deadline");
        assertTrue(Files.notExists(tmp.resolve("hosts/web-1/v8.tar.zst.part")) && Files.notExists(tmp.resolve("hosts/web-1/v8.tar.zst")),
                "nothing downloaded");
    }

    @Test
    void withCredentialsAnUnauthenticatedClientCanNeitherReadNorWriteJobs() throws Exception {
        String jobId = v5DeployedToWeb1(startServer().withCredentials("murder:s3cret-pass"));
        try (CuratorFramework stranger = stranger()) {
            assertThrows(KeeperException.NoAuthException.class, () -> stranger.getData().forPath(ZkPaths.job(jobId)));
            assertThrows(KeeperException.NoAuthException.class, () -> stranger.getData().forPath(ZkPaths.agent("web-1")));
            assertThrows(KeeperException.NoAuthException.class,
                    () -> stranger.create().forPath(ZkPaths.job(jobId) + "/evil", new byte[0]));
            assertThrows(KeeperException.NoAuthException.class, () -> stranger.setData().forPath(ZkPaths.job(jobId), new byte[0]));
        }
    }

    /**
     * The default where the job secret is (every deploy host and agent): murder's nodes can be read by
     * anyone, but given children, changed or deleted only by a client that has the secret. A client
     * without it used to delete jobs and reports, and rewrite them (the audit's V-series), and, until
     * December 7, add nodes murder could not read among them (the hostile-ZooKeeper-client audit).
     */
    @Test
    void guardedByTheSecretAClientWithoutItCanReadButNeitherAddNorChangeNorDelete() throws Exception {
        String jobId = v5DeployedToWeb1(startServer().guardedBy("murder:derived-from-the-job-secret"));
        try (CuratorFramework stranger = stranger()) {
            byte[] job = stranger.getData().forPath(ZkPaths.job(jobId));
            assertTrue(job.length > 0, "jobs are read by anyone ('murder jobs' without the secret)");
            String report = ZkPaths.host(jobId, "web-1");
            stranger.getData().forPath(report);
            for (String path : List.of(ZkPaths.job(jobId), report, ZkPaths.ENSEMBLE_ID)) {
                assertThrows(KeeperException.NoAuthException.class, () -> stranger.setData().forPath(path, new byte[0]), path);
            }
            for (String path : List.of(ZkPaths.job(jobId), report)) {
                assertThrows(KeeperException.NoAuthException.class, () -> stranger.delete().forPath(path), path);
            }
            assertArrayEquals(job, deployZk.getData().forPath(ZkPaths.job(jobId)), "the job as published");
            // nothing of its own among murder's nodes: a registration, a job, a report, a lock (made unreadable to murder,
            // each stopped deploys or agents before)
            String squat = ZkPaths.agent("web-1");
            String bucket = squat.substring(0, squat.lastIndexOf('/'));
            for (String path : List.of(bucket + "/web-9", ZkPaths.JOBS + "/evil-1", report.substring(0, report.lastIndexOf('/')) + "/web-9")) {
                assertThrows(KeeperException.NoAuthException.class, () -> stranger.create().withMode(
                        org.apache.zookeeper.CreateMode.EPHEMERAL).forPath(path, "{}".getBytes(StandardCharsets.UTF_8)), path);
            }
        }
    }

    /** Agent web-1 started and v5 deployed to it, both with {@code settings}; returns the job's id. */
    private String v5DeployedToWeb1(ZkSettings settings) throws Exception {
        fleet = new AgentFleet(settings, tmp.resolve("hosts"), AgentFleet.noActivation());
        fleet.start("web-1", List.of());
        List<HostOutcome> outcomes = deployAsync(settings, release(100_000), "v5").get(120, TimeUnit.SECONDS);
        assertTrue(outcomes.get(0).succeeded(), outcomes + "\n" + output);
        return deployZk.getChildren().forPath(ZkPaths.JOBS).get(0);
    }

    /** A client of the test's server without credentials, connected. */
    private CuratorFramework stranger() throws InterruptedException {
        CuratorFramework stranger = CuratorFrameworkFactory.builder().connectString(server.getConnectString())
                .namespace("murder").retryPolicy(new RetryOneTime(100)).build();
        stranger.start();
        assertTrue(stranger.blockUntilConnected(5, TimeUnit.SECONDS), "connected");
        return stranger;
    }
}
