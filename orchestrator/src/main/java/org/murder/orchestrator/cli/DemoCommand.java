package org.murder.orchestrator.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.murder.core.ByteSize;
import org.murder.core.Hex;
import org.murder.core.MurderException;
import org.murder.core.PortRange;
import org.murder.core.cli.LoggingOptions;
import org.murder.core.io.FileTrees;
import org.murder.core.progress.Progress;
import org.murder.orchestrator.deploy.DeployRequest;
import org.murder.orchestrator.deploy.Deployer;
import org.murder.orchestrator.deploy.SummaryPrinter;
import org.murder.orchestrator.deploy.HostOutcome;
import org.murder.orchestrator.job.JobSigner;
import org.murder.orchestrator.rollout.Hooks;
import org.murder.orchestrator.rollout.RolloutRequest;
import org.murder.orchestrator.rollout.WavePlan;
import org.murder.orchestrator.zk.StandaloneZooKeeper;
import org.murder.orchestrator.zk.Zk;
import org.murder.orchestrator.zk.ZkSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code murder demo}: the whole system on one machine in one command. A ZooKeeper server, N agents
 * as separate processes (own ports, own release roots), a generated release, one deploy with
 * activation, live progress and the summary. Everything listens on 127.0.0.1.
 */
@Command(name = "demo", sortOptions = false,
        description = {"Try murder on one machine: ZooKeeper, N agents, tracker, seeder and one deploy.",
            "Starts a ZooKeeper server, N agents as separate processes (own ports and release roots), generates a release of",
            "--size, deploys it with --activate and prints the summary. Listens on 127.0.0.1 only; cleans up after itself.",
            "With --waves: deploys v1 everywhere, then v2 in waves (1,50%%,100%%) with a health check that fails on one host:",
            "the rollout stops at that host's wave, the wave is rolled back, later waves never switch."})
public final class DemoCommand implements Callable<Integer>, org.murder.core.cli.OptionsCheck {
    static final String MAIN_CLASS = "org.murder.cli.Murder";

    @Spec
    CommandSpec spec;

    @Mixin
    LoggingOptions logging;

    @Option(names = "--agents", paramLabel = "N", defaultValue = "4", description = "Agents to start. Default: ${DEFAULT-VALUE}.")
    int agents;

    @Option(names = "--size", paramLabel = "SIZE", defaultValue = "256MiB", description = "Release size. Default: ${DEFAULT-VALUE}.")
    ByteSize size;

    @Option(names = "--dir", paramLabel = "DIR", description = "Work directory (kept). Default: a temporary one, removed at the end.")
    Path dir;

    @Option(names = "--waves", description = "Show a safe rollout: v1 to all, then v2 in waves (1,50%%,100%%) whose health check"
            + " fails on one host; the rollout stops and that wave is rolled back. Exit 0 when it went so.")
    boolean waves;

    /** The waves of {@code demo --waves}. */
    static final String WAVES = "1,50%,100%";

