package org.murder.orchestrator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.PortRange;
import org.murder.orchestrator.agent.ReleaseActivator;
import org.murder.orchestrator.deploy.DeployRequest;
import org.murder.orchestrator.deploy.Deployer;
import org.murder.orchestrator.deploy.SummaryPrinter;
import org.murder.orchestrator.deploy.HostOutcome;
import org.murder.orchestrator.job.HostReport;
import org.murder.orchestrator.job.JobSigner;
import org.murder.orchestrator.job.Json;
import org.murder.orchestrator.rollout.HostSetup;
import org.murder.orchestrator.rollout.RolloutRequest;
import org.murder.orchestrator.zk.Zk;
import org.murder.orchestrator.zk.ZkPaths;
import org.murder.orchestrator.zk.ZkSettings;

/**
 * Hooks, overlays and waves on real agents (in-process, real ZooKeeper, real engines on loopback,
 * real unpacking and switching, hooks through /bin/sh), each hook appending a line to one log so the
 * order across hosts can be read back.
 */
@Timeout(180)
class RolloutIT {
    @TempDir
    Path tmp;

    private TestingServer server;
    private AgentFleet fleet;
    private CuratorFramework zk;
    private final StringWriter output = new StringWriter();
    private final Map<String, HostSetup> setups = new HashMap<>();
    private Path log;
    private Deployer last;

