package org.murder.orchestrator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.murder.core.MurderException;
import org.murder.core.PortRange;
import org.murder.core.Rate;
import org.murder.orchestrator.agent.ReleaseActivator;
import org.murder.orchestrator.deploy.DeployRequest;
import org.murder.orchestrator.deploy.Deployer;
import org.murder.orchestrator.deploy.HostOutcome;
import org.murder.orchestrator.job.HostReport;
import org.murder.orchestrator.job.JobSigner;
import org.murder.orchestrator.job.Json;
import org.murder.orchestrator.zk.Zk;
import org.murder.orchestrator.zk.ZkPaths;
import org.murder.orchestrator.zk.ZkSettings;
import org.murder.peer.engine.EngineConfig;

/**
 * Deploys and rollbacks that switch current, racing on the same hosts: every host ends on one
 * release, and the one that did not win says so (real ZooKeeper, real engines, real files).
 */
@Timeout(240)
class ConcurrentDeployIT {
    private static final List<String> HOSTS = List.of("web-1", "web-2", "web-3");

    @TempDir
    Path tmp;

    private TestingServer server;
    private ZkSettings settings;
    private AgentFleet fleet;
    private final List<CuratorFramework> clients = new ArrayList<>();
    private final StringWriter output = new StringWriter();

    /** When the second deploy starts, relative to the first. */
    enum Timing { TOGETHER, WHEN_THE_FIRST_JOB_IS_PUBLISHED, WHILE_THE_FIRST_DOWNLOADS }

