package org.murder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.Hex;
import org.murder.core.PortRange;
import org.murder.core.Rate;
import org.murder.orchestrator.agent.Activator;
import org.murder.orchestrator.agent.Agent;
import org.murder.orchestrator.agent.AgentMetrics;
import org.murder.orchestrator.agent.AgentSettings;
import org.murder.orchestrator.deploy.DeployRequest;
import org.murder.orchestrator.deploy.Deployer;
import org.murder.orchestrator.deploy.HostOutcome;
import org.murder.orchestrator.job.HostReport;
import org.murder.orchestrator.job.JobSigner;
import org.murder.orchestrator.job.Json;
import org.murder.orchestrator.release.Generation;
import org.murder.orchestrator.rollout.HostSetup;
import org.murder.orchestrator.zk.Zk;
import org.murder.orchestrator.zk.ZkPaths;
import org.murder.orchestrator.zk.ZkSettings;
import org.murder.peer.engine.Engine;
import org.murder.peer.engine.EngineConfig;

/**
 * {@code murder zookeeper} in ensemble mode, three members as separate processes from the
 * distribution (target/murder) on loopback, under a real deploy: in-process agents and Deployer
 * connected to all three. The leader is killed (SIGKILL) while the hosts download; the deploy
 * must end with every host done, the right bytes, each job run once and every final report there.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class EnsembleIT {
    private static final Path MURDER = Path.of("target", "murder", "bin", "murder").toAbsolutePath();
    private static final String SECRET = "test-secret-0123456789abcdef";

    @TempDir
    Path tmp;

    /** One in-process agent and what it owns. */
    private record Host(String name, Agent agent, Engine engine, CuratorFramework zk, Path root, PrometheusRegistry registry) {
        void close() {
            agent.close();
            engine.close();
            zk.close();
        }
    }

    private Ensemble ensemble;
    /** The ensemble's members (empty before {@link #ensemble()}). */
    private List<Ensemble.Member> members = List.of();
    private final List<Host> hosts = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final StringWriter output = new StringWriter();

    @AfterEach
    void stopAll() throws Exception {
        closeClients();
        if (ensemble != null) {
            ensemble.close();
        }
    }

    /** Agents, the deploy's and the observer's clients: first, while the ensemble is there for their goodbyes. */
    private void closeClients() throws Exception {
        for (Host h : hosts) {
            h.close();
        }
        hosts.clear();
        for (AutoCloseable c : closeables) {
            c.close();
        }
        closeables.clear();
    }

    /** Three members on loopback, none started. */
    private void ensemble() throws IOException {
        ensemble = new Ensemble(tmp, 3, List.of(), "-Xmx128m -XX:TieredStopAtLevel=1");
        members = ensemble.members;
    }

    private String connectString() {
        return ensemble.connectString();
    }

    private void startMember(Ensemble.Member m) throws IOException {
        ensemble.start(m);
    }

    private static String fourLetters(int port, String word) {
        return Ensemble.fourLetters(port, word);
    }

    private void awaitServing(List<Ensemble.Member> up, int seconds) throws Exception {
        ensemble.awaitServing(up, seconds);
    }

    private Optional<Ensemble.Member> leader(List<Ensemble.Member> among) {
        return ensemble.leader(among);
    }

    private ZkSettings zkSettings() {
        return ZkSettings.of(connectString()).withTimeouts(Duration.ofSeconds(15), Duration.ofSeconds(10));
    }

    private static Activator noActivation() {
        return new Activator() {
            @Override
            public void activate(Path dest, String tag, Path archive, int keep, Generation by) {
                throw new UnsupportedOperationException("activation is not part of this test");
            }

            @Override
            public String rollback(Path dest, Optional<String> tag, Generation by) {
                throw new UnsupportedOperationException("rollback is not part of this test");
            }
        };
    }

    private Host agent(String name, EngineConfig.Builder config) throws Exception {
        Path root = Files.createDirectories(tmp.resolve("hosts").resolve(name));
        CuratorFramework client = Zk.connect(zkSettings());
        Engine engine = Engine.start(config.portRange(new PortRange(45000, 45999)).bindAddress(InetAddress.getLoopbackAddress())
                .announceIp("127.0.0.1").hashThreads(1).build(), Clock.systemUTC());
        PrometheusRegistry registry = new PrometheusRegistry();
        Agent agent = new Agent(client, new AgentSettings(name, List.of("web"), root, "127.0.0.1"), engine, new JobSigner(SECRET),
                noActivation(), Clock.systemUTC(), HostSetup.none(), new AgentMetrics(registry));
        agent.start(30);
        Host h = new Host(name, agent, engine, client, root, registry);
        hosts.add(h);
        return h;
    }

    /** Jobs this agent ran to the end (murder_agent_jobs_total, every result). */
    private static double jobsRun(Host h) {
        double sum = 0;
        for (MetricSnapshot s : h.registry().scrape()) {
            if (s instanceof CounterSnapshot c && c.getMetadata().getName().equals("murder_agent_jobs")) {
                for (CounterSnapshot.CounterDataPointSnapshot p : c.getDataPoints()) {
                    sum += p.getValue();
                }
            }
        }
        return sum;
    }

    private Path release(int bytes) throws Exception {
        Path src = Files.createDirectories(tmp.resolve("build"));
        byte[] data = new byte[bytes];
        new Random(17).nextBytes(data);
        Files.write(src.resolve("payload.bin"), data);
        return src;
    }

    private DeployRequest request(Path src, String tag) {
        return DeployRequest.builder().source(src).tag(tag).hostGlobs(List.of("web-*")).seedTime(Duration.ofSeconds(2))
                .timeout(Duration.ofMinutes(2)).keep(3).bind("127.0.0.1").trackerPort(0).advertise("127.0.0.1").seederPorts(new PortRange(46000, 46999))
                .workDir(tmp.resolve("work-" + tag)).grace(Duration.ZERO).build();
    }

    private CompletableFuture<List<HostOutcome>> deployAsync(DeployRequest request) {
        CuratorFramework deployZk = Zk.connect(zkSettings());
        closeables.add(deployZk);
        Deployer d = new Deployer(deployZk, new JobSigner(SECRET), Clock.systemUTC(), new PrintWriter(output, true), false);
        return CompletableFuture.supplyAsync(() -> {
            try {
                return d.deploy(request);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Every host report seen, in order, with the time it was seen (a cache on its own client, through the failover too). */
    private record Seen(long nanos, String host, HostReport report) {
    }

    private List<Seen> watchReports() {
        CuratorFramework observer = Zk.connect(zkSettings());
        List<Seen> seen = new CopyOnWriteArrayList<>();
        CuratorCache cache = CuratorCache.build(observer, ZkPaths.REPORTS);
        cache.listenable().addListener(CuratorCacheListener.builder().forCreatesAndChanges((before, node) -> {
            String[] parts = node.getPath().split("/");
            if (parts.length == 5 && node.getData() != null && node.getData().length > 0) { // /reports/JOB/BUCKET/HOST
                seen.add(new Seen(System.nanoTime(), parts[4], Json.read(node.getData(), HostReport.class)));
            }
        }).build());
        cache.start();
        closeables.add(observer);
        closeables.add(0, cache);
        return seen;
    }

    private static String md5(Path file) throws Exception {
        return Hex.encode(MessageDigest.getInstance("MD5").digest(Files.readAllBytes(file)));
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    private void assertEveryHostDoneOnce(List<HostOutcome> outcomes, List<Seen> seen, String tag) throws Exception {
        assertEquals(hosts.stream().map(Host::name).sorted().toList(), outcomes.stream().map(HostOutcome::host).sorted().toList(),
                "every host's final report: " + outcomes + "\n" + output);
        assertTrue(outcomes.stream().allMatch(HostOutcome::succeeded), outcomes + "\n" + output);
        String expected = md5(tmp.resolve("work-" + tag + "/" + tag + ".tar.zst"));
        for (Host h : hosts) {
            assertEquals(expected, md5(h.root().resolve(tag + ".tar.zst")), h.name() + " has the right bytes");
            assertEquals(1.0, jobsRun(h), h.name() + " ran the job once");
            List<HostReport> mine = seen.stream().filter(s -> s.host().equals(h.name())).map(Seen::report).toList();
            assertTrue(!mine.isEmpty(), h.name() + ": reports seen");
            assertEquals(1, mine.stream().map(HostReport::startedAt).distinct().count(), h.name() + " started the job once: " + mine);
            HostReport last = mine.get(mine.size() - 1);
            assertEquals(HostReport.DONE, last.state(), h.name() + ": " + last);
            assertEquals("", last.reused(), h.name() + " downloaded it in this one run: " + last);
            assertTrue(last.downloaded() <= last.total(), h.name() + " downloaded nothing twice: " + last);
        }
    }

    @Test
    void aDeployFinishesThroughTheLeadersDeath() throws Exception {
        ensemble();
        for (Ensemble.Member m : members) {
            startMember(m);
        }
        awaitServing(members, 60);
        for (Ensemble.Member m : members) {
            assertTrue(fourLetters(m.clientPort, "mntr").contains("zk_server_state"), "mntr is served");
        }
        // each host takes about 8 s for its 8 MB at 1 MiB/s: the leader goes while both download
        agent("web-1", EngineConfig.builder().maxDown(Rate.parse("1MiB/s")));
        agent("web-2", EngineConfig.builder().maxDown(Rate.parse("1MiB/s")));
        List<Seen> seen = watchReports();
        long start = System.nanoTime();
        CompletableFuture<List<HostOutcome>> deploy = deployAsync(request(release(8_000_000), "v1"));
        long end = start + TimeUnit.SECONDS.toNanos(60);
        while (hosts.stream().anyMatch(h -> seen.stream().noneMatch(s -> s.host().equals(h.name())
                && HostReport.DOWNLOADING.equals(s.report().state()) && s.report().bytes() > 0))) {
            assertTrue(System.nanoTime() < end && !deploy.isDone(), "both hosts downloading within 60 s: " + seen + "\n" + output);
            Thread.sleep(20);
        }
        Ensemble.Member leader = leader(members).orElseThrow(() -> new AssertionError("no member says Mode: leader"));
        long killed = System.nanoTime();
        leader.process.destroyForcibly(); // SIGKILL
        assertTrue(leader.process.waitFor(10, TimeUnit.SECONDS));
        List<Ensemble.Member> rest = members.stream().filter(m -> m != leader).toList();
        Ensemble.Member next = null;
        while (next == null) {
            assertTrue(System.nanoTime() - killed < TimeUnit.SECONDS.toNanos(30), "a new leader within 30 s");
            next = leader(rest).orElse(null);
            if (next == null) {
                Thread.sleep(50);
            }
        }
        long elected = System.nanoTime();
        List<HostOutcome> outcomes = deploy.get(120, TimeUnit.SECONDS);
        long finished = System.nanoTime();

        assertEveryHostDoneOnce(outcomes, seen, "v1");
        assertTrue(seen.stream().anyMatch(r -> r.nanos() > elected && HostReport.DOWNLOADING.equals(r.report().state())),
                "the hosts were still downloading under the new leader: " + seen);
        long lastBefore = seen.stream().filter(s -> s.nanos() < killed).mapToLong(Seen::nanos).max().orElse(killed);
        long firstAfter = seen.stream().filter(s -> s.nanos() >= killed).mapToLong(Seen::nanos).min().orElse(finished);
        System.out.printf("EnsembleIT: leader member %d killed %d ms into the deploy; member %d leading %d ms later; reports: last %d ms"
                + " before the kill, next %d ms after it (gap %d ms); deploy done %d ms after the kill, %d ms in all; %d reports seen%n",
                leader.id, ms(killed - start), next.id, ms(elected - killed), ms(killed - lastBefore), ms(firstAfter - killed),
                ms(firstAfter - lastBefore), ms(finished - killed), ms(finished - start), seen.size());
        for (Ensemble.Member m : rest) {
            assertTrue(Files.readString(m.log).contains("zookeeper member " + m.id + ": "), "the role is logged:\n" + Files.readString(m.log));
        }
        assertTrue(Files.readString(next.log).contains("zookeeper member " + next.id + ": leading"), Files.readString(next.log));

        // SIGTERM stops the survivors cleanly: exit 0
        closeClients();
        for (Ensemble.Member m : rest) {
            m.process.destroy();
        }
        for (Ensemble.Member m : rest) {
            assertTrue(m.process.waitFor(20, TimeUnit.SECONDS), "member " + m.id + " stopped on SIGTERM");
            assertEquals(0, m.process.exitValue(), Files.readString(m.log));
        }
    }

    /**
     * Two of three members killed while the hosts download (the quorum lost), then started again:
     * the hosts keep downloading, their reports wait and arrive, the deployer says what it waits
     * for, and the deploy ends with every host done once.
     */
    @Test
    void aDeployOutlivesALostQuorum() throws Exception {
        ensemble();
        for (Ensemble.Member m : members) {
            startMember(m);
        }
        awaitServing(members, 60);
        agent("web-1", EngineConfig.builder().maxDown(Rate.parse("1MiB/s")));
        agent("web-2", EngineConfig.builder().maxDown(Rate.parse("1MiB/s")));
        List<Seen> seen = watchReports();
        CompletableFuture<List<HostOutcome>> deploy = deployAsync(request(release(8_000_000), "v3"));
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (hosts.stream().anyMatch(h -> seen.stream().noneMatch(s -> s.host().equals(h.name())
                && HostReport.DOWNLOADING.equals(s.report().state())))) {
            assertTrue(System.nanoTime() < end && !deploy.isDone(), "both hosts downloading within 60 s: " + seen + "\n" + output);
            Thread.sleep(20);
        }
        List<Ensemble.Member> down = members.subList(0, 2);
        for (Ensemble.Member m : down) {
            m.process.destroyForcibly();
            assertTrue(m.process.waitFor(10, TimeUnit.SECONDS));
        }
        long lost = System.nanoTime();
        while (!output.toString().contains("ZooKeeper unreachable")) {
            assertTrue(System.nanoTime() - lost < TimeUnit.SECONDS.toNanos(30), "the deployer says it lost ZooKeeper:\n" + output);
            Thread.sleep(50);
        }
        int reportsWhileLost = seen.size();
        for (Ensemble.Member m : down) {
            startMember(m);
        }
        List<HostOutcome> outcomes = deploy.get(120, TimeUnit.SECONDS);
        assertEveryHostDoneOnce(outcomes, seen, "v3");
        assertTrue(seen.size() > reportsWhileLost, "reports resumed after the quorum came back");
        assertTrue(output.toString().contains("the hosts keep downloading"), output.toString());
        assertTrue(output.toString().matches("(?s).*zookeeper back \\d+ s after it was found unreachable; a server that falls silent is noticed after up to"
                + " \\d+ s: following the reports again.*"), output.toString());
    }

    /**
     * A job for 10,000 hosts on the ensemble: 9,990 registrations held by one session (never
     * answering) and 10 real agents among them. The job is published gzipped well under the 1 MB
     * node limit, the deploy takes its host lock for all 10,000 in one set, the real agents read the
     * job, download, activate and report; no listing of agents or reports comes near the limit;
     * the silent hosts end as timeouts, "never accepted".
     */
    @Test
    void aJobForTenThousandHostsIsPublishedLockedAndRead() throws Exception {
        ensemble();
        for (Ensemble.Member m : members) {
            startMember(m);
        }
        awaitServing(members, 60);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            names.add(String.format("web-%05d.rack-%02d.datacenter-one.example.internal", i, i % 50)); // 50 characters
        }
        CuratorFramework fleet = Zk.connect(zkSettings());
        closeables.add(fleet);
        java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(500);
        java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger();
        fleet.createContainers(ZkPaths.AGENTS);
        for (int b = 0; b < ZkPaths.BUCKETS; b++) {
            fleet.createContainers(ZkPaths.AGENTS + "/" + String.format("%02x", b));
        }
        for (String name : names.subList(10, names.size())) {
            inFlight.acquire();
            byte[] info = new JobSigner(SECRET).signNode(Json.write(new org.murder.orchestrator.job.AgentInfo(name, name, "10.0.0.1",
                    List.of("web"), "6881-6889", "/srv/murder", "test", 0))); // signed as an agent's: a deploy targets no other
            fleet.create().withMode(org.apache.zookeeper.CreateMode.EPHEMERAL).inBackground((client, event) -> {
                if (event.getResultCode() != 0) {
                    failures.incrementAndGet();
                }
                inFlight.release();
            }).forPath(ZkPaths.agent(name), info);
        }
        assertTrue(inFlight.tryAcquire(500, 60, TimeUnit.SECONDS), "9,990 registrations within 60 s");
        assertEquals(0, failures.get());
        for (String name : names.subList(0, 10)) {
            realAgent(name);
        }
        CuratorFramework deployZk = Zk.connect(zkSettings());
        closeables.add(deployZk);
        Deployer d = new Deployer(deployZk, new JobSigner(SECRET), Clock.systemUTC(), new PrintWriter(output, true), false)
                .maxHosts(10_000);
        DeployRequest req = request(release(1_000_000), "v10k").toBuilder().seedTime(Duration.ofSeconds(1))
                .timeout(Duration.ofSeconds(40)).activate(true).build();
        CompletableFuture<List<HostOutcome>> deploy = CompletableFuture.supplyAsync(() -> {
            try {
                return d.deploy(req);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        // while it runs: one lock set for the 10,000 hosts, the job node gzipped and small
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (d.jobId().isEmpty() || deployZk.checkExists().forPath(ZkPaths.job(d.jobId())) == null) {
            assertTrue(System.nanoTime() < end && !deploy.isDone(), "the job published within 60 s\n" + output);
            Thread.sleep(50);
        }
        byte[] node = deployZk.getData().forPath(ZkPaths.job(d.jobId()));
        assertTrue(org.murder.orchestrator.job.JobCodec.isCompressed(node), "stored gzipped");
        assertTrue(node.length < 200_000, "job node " + node.length + " bytes");
        assertEquals(10_000, org.murder.orchestrator.job.JobCodec.decode(node).hosts().size());
        List<String> sets = deployZk.getChildren().forPath(ZkPaths.HOST_LOCKS);
        assertEquals(1, sets.size(), "one host lock set: " + sets);
        List<HostOutcome> outcomes = deploy.get(120, TimeUnit.SECONDS);

        assertEquals(10_000, outcomes.size());
        String expected = md5(tmp.resolve("work-v10k/v10k.tar.zst"));
        for (String name : names.subList(0, 10)) {
            HostOutcome o = outcomes.stream().filter(x -> x.host().equals(name)).findFirst().orElseThrow();
            assertEquals("done", o.result(), o + "\n" + output);
            assertEquals(expected, md5(tmp.resolve("hosts").resolve(name).resolve("v10k.tar.zst")));
            assertEquals("v10k", tmp.resolve("hosts").resolve(name).resolve("current").toRealPath().getFileName().toString());
        }
        assertEquals(9_990, outcomes.stream().filter(o -> o.result().equals("timeout")
                && o.error().equals("not done by the deadline (never accepted the job)")).count());
        // no listing comes near jute.maxbuffer (1 MB): each bucket holds a 64th of the fleet
        long largest = 0;
        for (String root : List.of(ZkPaths.AGENTS, ZkPaths.hosts(d.jobId()))) {
            assertTrue(deployZk.getChildren().forPath(root).size() <= ZkPaths.BUCKETS, root);
            for (String bucket : deployZk.getChildren().forPath(root)) {
                long bytes = deployZk.getChildren().forPath(root + "/" + bucket).stream().mapToLong(n -> n.length() + 4).sum();
                largest = Math.max(largest, bytes);
            }
        }
        assertTrue(largest < 50_000, "largest listing " + largest + " bytes");
        assertTrue(deployZk.getChildren().forPath(ZkPaths.HOST_LOCKS).isEmpty(), "the lock set is released");
        System.out.printf("EnsembleIT: a job for 10,000 hosts: node %d bytes (gzipped); largest listing %d bytes%n", node.length,
                largest);
    }

    /** An agent that activates releases (ReleaseActivator) under tmp/hosts/NAME. */
    private Host realAgent(String name) throws Exception {
        Path root = Files.createDirectories(tmp.resolve("hosts").resolve(name));
        CuratorFramework client = Zk.connect(zkSettings());
        Engine engine = Engine.start(EngineConfig.builder().portRange(new PortRange(45000, 45999))
                .bindAddress(InetAddress.getLoopbackAddress()).announceIp("127.0.0.1").hashThreads(1).build(), Clock.systemUTC());
        PrometheusRegistry registry = new PrometheusRegistry();
        Agent agent = new Agent(client, new AgentSettings(name, List.of("web"), root, "127.0.0.1"), engine, new JobSigner(SECRET),
                new org.murder.orchestrator.agent.ReleaseActivator(), Clock.systemUTC(), HostSetup.none(), new AgentMetrics(registry));
        agent.start(30);
        Host h = new Host(name, agent, engine, client, root, registry);
        hosts.add(h);
        return h;
    }

    @Test
    void twoOfThreeMembersAreEnoughForADeploy() throws Exception {
        ensemble();
        List<Ensemble.Member> up = members.subList(0, 2);
        for (Ensemble.Member m : up) {
            startMember(m);
        }
        awaitServing(up, 60);
        agent("web-1", EngineConfig.builder());
        agent("web-2", EngineConfig.builder());
        List<Seen> seen = watchReports();
        List<HostOutcome> outcomes = deployAsync(request(release(2_000_000), "v2")).get(90, TimeUnit.SECONDS);
        assertEveryHostDoneOnce(outcomes, seen, "v2");

        // the third member joins later and follows
        Ensemble.Member late = members.get(2);
        startMember(late);
        awaitServing(List.of(late), 60);
        assertTrue(fourLetters(late.clientPort, "srvr").contains("Mode: follower"), fourLetters(late.clientPort, "srvr"));
        Map<String, String> modes = new ConcurrentHashMap<>();
        members.forEach(m -> modes.put("member " + m.id, fourLetters(m.clientPort, "srvr").lines()
                .filter(l -> l.startsWith("Mode: ")).findFirst().orElse("?")));
        assertEquals(1, modes.values().stream().filter(v -> v.equals("Mode: leader")).count(), modes.toString());
    }
}
