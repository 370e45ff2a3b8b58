package org.murder.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.murder.testkit.FreePorts;

/**
 * The control plane at fleet size, measured: a real 3-server ensemble ({@code murder zookeeper}
 * processes), N agents with real Curator sessions, watches and report writes (the agent's own
 * registration, job watcher and reporter; the download simulated: {@link
 * org.murder.orchestrator.agent.SimulatedAgents}, several JVMs of many agents), and a real {@code
 * murder deploy} process. The ensemble's leader is killed (SIGKILL) mid-deploy. Prints: job
 * written → accepted p50/p99/max, ZooKeeper writes per host and peak writes a second (from the
 * members' own zxid, sampled with {@code srvr}), the deployer's CPU, the leader kill's recovery,
 * and whether every host's report arrived and each job ran once.
 *
 * <p>Run by {@code bench/fleet-control.sh N} and, at 1,000 agents, by {@link FleetControlIT}.
 */
final class FleetControl {
    /** What one run measured. */
    record Result(int hosts, int done, long starts, long deliveries, long reportWrites, long[] acceptedMs, long zkWrites,
            long peakWritesPerSecond, double deployerCpuSeconds, double deploySeconds, double killedAfterSeconds, double newLeaderSeconds,
            int exitCode,
            long expired, long registered, String summary) {
        long percentile(double p) {
            long[] s = acceptedMs.clone();
            java.util.Arrays.sort(s);
            return s.length == 0 ? -1 : s[Math.min(s.length - 1, (int) Math.ceil(s.length * p) - 1)];
        }

        double writesPerHost() {
            return hosts == 0 ? 0 : (double) zkWrites / hosts;
        }

        void print(PrintStream out) {
            out.printf(Locale.ROOT, "fleet-control: %d agents, 3-server ensemble, leader killed mid-deploy%n", hosts);
            out.printf(Locale.ROOT, "  job written -> accepted: p50 %d ms, p99 %d ms, max %d ms   (target at 5,000: p99 <= 1,000 ms)%n",
                    percentile(0.5), percentile(0.99), percentile(1.0));
            out.printf(Locale.ROOT, "  ZooKeeper writes during the deploy: %d = %.2f per host (reports stored by agents: %d = %.2f per"
                    + " host)   (target: <= 8 per host)%n", zkWrites, writesPerHost(), reportWrites, (double) reportWrites / hosts);
            out.printf(Locale.ROOT, "  peak writes: %d a second   (target: <= 2,000)%n", peakWritesPerSecond);
            out.printf(Locale.ROOT, "  deployer: %.1f s CPU over a %.1f s deploy (%.0f %% of one core)%n", deployerCpuSeconds,
                    deploySeconds, deploySeconds == 0 ? 0 : 100 * deployerCpuSeconds / deploySeconds);
            out.printf(Locale.ROOT, "  leader killed %.1f s after the publish: a new leader after %.2f s; hosts done %d of %d (exit %d);"
                    + " job starts %d (reruns %d); job node reads %d%n", killedAfterSeconds, newLeaderSeconds, done, hosts, exitCode, starts, Math.max(0, starts - hosts),
                    deliveries);
            out.printf(Locale.ROOT, "  sessions expired mid-deploy: %d agents; registered again under a new session: %d of %d"
                    + " agents%n", expired, registered, hosts);
        }
    }


    private final Path dir;
    private final int hosts;
    private final int jvms;
    private final int downloadSeconds;
    /** The agents' session timeout (the sessions expired mid-deploy are gone, and registered again, that long after). */
    private final int sessionSeconds;
    /** Per agents' JVM: all its agents accepted the deploy's job. */
    private final List<CompletableFuture<Void>> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final String secret = "fleet-control-secret-0123456789";

    FleetControl(Path dir, int hosts, int jvms, int downloadSeconds, int sessionSeconds) {
        this.dir = dir;
        this.hosts = hosts;
        this.jvms = jvms;
        this.downloadSeconds = downloadSeconds;
        this.sessionSeconds = sessionSeconds;
    }