    @BeforeEach
    void start() throws Exception {
        server = new TestingServer(true);
        ZkSettings settings = ZkSettings.of(server.getConnectString()).withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(5));
        fleet = new AgentFleet(settings, tmp.resolve("hosts"), new ReleaseActivator());
        fleet.setups = name -> setups.getOrDefault(name, new HostSetup(Optional.empty(), Optional.empty(), Optional.empty(),
                Duration.ofMillis(100)));
        zk = Zk.connect(settings);
        log = tmp.resolve("hooks.log");
    }

    @AfterEach
    void stop() throws Exception {
        fleet.close();
        zk.close();
        server.close();
    }

    /** A release whose murder.hooks logs each hook as "HOOK HOST TAG (previous PREV, current CUR)". */
    private Path release(String tag) throws Exception {
        Path src = Files.createDirectories(tmp.resolve("build-" + tag));
        Files.writeString(src.resolve("VERSION"), tag + "\n");
        String line = "echo \"$MURDER_HOOK $MURDER_HOST $MURDER_TAG prev=$MURDER_PREVIOUS_TAG current=$(readlink $MURDER_DEST/current"
                + " | xargs -r basename) conf=$(cat $MURDER_RELEASE/conf/app.conf 2>/dev/null)\" >> " + log;
        Files.writeString(src.resolve("murder.hooks"), String.join("\n", "pre-activate = " + line, "post-activate = " + line,
                "health = " + line, "post-health = " + line, ""));
        Files.createDirectories(src.resolve("overlays/web/conf"));
        Files.writeString(src.resolve("overlays/web/conf/app.conf"), "web");
        return src;
    }

    private HostSetup agentHooks(String name, String... lines) throws Exception {
        Path file = tmp.resolve(name + ".hooks");
        Files.writeString(file, String.join("\n", lines) + "\n");
        return new HostSetup(Optional.of(file), Optional.empty(), Optional.empty(), Duration.ofMillis(100));
    }

    private List<HostOutcome> deploy(String tag, RolloutRequest rollout) throws Exception {
        DeployRequest request = request(tag, rollout);
        last = new Deployer(zk, new JobSigner(AgentFleet.SECRET), Clock.systemUTC(), new PrintWriter(output, true), false);
        return last.deploy(request);
    }

    private String current(String host) throws Exception {
        return tmp.resolve("hosts/" + host + "/current").toRealPath().getFileName().toString();
    }

    private List<String> logLines() throws Exception {
        return Files.readAllLines(log);
    }

    private HostReport report(String jobPrefix, String host) throws Exception {
        String job = zk.getChildren().forPath(ZkPaths.JOBS).stream().filter(j -> j.startsWith(jobPrefix)).findFirst().orElseThrow();
        return Json.read(zk.getData().forPath(ZkPaths.host(job, host)), HostReport.class);
    }

    @Test
    void hooksRunInOrderAroundTheSwitchWithTheOverlaysInPlaceAndTheirOutputInTheReport() throws Exception {
        fleet.start("web-1", List.of("web"));
        List<HostOutcome> outcomes = deploy("v1", RolloutRequest.defaults());
        assertTrue(outcomes.get(0).succeeded(), outcomes + "\n" + output);
        assertEquals(List.of(
                "pre-activate web-1 v1 prev= current= conf=web",
                "post-activate web-1 v1 prev= current=v1 conf=web",
                "health web-1 v1 prev= current=v1 conf=web",
                "post-health web-1 v1 prev= current=v1 conf=web"), logLines(),
                "pre-activate before the switch, with the overlay already in the release; the others after it");
        HostReport r = report("v1-", "web-1");
        assertEquals(List.of("pre-activate", "post-activate", "health", "post-health"), r.hooks().stream().map(h -> h.hook()).toList());
        assertTrue(r.switched());
        assertEquals("v1", r.current());

        Files.delete(log);
        List<HostOutcome> onlyHealth = deploy("v2", new RolloutRequest(List.of("health"), "", 0, "0", false));
        assertTrue(onlyHealth.get(0).succeeded(), onlyHealth + "\n" + output);
        assertEquals(List.of("health web-1 v2 prev=v1 current=v2 conf=web"), logLines(), "the job says which hooks run");
    }

    @Test
    void aFailedPreActivateKeepsTheOldReleaseAndAHookPastItsTimeoutIsKilled() throws Exception {
        fleet.start("web-1", List.of("web"));
        fleet.start("web-2", List.of("web"));
        assertTrue(deploy("v1", RolloutRequest.defaults()).stream().allMatch(HostOutcome::succeeded), output.toString());
        setups.put("web-1", agentHooks("web-1", "pre-activate = echo 'cannot drain'; exit 3"));
        setups.put("web-2", agentHooks("web-2", "post-activate = sleep 30", "post-activate.timeout = 1s"));
        fleet.close();
        fleet.agents.clear();
        fleet.start("web-1", List.of("web"));
        fleet.start("web-2", List.of("web"));

        List<HostOutcome> outcomes = deploy("v2", RolloutRequest.defaults());
        HostOutcome web1 = outcomes.get(0);
        HostOutcome web2 = outcomes.get(1);
        assertFalse(web1.succeeded());
        assertEquals("pre-activate failed: exit 3 (cannot drain); current still on v1", web1.error());
        assertEquals("v1", current("web-1"), "current never switched where pre-activate failed");
        assertTrue(Files.isDirectory(tmp.resolve("hosts/web-1/releases/v2")), "unpacked all the same");
        assertFalse(report("v2-", "web-1").switched());
        assertEquals("cannot drain\n", report("v2-", "web-1").hooks().get(0).output());

        assertFalse(web2.succeeded());
        assertEquals("post-activate failed: timed out after 1s (killed); current on v2 (was v1)", web2.error());
        assertTrue(report("v2-", "web-2").switched());
        assertEquals("v2", current("web-2"), "without waves nothing rolls back by itself");
    }

    @Test
    void anAgentRestartedAfterItsSwitchStillCountsItAsThisJobsAndItsFailedWaveIsRolledBack() throws Exception {
        fleet.start("web-1", List.of("web"));
        assertTrue(deploy("v1", RolloutRequest.defaults()).stream().allMatch(HostOutcome::succeeded), output.toString());
        fleet.close();
        fleet.agents.clear();
        Path restarting = tmp.resolve("restarting");
        // the first post-activate hangs (the agent is stopped during it), the second passes; v2 is never healthy
        setups.put("web-1", agentHooks("web-1", "post-activate = test -e " + restarting + " || { touch " + restarting + "; sleep 60; }",
                "health = test \"$MURDER_TAG\" != v2", "health.timeout = 1s"));
        fleet.start("web-1", List.of("web"));
        Files.delete(log);

        java.util.concurrent.CompletableFuture<List<HostOutcome>> rollout = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return deploy("v2", new RolloutRequest(RolloutRequest.ALL_HOOKS, "1,100%", 0, "0", false));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.exists(restarting) && System.nanoTime() < end && !rollout.isDone()) {
            Thread.sleep(50);
        }
        assertTrue(Files.exists(restarting), "post-activate started: " + output);
        assertEquals("v2", current("web-1"), "switched before the restart");
        Thread.sleep(1000); // its report (switched) is in ZooKeeper
        fleet.close();
        fleet.agents.clear();
        fleet.start("web-1", List.of("web"));

        List<HostOutcome> outcomes = rollout.get(90, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals("rolled-back", outcomes.get(0).result(), outcomes + "\n" + output);
        assertTrue(outcomes.get(0).error().endsWith("; rolled back to v1"), outcomes.get(0).error());
        assertEquals("v1", current("web-1"), "the switch this job made before the restart was undone with its wave");
        assertTrue(logLines().contains("pre-activate web-1 v2 prev=v1 current=v2 conf=web"),
                "resumed, the release before this job's switch is still the previous one: " + logLines());
    }

    @Test
    void aWaveThatFailsHealthStopsTheRolloutAndIsRolledBackWithItsHooksWhileEarlierWavesStay() throws Exception {
        for (String h : List.of("web-1", "web-2", "web-3", "web-4")) {
            fleet.start(h, List.of("web"));
        }
        assertTrue(deploy("v1", RolloutRequest.defaults()).stream().allMatch(HostOutcome::succeeded), output.toString());
        fleet.close();
        fleet.agents.clear();
        setups.put("web-3", agentHooks("web-3", "health = test \"$MURDER_TAG\" != v2", "health.timeout = 1s"));
        for (String h : List.of("web-1", "web-2", "web-3", "web-4")) {
            fleet.start(h, List.of("web"));
        }
        Files.delete(log);

        List<HostOutcome> outcomes = deploy("v2", new RolloutRequest(RolloutRequest.ALL_HOOKS, "1,3,100%", 0, "0", false));
        Map<String, HostOutcome> by = new HashMap<>();
        outcomes.forEach(o -> by.put(o.host(), o));
        assertEquals("done", by.get("web-1").result(), output.toString());
        assertEquals("v2", current("web-1"), "the first wave passed and stays");
        assertEquals("rolled-back", by.get("web-2").result(), output.toString());
        assertEquals("rolled back to v1", by.get("web-2").error());
        assertEquals("rolled-back", by.get("web-3").result());
        assertTrue(by.get("web-3").error().startsWith("health failed for 1s ("), by.get("web-3").error());
        assertTrue(by.get("web-3").error().endsWith("; current on v2 (was v1); rolled back to v1"), by.get("web-3").error());
        assertEquals("v1", current("web-2"));
        assertEquals("v1", current("web-3"));
        assertFalse(by.get("web-4").succeeded());
        assertEquals("not activated: the deploy stopped the rollout before wave 3", by.get("web-4").error());
        assertEquals("v1", current("web-4"), "the wave after the failed one never switched");
        assertTrue(Files.isDirectory(tmp.resolve("hosts/web-4/releases/v2")), "but had unpacked while the wave before was checked");

        List<String> lines = logLines();
        int lastOfWave1 = lines.indexOf("post-health web-1 v2 prev=v1 current=v2 conf=web");
        assertTrue(lastOfWave1 >= 0, lines.toString());
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(" web-2 ") || lines.get(i).contains(" web-3 ")) {
                assertTrue(i > lastOfWave1, "wave 2 started after wave 1 passed: " + lines);
            }
        }
        assertTrue(lines.stream().noneMatch(l -> l.contains(" web-4 ")), "web-4 ran no hook: " + lines);
        assertTrue(lines.contains("post-health web-2 v1 prev=v2 current=v1 conf=web"), "the rollback ran the hooks again: " + lines);
        assertTrue(lines.indexOf("pre-activate web-2 v1 prev=v2 current=v2 conf=web")
                < lines.indexOf("post-activate web-2 v1 prev=v2 current=v1 conf=web")
                && lines.contains("pre-activate web-2 v1 prev=v2 current=v2 conf=web"),
                "the rollback drained the host (pre-activate) before switching it back: " + lines);
        assertTrue(output.toString().contains("wave      2 of 3 FAILED on 1 of 2 hosts (at most 0 may fail)"), output.toString());
        assertEquals(Map.of("web-1", "v2", "web-2", "v1", "web-3", "v1", "web-4", "v1"), last.currentByHost(),
                "the summary knows which host is on which release");
        StringWriter releases = new StringWriter();
        SummaryPrinter.releasesLine(new PrintWriter(releases, true), last.currentByHost());
        assertEquals("on v1         3 hosts: web-2, web-3, web-4\non v2         1 hosts: web-1\n", releases.toString());
    }

    /**
     * A wave whose host fails at the deadline is not steered any more: the deploy waits for the agents' last reports (its
     * settle) but neither stops the rollout for that failure nor rolls anything back (it said "wave 1 of 2 FAILED" after
     * the deadline, and would have rolled back a wave that had switched: the review).
     */
    @Test
    void aWaveFailingAtTheDeadlineIsNotSteeredAfterIt() throws Exception {
        // web-1 (wave 1) downloads slowly, its clock 4 s behind the deploy's: its failure lands after the deploy's deadline
        fleet.start("web-1", List.of("web"), org.murder.peer.engine.EngineConfig.builder()
                .maxDown(org.murder.core.Rate.parse("256KiB/s")), Clock.offset(Clock.systemUTC(), Duration.ofSeconds(-4)));
        fleet.start("web-2", List.of("web"));
        Path src = release("v2");
        byte[] noise = new byte[8_000_000];
        new java.util.Random(2).nextBytes(noise);
        Files.write(src.resolve("blob.bin"), noise); // incompressible: 30 s at 256 KiB/s
        DeployRequest request = DeployRequest.builder().source(src).tag("v2").hostGlobs(List.of("web-*")).seedTime(Duration.ofSeconds(1))
                .timeout(Duration.ofSeconds(10)).activate(true).keep(5).bind("127.0.0.1").trackerPort(0).advertise("127.0.0.1")
                .seederPorts(new PortRange(46000, 46999)).workDir(tmp.resolve("work")).grace(Duration.ZERO)
                .rollout(new RolloutRequest(RolloutRequest.ALL_HOOKS, "1,100%", 0, "0", false)).build();
        last = new Deployer(zk, new JobSigner(AgentFleet.SECRET), Clock.systemUTC(), new PrintWriter(output, true), false);
        List<HostOutcome> outcomes = last.deploy(request);
        String said = output.toString();
        assertTrue(said.contains("deadline  passed with "), said);
        assertFalse(said.contains(" FAILED on "), "no wave judged after the deadline: " + said);
        assertFalse(said.contains("rollback  "), said);
        HostOutcome web1 = outcomes.stream().filter(o -> o.host().equals("web-1")).findFirst().orElseThrow();
        assertEquals("failed", web1.result(), said);
        assertTrue(web1.error().startsWith("past the job's deadline ("), web1.error());
        assertFalse(outcomes.stream().anyMatch(HostOutcome::succeeded), outcomes.toString());
    }

    private DeployRequest request(String tag, RolloutRequest rollout) throws Exception {
        return DeployRequest.builder().source(release(tag)).tag(tag).hostGlobs(List.of("web-*")).seedTime(Duration.ofSeconds(1))
                .timeout(Duration.ofMinutes(2)).activate(true).keep(5).bind("127.0.0.1").trackerPort(0).advertise("127.0.0.1").seederPorts(new PortRange(46000, 46999))
                .workDir(tmp.resolve("work")).grace(Duration.ZERO).rollout(rollout).build();
    }

    /** Waits (on the deploy's own output, checked as it grows) until it contains {@code text}. */
    private void awaitOutput(String text) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!output.toString().contains(text)) {
            assertTrue(System.nanoTime() < deadline, "no '" + text + "' in: " + output);
            Thread.sleep(50); // polling a StringWriter: the deployer has no event for its own printing
        }
    }

    private HostReport reportOf(String host) throws Exception {
        return report("v2-", host);
    }

    @Test
    void aPausedRolloutWaitsForContinueAndAResumedDeployFinishesItWithoutDownloadingAgain() throws Exception {
        fleet.start("web-1", List.of("web"));
        fleet.start("web-2", List.of("web"));
        assertTrue(deploy("v1", RolloutRequest.defaults()).stream().allMatch(HostOutcome::succeeded), output.toString());

        // the first deploy process: publishes v2 in two waves with --pause, then dies while paused
        CuratorFramework firstZk = Zk.connect(ZkSettings.of(server.getConnectString()));
        Deployer first = new Deployer(firstZk, new JobSigner(AgentFleet.SECRET), Clock.systemUTC(), new PrintWriter(output, true), false);
        DeployRequest v2 = request("v2", new RolloutRequest(RolloutRequest.ALL_HOOKS, "1,100%", 0, "0", false, true));
        Thread deployer = new Thread(() -> {
            try {
                first.deploy(v2);
            } catch (Exception e) {
                // interrupted: the "crash" below
            }
        });
        deployer.start();
        awaitOutput("paused    wave 1 of 2 passed; run 'murder deploy --continue ");
        String job = first.jobId();
        assertEquals("v2", current("web-1"));
        assertEquals("v1", current("web-2"), "wave 2 waits for --continue");
        assertEquals(HostReport.READY, reportOf("web-2").state(), "downloaded and unpacked, waiting");
        // the deploy's archive touched while every host holds it (one waits for its wave): its seed stops, the deploy does not
        // (it stopped, wrote the waves' stop, and a --resume then rolled wave 1 back: the review)
        Path packed = tmp.resolve("work/v2.tar.zst");
        Files.setLastModifiedTime(packed, java.nio.file.attribute.FileTime.fromMillis(Files.getLastModifiedTime(packed).toMillis() + 2000));
        long watched = System.nanoTime() + Duration.ofSeconds(3).toNanos(); // the seed looks every second
        while (System.nanoTime() < watched) {
            assertFalse(output.toString().contains("seed      FAILED"), output.toString());
            assertTrue(deployer.isAlive(), output.toString());
            Thread.sleep(100);
        }
        Path archive = tmp.resolve("hosts/web-2/v2.tar.zst");
        java.nio.file.attribute.FileTime downloadedAt = Files.getLastModifiedTime(archive);
        long downloaded = reportOf("web-2").downloaded();
        deployer.interrupt();
        deployer.join(30_000);
        firstZk.close();

        // nobody follows the job now: --continue would release nothing, and says so without recording an approval
        Deployer operator = new Deployer(zk, new JobSigner(AgentFleet.SECRET), Clock.systemUTC(), new PrintWriter(new StringWriter()), false);
        org.murder.core.MurderException refused = assertThrows(org.murder.core.MurderException.class, () -> operator.approveNextWave(job));
        assertTrue(refused.getMessage().contains("no deploy is following the job") && refused.getMessage().contains("--resume " + job),
                refused.getMessage());
        assertEquals("v1", current("web-2"));

        // the work directory's release of the tag, 3 h old by now (a rollout paused for hours): the resume marks it as in use,
        // so that no deploy short of room removes it while it is seeded again
        Path torrent = tmp.resolve("work/v2.torrent");
        Files.setLastModifiedTime(torrent, java.nio.file.attribute.FileTime.from(java.time.Instant.now().minus(Duration.ofHours(3))));
        // another deploy process takes over, and an operator releases wave 2
        StringWriter resumedOut = new StringWriter();
        Deployer second = new Deployer(zk, new JobSigner(AgentFleet.SECRET), Clock.systemUTC(), new PrintWriter(resumedOut, true), false);
        java.util.concurrent.CompletableFuture<List<HostOutcome>> resumed = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return second.resume(job, request("v2", RolloutRequest.defaults()).withSource(Optional.of(tmp.resolve("work/v2.tar.zst"))));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        long shown = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!resumedOut.toString().contains("resume    " + job)) { // holds the job's locks from this line on
            assertTrue(System.nanoTime() < shown && !resumed.isDone(), "no resume line in: " + resumedOut);
            Thread.sleep(50); // polling a StringWriter, as awaitOutput
        }
        assertTrue(Files.getLastModifiedTime(torrent).toInstant().isAfter(java.time.Instant.now().minus(Duration.ofMinutes(10))),
                "the resumed release is marked in use: " + Files.getLastModifiedTime(torrent));
        assertEquals(2, operator.approveNextWave(job));
        List<HostOutcome> outcomes = resumed.get(120, java.util.concurrent.TimeUnit.SECONDS);
        assertTrue(outcomes.stream().allMatch(HostOutcome::succeeded), outcomes + "\n" + resumedOut);
        assertEquals("v2", current("web-2"));
        assertEquals(downloadedAt, Files.getLastModifiedTime(archive), "web-2 did not download again");
        assertEquals(downloaded, reportOf("web-2").downloaded());
        assertTrue(resumedOut.toString().contains("resume    " + job + " (v2, 2 hosts)"), resumedOut.toString());
    }
}