    @BeforeEach
    void start() throws Exception {
        server = new TestingServer(true);
        settings = ZkSettings.of(server.getConnectString()).withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(5));
        fleet = new AgentFleet(settings, tmp.resolve("hosts"), new ReleaseActivator());
        for (String h : HOSTS) {
            fleet.start(h, List.of("web"), EngineConfig.builder().maxDown(Rate.parse("2MiB/s")));
        }
    }

    @AfterEach
    void stop() throws Exception {
        fleet.close();
        clients.forEach(CuratorFramework::close);
        server.close();
    }

    private CuratorFramework client() {
        CuratorFramework c = Zk.connect(settings);
        clients.add(c);
        return c;
    }

    private Path build(String tag, int bytes) throws Exception {
        Path src = Files.createDirectories(tmp.resolve("build-" + tag + "/bin"));
        Files.writeString(src.resolve("app"), "echo " + tag + "\n");
        byte[] data = new byte[bytes];
        new Random(tag.hashCode()).nextBytes(data);
        Files.write(src.getParent().resolve("payload.bin"), data);
        return src.getParent();
    }

    private static DeployRequest request(Optional<Path> src, String tag, List<String> hosts, boolean rollback, Path work) {
        return DeployRequest.builder().source(src).tag(tag).hostGlobs(hosts).seedTime(Duration.ofSeconds(1)).timeout(Duration.ofMinutes(2))
                .activate(!rollback).keep(3).rollback(rollback).bind("127.0.0.1").trackerPort(0).advertise("127.0.0.1").seederPorts(new PortRange(46000, 46999)).workDir(work)
                .grace(Duration.ZERO).build();
    }

    /** Runs a deploy on its own ZooKeeper client and thread, as a second operator would. */
    private CompletableFuture<List<HostOutcome>> deployAsync(DeployRequest request) {
        Deployer d = new Deployer(client(), new JobSigner(AgentFleet.SECRET), Clock.systemUTC(), new PrintWriter(output, true), false);
        return CompletableFuture.supplyAsync(() -> {
            try {
                return d.deploy(request);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private String current(String host) throws Exception {
        return tmp.resolve("hosts/" + host + "/current").toRealPath().getFileName().toString();
    }

    /** Waits for a node under {@code root} (on a cache event) whose path and data match. */
    private void awaitNode(String root, java.util.function.BiPredicate<String, byte[]> matches) throws Exception {
        CountDownLatch seen = new CountDownLatch(1);
        try (CuratorCache cache = CuratorCache.build(client(), root)) {
            cache.listenable().addListener(CuratorCacheListener.builder().forCreatesAndChanges((before, node) -> {
                if (matches.test(node.getPath(), node.getData())) {
                    seen.countDown();
                }
            }).build());
            cache.start();
            assertTrue(seen.await(60, TimeUnit.SECONDS), "no node under " + root + " matched");
        }
    }

    private static boolean downloading(String path, byte[] data) {
        if (path.split("/").length != 5 || data == null || data.length == 0) {
            return false;
        }
        HostReport r = Json.read(data, HostReport.class);
        return HostReport.DOWNLOADING.equals(r.state());
    }

    /** The outcome of a deploy: its hosts' results, or the one-line refusal. */
    private record Result(List<HostOutcome> outcomes, MurderException refused) {
        static Result of(CompletableFuture<List<HostOutcome>> f) throws Exception {
            try {
                return new Result(f.get(180, TimeUnit.SECONDS), null);
            } catch (ExecutionException e) {
                if (e.getCause().getCause() instanceof MurderException me) {
                    return new Result(null, me);
                }
                throw e;
            }
        }

        boolean allDone() {
            return outcomes != null && outcomes.stream().allMatch(HostOutcome::succeeded);
        }
    }

    @ParameterizedTest
    @EnumSource(Timing.class)
    void twoDeploysOfDifferentTagsToTheSameHostsEndOnOneRelease(Timing timing) throws Exception {
        Path v1 = build("v1", 6_000_000);
        Path v2 = build("v2", 3_000_000);
        CompletableFuture<List<HostOutcome>> first = deployAsync(request(Optional.of(v1), "v1", List.of("web-*"), false, tmp.resolve("w1")));
        switch (timing) {
            case TOGETHER -> { }
            case WHEN_THE_FIRST_JOB_IS_PUBLISHED -> awaitNode(ZkPaths.JOBS, (path, data) -> ZkPaths.jobIdOf(path) != null);
            case WHILE_THE_FIRST_DOWNLOADS -> awaitNode(ZkPaths.REPORTS, ConcurrentDeployIT::downloading);
        }
        CompletableFuture<List<HostOutcome>> second = deployAsync(request(Optional.of(v2), "v2", List.of("web-*"), false, tmp.resolve("w2")));
        Result r1 = Result.of(first);
        Result r2 = Result.of(second);
        assertOneWinner(r1, r2, "v1", "v2", HOSTS);
    }

    @Test
    void twoDeploysToOverlappingHostsEndOnOneReleaseWhereTheyOverlap() throws Exception {
        CompletableFuture<List<HostOutcome>> first = deployAsync(request(Optional.of(build("v1", 6_000_000)), "v1",
                List.of("web-1", "web-2"), false, tmp.resolve("w1")));
        awaitNode(ZkPaths.REPORTS, ConcurrentDeployIT::downloading);
        CompletableFuture<List<HostOutcome>> second = deployAsync(request(Optional.of(build("v2", 1000)), "v2",
                List.of("web-2", "web-3"), false, tmp.resolve("w2")));
        Result r1 = Result.of(first);
        Result r2 = Result.of(second);
        assertTrue(r1.allDone(), r1 + "\n" + output);
        assertTrue(r2.refused() != null, "the second deploy is refused: " + r2);
        assertEquals(1, r2.refused().exitCode());
        assertTrue(r2.refused().getMessage().startsWith("host web-2 is being deployed right now by "), r2.refused().getMessage());
        assertTrue(r2.refused().getMessage().matches(".*\\(lock /host-locks/set-\\d{10}\\)"), r2.refused().getMessage());
        assertEquals("v1", current("web-1"));
        assertEquals("v1", current("web-2"));
        assertTrue(Files.notExists(tmp.resolve("hosts/web-3/current")), "the refused deploy published nothing");
    }

    @Test
    void aDeployAndARollbackRacingEndOnOneRelease() throws Exception {
        assertTrue(Result.of(deployAsync(request(Optional.of(build("v1", 1000)), "v1", List.of("web-*"), false, tmp.resolve("w1"))))
                .allDone(), output.toString());
        assertTrue(Result.of(deployAsync(request(Optional.of(build("v2", 1000)), "v2", List.of("web-*"), false, tmp.resolve("w2"))))
                .allDone(), output.toString());
        CompletableFuture<List<HostOutcome>> deploy = deployAsync(request(Optional.of(build("v3", 3_000_000)), "v3",
                List.of("web-*"), false, tmp.resolve("w3")));
        CompletableFuture<List<HostOutcome>> rollback = deployAsync(request(Optional.empty(), "v2", List.of("web-*"), true,
                tmp.resolve("w4")));
        Result d = Result.of(deploy);
        Result r = Result.of(rollback);
        // the rollback wins: every host back on v1; the deploy wins: every host on v3
        assertOneWinner(d, r, "v3", "v1", HOSTS);
    }

    private void assertOneWinner(Result a, Result b, String aLeaves, String bLeaves, List<String> hosts) throws Exception {
        assertTrue((a.refused() == null) != (b.refused() == null), "exactly one is refused: " + a + " / " + b + "\n" + output);
        Result winner = a.refused() == null ? a : b;
        Result loser = a.refused() == null ? b : a;
        assertTrue(winner.allDone(), winner + "\n" + output);
        assertEquals(1, loser.refused().exitCode());
        assertTrue(loser.refused().getMessage().matches("(tag|host) \\S+ is being deployed right now by .+ \\(lock /\\S+\\)"),
                loser.refused().getMessage());
        String expected = winner == a ? aLeaves : bLeaves;
        for (String h : hosts) {
            assertEquals(expected, current(h), h + "\n" + output);
        }
    }

    @Test
    void anOlderJobNeverSwitchesCurrentBackEvenWhenItsLockIsLost() throws Exception {
        // 16 MB at 2 MiB/s: about 8 s, while the newer deploy below takes 1 to 2 s
        CompletableFuture<List<HostOutcome>> old = deployAsync(request(Optional.of(build("v1", 16_000_000)), "v1",
                List.of("web-1"), false, tmp.resolve("w1")));
        awaitNode(ZkPaths.REPORTS, ConcurrentDeployIT::downloading);
        // as if the first deploy's ZooKeeper session had expired: its host lock is gone
        for (String set : client().getChildren().forPath(ZkPaths.HOST_LOCKS)) {
            client().delete().quietly().forPath(ZkPaths.HOST_LOCKS + "/" + set);
        }
        Result newer = Result.of(deployAsync(request(Optional.of(build("v2", 1000)), "v2", List.of("web-1"), false,
                tmp.resolve("w2"))));
        assertTrue(newer.allDone(), newer + "\n" + output);
        assertEquals("v2", current("web-1"));

        Result older = Result.of(old);
        HostOutcome o = older.outcomes().get(0);
        assertEquals("failed", o.result(), older + "\n" + output);
        assertTrue(o.error().startsWith("superseded: job v2-"), o.error());
        assertTrue(o.error().endsWith("not switching current to v1 (that would go backwards)"), o.error());
        assertEquals("v2", current("web-1"));
        assertTrue(Files.exists(tmp.resolve("hosts/web-1/v1.tar.zst")), "downloaded all the same: only the switch is refused");
    }
}