    Result run() throws Exception {
        try (Ensemble ensemble = new Ensemble(dir, 3, List.of("--max-client-connections", "0"), "")) {
            ensemble.startAll();
            ensemble.awaitServing(ensemble.members, 120);
            List<Process> sims = new ArrayList<>();
            List<CompletableFuture<String>> stats = new ArrayList<>();
            try {
                List<CompletableFuture<Void>> seen = startAgents(ensemble.connectString(), sims, stats);
                warmUp(ensemble.connectString(), seen);
                return deploy(ensemble, sims, stats);
            } finally {
                for (Process p : sims) {
                    p.destroyForcibly();
                }
            }
        }
    }

    /**
     * A job for nobody, the size of the real one: every agent reads it, each JVM decodes and checks
     * it once, as long-running agents have done many times before the deploy that is measured.
     */
    private void warmUp(String connect, List<CompletableFuture<Void>> seen) throws Exception {
        List<String> nobody = new ArrayList<>();
        for (int i = 0; i < hosts; i++) {
            nobody.add(String.format("nobody-%05d", i));
        }
        long now = System.currentTimeMillis();
        org.murder.orchestrator.job.Job job = new org.murder.orchestrator.job.JobSigner(secret).sign(
                org.murder.orchestrator.job.Job.builder().id("warm-up-" + now).type(org.murder.orchestrator.job.Job.DEPLOY)
                        .tag("warm-up").torrent("ZA==").md5("0123456789abcdef0123456789abcdef").size(1).keep(1).hosts(nobody)
                        .createdAt(now).deadline(now + 60_000).build());
        try (org.apache.curator.framework.CuratorFramework zk = org.murder.orchestrator.zk.Zk.connect(
                org.murder.orchestrator.zk.ZkSettings.of(connect).guardedBy(org.murder.orchestrator.cli.ZkOptions.credentialsOf(
                        new org.murder.orchestrator.job.JobSigner(secret))))) {
            zk.create().creatingParentContainersIfNeeded().forPath(org.murder.orchestrator.zk.ZkPaths.job(job.id()),
                    org.murder.orchestrator.job.JobCodec.encode(job));
            for (CompletableFuture<Void> s : seen) {
                s.get(120, TimeUnit.SECONDS);
            }
        }
    }

