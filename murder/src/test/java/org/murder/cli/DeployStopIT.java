package org.murder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A deploy stopped before its end (SIGTERM, as Ctrl-C or a CI runner's cancel) leaves its job live
 * on the agents: it says which job and how to see it through, and {@code murder jobs --hosts} shows
 * every host of that job, the one that never reported included. Real processes: an agent (held
 * with SIGSTOP so that the job stays unfinished), a deploy, ZooKeeper from Curator's TestingServer.
 */
@Timeout(180)
class DeployStopIT {

    @TempDir
    Path tmp;

    private final List<Process> started = new ArrayList<>();
    private TestingServer zookeeper;

    @AfterEach
    void stopAll() throws Exception {
        for (Process p : started) {
            signal("CONT", p); // a stopped process does not act on SIGTERM
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        if (zookeeper != null) {
            zookeeper.close();
        }
    }

    @Test
    void aStoppedDeployNamesTheJobItLeavesLiveAndJobsListsEveryHost() throws Exception {
        zookeeper = new TestingServer(true);
        String zk = zookeeper.getConnectString();
        Path secret = Files.writeString(tmp.resolve("secret"), "a-test-secret-of-32-characters!!\n");
        java.nio.file.Files.setPosixFilePermissions(secret, // as installed: no warning
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        int agentPort = freePort();
        Path agentLog = tmp.resolve("agent.log");
        Process agent = murder(agentLog, "agent", "--name", "held-agent", "--zk", zk, "--secret-file", secret.toString(), "--bind",
                "127.0.0.1", "--ip", "127.0.0.1", "--port-range", agentPort + "-" + agentPort, "--dest-root",
                tmp.resolve("releases").toString(), "--no-warm-up", "--hook-user", System.getProperty("user.name"));
        awaitLog(agentLog, agent, "agent held-agent registered at ");
        signal("STOP", agent); // registered, and takes no job: the deploy's job stays unfinished

        Path release = Files.createDirectories(tmp.resolve("build"));
        Files.writeString(release.resolve("VERSION"), "v1\n");
        int seederPort = freePort();
        Path deployLog = tmp.resolve("deploy.log");
        Process deploy = murder(deployLog, "deploy", release.toString(), "--tag", "v1", "--host", "held-agent", "--zk", zk,
                "--secret-file", secret.toString(), "--dest", tmp.resolve("app").toString(), "--seed-time", "0s", "--timeout", "10m",
                "--tracker-port", String.valueOf(freePort()), "--advertise", "127.0.0.1", "--seeder-ports", seederPort + "-" + seederPort,
                "--work-dir", tmp.resolve("work").toString());
        awaitLog(deployLog, deploy, " published for 1 hosts");
        deploy.destroy(); // SIGTERM
        assertTrue(deploy.waitFor(30, TimeUnit.SECONDS), Files.readString(deployLog));
        String said = Files.readString(deployLog);
        assertTrue(deploy.exitValue() != 0, said);
        Matcher note = Pattern.compile("deploy stopped before its end: job (v1-\\S+) \\(v1, 1 hosts\\) stays live on the agents until "
                + "\\S+Z, without this deploy's seed: 'murder deploy --resume (v1-\\S+)' seeds it again and follows it to the end\n")
                .matcher(said);
        assertTrue(note.find(), said);
        assertEquals(note.group(1), note.group(2));

        // and a job written into ZooKeeper unsigned (by a client with the ZooKeeper credentials: nobody else may add one
        // since December 7): listed, never taken for the deployer's
        try (org.apache.curator.framework.CuratorFramework client = org.murder.orchestrator.zk.Zk.connect(
                org.murder.orchestrator.zk.ZkSettings.of(zk).guardedBy(org.murder.orchestrator.cli.ZkOptions.credentialsOf(
                        new org.murder.orchestrator.job.JobSigner(Files.readString(secret).strip()))))) {
            org.murder.orchestrator.job.Job forged = org.murder.orchestrator.job.Job.builder().id("v9-forged").tag("v9").torrent("ZA==")
                    .md5("0123456789abcdef0123456789abcdef").size(1).activate(true).hosts(List.of("held-agent")).selector("--hosts *")
                    .createdAt(1_000).deadline(2_000).signature("00").build();
            client.create().forPath(org.murder.orchestrator.zk.ZkPaths.job(forged.id()), org.murder.orchestrator.job.Json.write(forged));
        }
        CliRun jobs = CliRun.of("jobs", "--hosts", "--zk", zk, "--secret-file", secret.toString());
        assertEquals(0, jobs.exitCode(), jobs.err());
        assertTrue(Pattern.compile("(?m)^" + Pattern.quote(note.group(1)) + " +deploy .* +1 +0 +0 +1 +0 +yes$").matcher(jobs.out()).find(),
                "one host, running, signed: " + jobs.out());
        assertTrue(Pattern.compile("(?m)^    held-agent +waiting +no report yet$").matcher(jobs.out()).find(), jobs.out());
        assertTrue(Pattern.compile("(?m)^v9-forged +deploy .* +1 +0 +0 +0 +1 +NO$").matcher(jobs.out()).find(),
                "past its deadline, and not signed with the secret: " + jobs.out());
        assertTrue(Pattern.compile("(?m)^    held-agent +timeout +not done by the deadline \\(never accepted the job\\)$")
                .matcher(jobs.out()).find(), jobs.out());

        CliRun again = CliRun.of("deploy", release.toString(), "--tag", "v1", "--host", "held-agent", "--zk", zk, "--secret-file",
                secret.toString(), "--dest", tmp.resolve("app").toString(), "--work-dir", tmp.resolve("work2").toString());
        assertEquals(1, again.exitCode(), again.err());
        assertTrue(again.err().contains("'murder deploy --resume " + note.group(1) + "'"), again.err());
    }

    private Process murder(Path log, String... args) throws IOException {
        Process p = MurderProcess.start(tmp, log, args);
        started.add(p);
        return p;
    }

    private static void signal(String name, Process p) throws Exception {
        if (p.isAlive()) {
            new ProcessBuilder("kill", "-" + name, String.valueOf(p.pid())).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Waits for a line of a process we do not control (no event to wait on: its log is polled). */
    private static void awaitLog(Path log, Process p, String text) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(log).contains(text)) {
            if (!p.isAlive()) {
                throw new AssertionError("exited " + p.exitValue() + " before '" + text + "':\n" + Files.readString(log));
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("no '" + text + "' within 60 s:\n" + Files.readString(log));
            }
            Thread.sleep(50);
        }
    }
}