    /** {@code --dir}, made when missing; one line (exit 2) when it is a file, or cannot be made. */
    private static Path workDir(Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw org.murder.core.MurderException.badInput("--dir " + org.murder.core.Printable.escape(dir.toString()) + ": not a"
                    + " directory (expected: a directory for the demo's work, or a path to create)");
        }
        try {
            return Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw org.murder.core.MurderException.badInput("--dir: cannot create " + org.murder.core.io.IoErrors.describe(e)
                    + " (expected: a directory for the demo's work, or a path to create)");
        }
    }

    @Override
    public void checkOptions() {
        if (agents < 1 || agents > 50) {
            throw MurderException.badInput("--agents: " + agents + " (expected: 1 to 50)");
        }
        if (size.bytes() < 1 || size.bytes() > (64L << 30)) {
            throw MurderException.badInput("--size: " + size + " (expected: 1 byte to 64 GiB)");
        }
    }

    @Override
    public Integer call() throws Exception {
        checkOptions();
        PrintWriter out = spec.commandLine().getOut();
        boolean temporary = dir == null;
        // absolute: the agents' --dest-root must be
        Path work = temporary ? Files.createTempDirectory("murder-demo-") : workDir(dir.toAbsolutePath());
        List<Process> processes = new java.util.concurrent.CopyOnWriteArrayList<>();
        // killed itself (kill PID: no finally runs), the demo still stops its agents
        Thread stopAgents = new Thread(() -> stop(processes), "murder-demo-stop");
        Runtime.getRuntime().addShutdownHook(stopAgents);
        StandaloneZooKeeper zkServer = null;
        try {
            zkServer = StandaloneZooKeeper.start(work.resolve("zookeeper"), "127.0.0.1", 0);
            out.println("zookeeper  127.0.0.1:" + zkServer.port() + " (data in " + work.resolve("zookeeper") + ")");
            String secret = Hex.encode(SecureRandom.getSeed(16));
            Path secretFile = work.resolve("secret");
            // made rw------- (not written first under the umask and narrowed after)
            Files.deleteIfExists(secretFile); // a --dir used before
            Files.createFile(secretFile, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            Files.writeString(secretFile, secret + "\n");
            for (int i = 1; i <= agents; i++) {
                processes.add(startAgent(work, i, zkServer.connectString(), secretFile));
            }
            out.println("agents     " + agents + " processes, logs in " + work + "/agent-N.log");
            out.flush();
            Path release = makeRelease(work.resolve("release"), out);
            JobSigner signer = new JobSigner(secret);
            ZkSettings settings = ZkSettings.of(zkServer.connectString()).guardedBy(ZkOptions.credentialsOf(signer));
            try (CuratorFramework zk = Zk.connect(settings)) {
                Deployer deployer = new Deployer(zk, signer, Clock.systemUTC(), out, Progress.isTerminal());
                awaitAgents(deployer, processes, work);
                if (waves) {
                    return wavesDemo(deployer, release, work, out) ? 0 : 1;
                }
                String tag = "demo-" + System.currentTimeMillis() / 1000;
                DeployRequest request = request(release, tag, work);
                out.printf("deploy     %s (%s) to %d agents%n", tag, size, agents);
                out.flush();
                List<HostOutcome> outcomes = deployer.deploy(request);
                boolean ok = SummaryPrinter.summary(out, tag, outcomes);
                Path current = work.resolve("agent-1/current");
                if (Files.isSymbolicLink(current)) {
                    out.println("agent-1    current -> " + Files.readSymbolicLink(current));
                }
                out.flush();
                return ok ? 0 : 1;
            }
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(stopAgents);
            } catch (IllegalStateException shuttingDown) {
                // the hook stops them
            }
            stop(processes);
            if (zkServer != null) {
                zkServer.close();
            }
            if (temporary) {
                try {
                    FileTrees.deleteRecursively(work);
                } catch (IOException e) {
                    out.println("could not remove " + work + ": " + e.getMessage());
                }
            } else {
                out.println("kept       " + work);
            }
            out.flush();
        }
    }

    private static void stop(List<Process> processes) {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(15, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private Process startAgent(Path work, int i, String zk, Path secretFile) throws IOException {
        int first = 7000 + 10 * i;
        // through bin/murder when it started us, so the agents get its JVM options for `agent`
        // (heap, compiler, class-data sharing); otherwise (in-process, as in tests) this JVM's java
        String launcher = System.getenv("MURDER_LAUNCHER");
        List<String> cmd = new ArrayList<>(launcher != null && Files.isExecutable(Path.of(launcher)) ? List.of(launcher)
                : List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx512m", "-XX:+UseParallelGC", "-cp",
                        System.getProperty("java.class.path"), MAIN_CLASS));
        cmd.addAll(List.of("agent", "--name", "demo-" + i, "--roles", "demo", "--zk", zk, "--secret-file", secretFile.toString(),
                "--dest-root", work.resolve("agent-" + i).toString(), "--bind", "127.0.0.1", "--ip", "127.0.0.1",
                "--port-range", first + "-" + (first + 9), "--metrics-port", "off", // N agents: one default metrics port
                // the demo's own hooks run as whoever runs the demo (as root an agent's default is the user murder)
                "--hook-user", System.getProperty("user.name")));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(work.resolve("agent-" + i + ".log").toFile())
                .start();
    }

    private static DeployRequest request(Path release, String tag, Path work) {
        return DeployRequest.builder().source(release).tag(tag).hostGlobs(List.of("demo-*")).seedTime(Duration.ofSeconds(5))
                .timeout(Duration.ofMinutes(10)).activate(true).keep(3).bind("127.0.0.1").trackerPort(0).advertise("127.0.0.1")
                .seederPorts(new PortRange(7300, 7399)).workDir(work.resolve("deploy")).grace(Duration.ofSeconds(2)).build();
    }

    /**
     * {@code demo --waves}: v1 to every agent at once, then v2 in waves whose health check fails on
     * the first host of the second wave (of the only one, with one agent). Prints which host is on
     * which release; true when the rollout stopped there and that host went back to v1.
     */
    private boolean wavesDemo(Deployer deployer, Path release, Path work, PrintWriter out) throws Exception {
        String stamp = "demo-" + System.currentTimeMillis() / 1000;
        String v1 = stamp + "-v1";
        String v2 = stamp + "-v2";
        List<String> hosts = new ArrayList<>();
        for (int i = 1; i <= agents; i++) {
            hosts.add("demo-" + i);
        }
        List<List<String>> plan = WavePlan.waves(WAVES, hosts);
        String failing = plan.get(Math.min(1, plan.size() - 1)).get(0);
        // the same hooks in both releases: health fails only on the failing host, only on v2 (so its rollback to v1 passes)
        Files.writeString(release.resolve(Hooks.FILE), String.join("\n",
                "# murder demo --waves: every hook says what it would do on a real host",
                "pre-activate  = echo \"would take $MURDER_HOST out of the load balancer\"",
                "post-activate = echo \"would restart the service on $MURDER_TAG (was $MURDER_PREVIOUS_TAG)\"",
                "health        = test \"$MURDER_HOST\" != " + failing + " || test \"$MURDER_TAG\" != " + v2
                        + " || { echo \"health check of $MURDER_HOST failed\"; exit 1; }",
                "health.timeout = 3s",
                "post-health   = echo \"would put $MURDER_HOST back in the load balancer\"", ""));
        Files.writeString(release.resolve("VERSION"), v1 + "\n");
        out.printf("deploy     %s (%s) to %d agents, all at once%n", v1, size, agents);
        out.flush();
        List<HostOutcome> first = deployer.deploy(request(release, v1, work));
        if (!SummaryPrinter.summary(out, v1, first)) {
            out.println("demo: " + v1 + " did not reach every agent; see " + work + "/agent-N.log");
            return false;
        }
        Files.writeString(release.resolve("VERSION"), v2 + "\n");
        out.printf("%ndeploy     %s to %d agents in waves %s; its health check fails on %s%n", v2, agents, WAVES,
                failing);
        out.flush();
        List<HostOutcome> second = deployer.deploy(request(release, v2, work)
                .withRollout(new RolloutRequest(RolloutRequest.ALL_HOOKS, WAVES, 0, "0", false)));
        SummaryPrinter.summary(out, v2, second);
        out.println();
        out.println("releases  host         current");
        Map<String, String> onRelease = new java.util.TreeMap<>();
        for (int i = 1; i <= agents; i++) {
            Path current = work.resolve("agent-" + i + "/current");
            String on = Files.isSymbolicLink(current) ? Files.readSymbolicLink(current).getFileName().toString() : "none";
            onRelease.put("demo-" + i, on);
            int wave = 0;
            for (int w = 0; w < plan.size(); w++) {
                wave = plan.get(w).contains("demo-" + i) ? w + 1 : wave;
            }
            out.printf("          %-12s %s (wave %d of %d)%n", "demo-" + i, on, wave, plan.size());
        }
        int failedWave = 0;
        for (int w = 0; w < plan.size(); w++) {
            failedWave = plan.get(w).contains(failing) ? w : failedWave;
        }
        boolean asExpected = true;
        for (int w = 0; w < plan.size(); w++) {
            for (String h : plan.get(w)) {
                asExpected &= onRelease.get(h).equals(w < failedWave ? v2 : v1);
            }
        }
        HostOutcome failed = second.stream().filter(o -> o.host().equals(failing)).findFirst().orElseThrow();
        asExpected &= "rolled-back".equals(failed.result());
        if (asExpected) {
            out.printf("demo: the health check failed on %s in wave %d of %d: the rollout stopped, wave %d was rolled back to %s;"
                    + " %s%n", failing, failedWave + 1, plan.size(), failedWave + 1, v1,
                    failedWave == 0 ? "no host is on " + v2 : "the waves before it stay on " + v2
                            + (failedWave + 1 < plan.size() ? ", the waves after it never switched" : ""));
        } else {
            out.println("demo: the rollout did not end as expected (see the summary above and " + work + "/agent-N.log)");
        }
        out.flush();
        return asExpected;
    }

    private void awaitAgents(Deployer deployer, List<Process> processes, Path work) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (deployer.agents().size() < agents) {
            for (int i = 0; i < processes.size(); i++) {
                if (!processes.get(i).isAlive()) {
                    throw MurderException.failure("agent demo-" + (i + 1) + " exited with " + processes.get(i).exitValue()
                            + "; see " + work.resolve("agent-" + (i + 1) + ".log"), null);
                }
            }
            if (System.nanoTime() > deadline) {
                throw MurderException.failure("only " + deployer.agents().size() + " of " + agents + " agents registered within 60 s;"
                        + " see " + work + "/agent-N.log", null);
            }
            Thread.sleep(200);
        }
    }

    /** A release directory: a start script, a config file and random payload files adding up to --size. */
    private Path makeRelease(Path root, PrintWriter out) throws IOException {
        Files.createDirectories(root.resolve("bin"));
        Files.createDirectories(root.resolve("lib"));
        Files.writeString(root.resolve("bin/start"), "#!/bin/sh\necho 'hello from the murder demo'\n");
        root.resolve("bin/start").toFile().setExecutable(true);
        Files.writeString(root.resolve("app.conf"), "threads = 8\n");
        Random random = new Random(42);
        long left = size.bytes();
        byte[] buffer = new byte[1 << 20];
        for (int f = 0; left > 0; f++) {
            long fileBytes = Math.min(left, 64L << 20);
            try (OutputStream o = Files.newOutputStream(root.resolve("lib/part-" + f + ".bin"))) {
                for (long w = 0; w < fileBytes; w += buffer.length) {
                    random.nextBytes(buffer);
                    o.write(buffer, 0, (int) Math.min(buffer.length, fileBytes - w));
                }
            }
            left -= fileBytes;
        }
        out.println("release    " + root + " (" + size + " of generated files)");
        out.flush();
        return root;
    }
}