    /** Starts the agent JVMs and waits until each is ready; returns, for each, when it has seen the warm-up job. */
    private List<CompletableFuture<Void>> startAgents(String connect, List<Process> sims, List<CompletableFuture<String>> stats)
            throws Exception {
        String classpath = System.getProperty("java.class.path");
        List<CompletableFuture<Void>> warm = new ArrayList<>();
        for (int j = 0; j < jvms; j++) {
            int count = hosts / jvms + (j < hosts % jvms ? 1 : 0);
            List<String> argv = List.of(javaBin(), "-Xss256k", "-Xmx1g", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", classpath,
                    "org.murder.orchestrator.agent.SimulatedAgents", "--zk", connect, "--count", String.valueOf(count),
                    "--prefix", "sim-" + j + "-", "--download-seconds", String.valueOf(downloadSeconds), "--seed-seconds", "2",
                    "--session-seconds", String.valueOf(sessionSeconds));
            ProcessBuilder pb = new ProcessBuilder(argv).redirectError(dir.resolve("agents-" + j + ".log").toFile());
            pb.environment().put("MURDER_SECRET", secret);
            Process p = pb.start();
            sims.add(p);
            CompletableFuture<Void> up = new CompletableFuture<>();
            CompletableFuture<Void> warmed = new CompletableFuture<>();
            warm.add(warmed);
            CompletableFuture<String> last = new CompletableFuture<>();
            stats.add(last);
            CompletableFuture<Void> allAccepted = new CompletableFuture<>();
            accepted.add(allAccepted);
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    String lastLine = "";
                    while ((line = r.readLine()) != null) {
                        if (line.startsWith("ready ")) {
                            up.complete(null);
                        } else if (line.startsWith("accepted ")) {
                            allAccepted.complete(null);
                        } else if (line.startsWith("seen warm-up")) {
                            warmed.complete(null);
                        } else if (line.startsWith("{")) {
                            lastLine = line;
                        }
                    }
                    up.completeExceptionally(new IllegalStateException("agents JVM ended before it was ready"));
                    last.complete(lastLine);
                } catch (IOException e) {
                    up.completeExceptionally(e);
                    last.completeExceptionally(e);
                }
            }, "fleet-agents-" + j);
            reader.setDaemon(true);
            reader.start();
            // one JVM at a time: thousands of sessions opening at once on a small box starve the ensemble
            try {
                up.get(Math.max(120, hosts / 10), TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("agents JVM " + j + " not ready: " + e.getMessage() + "\n"
                        + tail(dir.resolve("agents-" + j + ".log")), e);
            }
        }
        return warm;
    }

    private Result deploy(Ensemble ensemble, List<Process> sims, List<CompletableFuture<String>> stats) throws Exception {
        Path release = dir.resolve("release.bin");
        byte[] bytes = new byte[256 * 1024];
        new Random(1).nextBytes(bytes);
        Files.write(release, bytes);
        Path conf = dir.resolve("murder.conf");
        if (!Files.exists(conf)) {
            Files.writeString(conf, "");
        }
        // quiet for the zxid baseline: every agent's session and registration are in
        AtomicLong writes = new AtomicLong();
        AtomicLong peak = new AtomicLong();
        AtomicReference<Double> cpu = new AtomicReference<>(0.0);
        List<String> argv = List.of(Ensemble.MURDER.toString(), "deploy", release.toString(), "--tag", "fleet-" + System.nanoTime(),
                "--hosts", "sim-*", "--zk", ensemble.connectString(), "--max-hosts", String.valueOf(hosts), "--timeout", "5m",
                "--seed-time", "2s", "--grace", "0s", "--json", "--bind", "127.0.0.1", "--advertise", "127.0.0.1", "--tracker-port",
                String.valueOf(FreePorts.next()), "--work-dir", dir.resolve("work").toString(), "--zk-session-timeout", "30s");
        ProcessBuilder pb = new ProcessBuilder(argv).redirectError(dir.resolve("deploy.log").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("MURDER_SECRET", secret);
        pb.environment().put("MURDER_CONF", conf.toString());
        long base = ensemble.zxid();
        long started = System.nanoTime();
        Process deploy = pb.start();
        CompletableFuture<String> json = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(deploy.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
        // sample the members' zxid every 100 ms. Once the job is out: expire the sessions of the first agents' JVM 2 s in,
        // kill the leader half way through the downloads, once every agent has accepted the job (at one second before the
        // downloads' end at the latest): an agent that had not, on a loaded machine, waited out the election too, and its
        // acceptance measured ZooKeeper's outage instead of the agent's paths to its job (a CI run: p99 15.2 s)
        long publishedAt = 0;
        long killAt = Long.MAX_VALUE;
        long killAtTheLatest = Long.MAX_VALUE;
        long expireAt = Long.MAX_VALUE;
        boolean expiredSent = false;
        long killedAt = 0;
        double newLeader = -1;
        long last = base;
        java.util.ArrayDeque<long[]> window = new java.util.ArrayDeque<>();
        long end = started + TimeUnit.MINUTES.toNanos(6);
        while (deploy.isAlive() && System.nanoTime() < end) {
            deploy.toHandle().info().totalCpuDuration().ifPresent(d -> cpu.set(d.toNanos() / 1e9));
            long z = ensemble.zxid();
            long now = System.nanoTime();
            if (publishedAt == 0 && Files.readString(dir.resolve("deploy.log")).contains(" published for ")) {
                publishedAt = now;
                expireAt = now + TimeUnit.SECONDS.toNanos(2);
                killAt = now + TimeUnit.SECONDS.toNanos(Math.max(3, downloadSeconds / 2 + 1));
                killAtTheLatest = Math.max(killAt, now + TimeUnit.SECONDS.toNanos(downloadSeconds - 1));
            }
            if (z > 0) {
                long delta = (z >>> 32) == (last >>> 32) ? (z & 0xffffffffL) - (last & 0xffffffffL) : (z & 0xffffffffL);
                if (delta > 0) {
                    writes.addAndGet(delta);
                    window.addLast(new long[] {now, delta});
                }
                last = z;
            }
            while (!window.isEmpty() && now - window.peekFirst()[0] > TimeUnit.SECONDS.toNanos(1)) {
                window.removeFirst();
            }
            peak.accumulateAndGet(window.stream().mapToLong(w -> w[1]).sum(), Math::max);
            if (!expiredSent && now >= expireAt && jvms > 1) {
                sims.get(0).getOutputStream().write("expire\n".getBytes(StandardCharsets.US_ASCII));
                sims.get(0).getOutputStream().flush();
                expiredSent = true;
            }
            if (killedAt == 0 && now >= killAt && (now >= killAtTheLatest || accepted.stream().allMatch(CompletableFuture::isDone))) {
                var leader = ensemble.leader(ensemble.members);
                if (leader.isPresent()) {
                    leader.get().kill();
                    killedAt = System.nanoTime();
                }
            } else if (killedAt > 0 && newLeader < 0 && ensemble.leader(ensemble.members.stream().filter(Ensemble.Member::isAlive)
                    .toList()).isPresent()) {
                newLeader = (System.nanoTime() - killedAt) / 1e9;
            }
            Thread.sleep(100);
        }
        if (deploy.isAlive()) {
            deploy.destroyForcibly();
        }
        int exit = deploy.waitFor();
        double seconds = (System.nanoTime() - started) / 1e9;
        String summary = json.get(30, TimeUnit.SECONDS);
        int done = 0;
        if (summary.startsWith("{")) {
            JsonNode doc = new ObjectMapper().readTree(summary);
            done = doc.path("done").asInt();
        }
        // the agents' own account
        for (Process p : sims) {
            p.getOutputStream().close();
        }
        long starts = 0;
        long deliveries = 0;
        long reportWrites = 0;
        long expired = 0;
        long registered = 0;
        List<Long> accepted = new ArrayList<>();
        for (CompletableFuture<String> s : stats) {
            String line = s.get(120, TimeUnit.SECONDS);
            JsonNode doc = new ObjectMapper().readTree(line);
            starts += doc.path("starts").asLong();
            deliveries += doc.path("deliveries").asLong();
            reportWrites += doc.path("reportWrites").asLong();
            expired += doc.path("expired").asLong();
            registered += doc.path("registered").asLong();
            doc.path("latenciesMs").forEach(n -> accepted.add(n.asLong()));
        }
        return new Result(hosts, done, starts, deliveries, reportWrites, accepted.stream().mapToLong(Long::longValue).toArray(),
                writes.get(), peak.get(), cpu.get(), seconds, killedAt == 0 ? -1 : (killedAt - publishedAt) / 1e9, newLeader, exit, expired, registered, summary.length() > 400 ? summary.substring(0, 400)
                        : summary);
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(" + file + ": " + e.getMessage() + ")";
        }
    }

    /** {@code FleetControl HOSTS [JVMS] [DOWNLOAD_SECONDS]}: prints the figures. */
    public static void main(String[] args) throws Exception {
        int hosts = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int jvms = args.length > 1 ? Integer.parseInt(args[1]) : Math.max(1, (hosts + 1249) / 1250);
        int download = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        Path dir = Files.createTempDirectory("fleet-control-");
        // 30 s sessions, as agents have: thousands of clients starting on two cores must not expire meanwhile
        Result r = new FleetControl(dir, hosts, jvms, download, 30).run();
        r.print(System.out);
        System.out.println("  (logs in " + dir + ")");
    }
}
