package org.murder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/install.sh into a temporary root (never the real system), then the installed init.d
 * scripts against the installed distribution: tracker and seeder start, status, stop; the agent
 * start, status, stop against a ZooKeeper of its own ({@code murder zookeeper}).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ServicesIT {
    private static final Path SCRIPTS = Path.of("..", "scripts").toAbsolutePath().normalize();
    private static final Path DIST = Path.of("target", "murder").toAbsolutePath();

    @TempDir
    Path tmp;

    private Path root;
    private Path defaults;
    private final List<String> started = new ArrayList<>();
    private Process zookeeper;

    private record Result(int exit, String out) {
    }

    private static Result sh(Map<String, String> env, String... argv) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(40, TimeUnit.SECONDS), String.join(" ", argv) + " did not finish within 40 s");
        return new Result(p.exitValue(), out.strip());
    }

    private Result service(String name, String action) throws Exception {
        return sh(Map.of("MURDER_DEFAULTS", defaults.toString()), "sh", root.resolve("etc/init.d/" + name).toString(), action);
    }

    @BeforeEach
    void install() throws Exception {
        root = tmp.resolve("root");
        Result r = sh(Map.of(), "sh", SCRIPTS.resolve("install.sh").toString(), "--root", root.toString(), "--dist", DIST.toString());
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("user murder not created (--root or --no-user)"), r.out());
    }

    @AfterEach
    void stopAll() throws Exception {
        for (String s : started) {
            service(s, "stop");
        }
        if (zookeeper != null) {
            zookeeper.destroy();
            if (!zookeeper.waitFor(20, TimeUnit.SECONDS)) {
                zookeeper.destroyForcibly();
            }
        }
    }

    private static String get(String url) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void theAgentRegistersWithZooKeeperReportsAndStops() throws Exception {
        int zkPort = freePort();
        int peerPort = freePort();
        int metricsPort = freePort();
        Path zkLog = tmp.resolve("zookeeper.log");
        ProcessBuilder pb = new ProcessBuilder(root.resolve("opt/murder/bin/murder").toString(), "zookeeper", "--bind", "127.0.0.1",
                "--port", String.valueOf(zkPort), "--data-dir", tmp.resolve("zk").toString())
                .redirectErrorStream(true).redirectOutput(zkLog.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("MURDER_JAVA_OPTS", "-Xmx128m");
        zookeeper = pb.start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        while (!Files.readString(zkLog).contains("zookeeper listening on") && zookeeper.isAlive() && System.nanoTime() < end) {
            Thread.sleep(100);
        }
        assertTrue(Files.readString(zkLog).contains("zookeeper listening on"), Files.readString(zkLog));

        Path secret = tmp.resolve("secret");
        Files.writeString(secret, "a-test-secret-of-32-characters!!\n");
        java.nio.file.Files.setPosixFilePermissions(secret, // as installed: no warning
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        defaults = tmp.resolve("default-murder");
        Files.writeString(defaults, String.join("\n",
                "MURDER_HOME=" + root.resolve("opt/murder"),
                "MURDER_USER=" + System.getProperty("user.name"),
                "MURDER_JAVA_OPTS=\"-Xmx128m\"",
                "AGENT_NAME=it-agent",
                "AGENT_OPTS=\"--roles web,api --zk 127.0.0.1:" + zkPort + " --secret-file " + secret + " --bind 127.0.0.1 --ip 127.0.0.1"
                        + " --port-range " + peerPort + "-" + peerPort + " --dest-root " + root.resolve("var/lib/murder/releases")
                        + " --metrics-port " + metricsPort + "\"",
                "AGENT_PIDFILE=" + tmp.resolve("run/agent.pid"),
                "AGENT_LOG=" + tmp.resolve("log/agent.log"), ""));

        assertEquals(new Result(3, "murder-agent is not running"), service("murder-agent", "status"));
        started.add("murder-agent");
        Result up = service("murder-agent", "start");
        assertEquals(0, up.exit(), up.out());
        assertTrue(up.out().startsWith("murder-agent started (pid "), up.out());
        // the init script returns on the agent's log line "registered", which comes a moment before this one on stdout
        String registered = "agent it-agent registered at 127.0.0.1:" + zkPort;
        long printedBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!Files.readString(tmp.resolve("log/agent.log")).contains(registered) && System.nanoTime() < printedBy) {
            Thread.sleep(50);
        }
        assertTrue(Files.readString(tmp.resolve("log/agent.log")).contains(registered), Files.readString(tmp.resolve("log/agent.log")));
        Result status = service("murder-agent", "status");
        assertEquals(0, status.exit(), status.out());
        assertTrue(status.out().startsWith("murder-agent is running (pid "), status.out());
        CliRun agents = CliRun.of("agents", "--zk", "127.0.0.1:" + zkPort, "--secret-file", secret.toString());
        assertTrue(agents.out().contains("it-agent"), agents.out() + agents.err());
        assertEquals("200 ok\n", get("http://127.0.0.1:" + metricsPort + "/healthz"), "the agent's health, ZooKeeper connected");
        assertEquals(new Result(0, "murder-agent stopped"), service("murder-agent", "stop"));
        assertEquals(new Result(3, "murder-agent is not running"), service("murder-agent", "status"));
        started.clear();
    }

    @Test
    void installPutsEveryFileInPlaceAndKeepsTheOperatorsDefaults() throws Exception {
        assertTrue(Files.isExecutable(root.resolve("opt/murder/bin/murder")));
        assertTrue(Files.exists(root.resolve("opt/murder/lib/firewall-0.1.0-SNAPSHOT.jar")));
        // the digests' native library is installed beside the jars, and the launcher loads it from there
        assertTrue(Files.exists(root.resolve("opt/murder/lib/native/libamazonCorrettoCryptoProvider.so")));
        Result version = sh(Map.of("MURDER_JAVA_OPTS", "-XshowSettings:properties"), root.resolve("opt/murder/bin/murder").toString(),
                "--version");
        assertTrue(version.out().contains("java.library.path = " + root.toRealPath().resolve("opt/murder/bin") + "/../lib/native"), version.out());
        assertTrue(version.out().contains("com.amazon.corretto.crypto.provider.useExternalLib = true"), version.out());
        assertTrue(version.out().contains("digests: AmazonCorrettoCryptoProvider"), version.out());
        assertEquals(Path.of("/opt/murder/bin/murder"), Files.readSymbolicLink(root.resolve("usr/local/bin/murder")));
        for (String s : List.of("murder-tracker", "murder-seeder", "murder-agent")) {
            assertTrue(Files.isExecutable(root.resolve("etc/init.d/" + s)), s);
            assertEquals(0, sh(Map.of(), "sh", "-n", root.resolve("etc/init.d/" + s).toString()).exit(), s);
            String unit = Files.readString(root.resolve("etc/systemd/system/" + s + ".service"));
            assertTrue(unit.contains("ExecStart=/opt/murder/bin/murder "), unit);
            assertTrue(unit.contains("EnvironmentFile=-/etc/default/murder"), unit);
        }
        assertTrue(Files.readString(root.resolve("etc/systemd/system/murder-seeder.service"))
                .contains("--dir /var/lib/murder/seed"));
        for (String d : List.of("var/log/murder", "var/lib/murder/seed", "var/lib/murder/torrents", "var/lib/murder/releases")) {
            assertTrue(Files.isDirectory(root.resolve(d)), d);
        }
        assertTrue(Files.readString(root.resolve("etc/logrotate.d/murder")).contains("\n    su murder murder\n"),
                "the init.d services' logs are rotated as the package's are");
        String sample = Files.readString(root.resolve("etc/default/murder"));
        for (String v : List.of("MURDER_HOME=/opt/murder", "TRACKER_OPTS=", "SEEDER_OPTS=", "AGENT_OPTS=", "FIREWALL_OPTS=")) {
            assertTrue(sample.contains(v), v);
        }

        Files.writeString(root.resolve("etc/default/murder"), "MURDER_HOME=/srv/murder\n");
        Files.writeString(root.resolve("opt/murder/lib/stale-0.0.1.jar"), "old");
        Result again = sh(Map.of(), "sh", SCRIPTS.resolve("install.sh").toString(), "--root", root.toString(), "--dist", DIST.toString(),
                "--prefix", "/srv/murder");
        assertEquals(0, again.exit(), again.out());
        assertEquals("MURDER_HOME=/srv/murder\n", Files.readString(root.resolve("etc/default/murder")), "an operator's file is kept");
        assertTrue(again.out().contains("/etc/default/murder kept"), again.out());
        assertTrue(Files.readString(root.resolve("etc/init.d/murder-seeder")).contains("MURDER_HOME=/srv/murder"));
        assertTrue(Files.readString(root.resolve("etc/systemd/system/murder-agent.service")).contains("ExecStart=/srv/murder/bin/murder agent"));
        assertTrue(Files.isExecutable(root.resolve("srv/murder/bin/murder")));

        Result again2 = sh(Map.of(), "sh", SCRIPTS.resolve("install.sh").toString(), "--root", root.toString(), "--dist", DIST.toString());
        assertEquals(0, again2.exit(), again2.out());
        assertFalse(Files.exists(root.resolve("opt/murder/lib/stale-0.0.1.jar")), "lib/ is replaced whole");

        Result bad = sh(Map.of(), "sh", SCRIPTS.resolve("install.sh").toString(), "--root", root.toString(), "--dist", tmp.resolve("none").toString());
        assertEquals(2, bad.exit());
        assertTrue(bad.out().contains("no distribution at"), bad.out());
    }

    @Test
    void uninstallRemovesWhatItInstalledAndPurgeTheRest() throws Exception {
        Path install = SCRIPTS.resolve("install.sh");
        assertTrue(Files.readString(root.resolve("etc/murder/murder.conf")).contains("# zk = 127.0.0.1:2181"));
        Files.writeString(root.resolve("etc/default/murder"), "AGENT_OPTS=\"--roles web\"\n");
        Files.writeString(root.resolve("etc/murder/murder.conf"), "zk = zk1:2181\n");
        Files.writeString(root.resolve("etc/murder/secret"), "a-test-secret-of-32-characters!!\n");
        Files.writeString(root.resolve("var/lib/murder/releases/keep-me"), "data");
        Files.writeString(root.resolve("opt/murder/operator-notes"), "not ours");
        Files.createDirectories(root.resolve("etc/systemd/system"));
        Files.writeString(root.resolve("etc/systemd/system/other.service"), "[Service]\n");

        Result un = sh(Map.of(), "sh", install.toString(), "--uninstall", "--root", root.toString());
        assertEquals(0, un.exit(), un.out());
        for (String gone : List.of("opt/murder/bin", "opt/murder/lib", "opt/murder/share", "usr/local/bin/murder", "etc/init.d/murder-agent",
                "etc/init.d/murder-tracker", "etc/init.d/murder-seeder", "etc/systemd/system/murder-agent.service",
                "etc/systemd/system/murder-zookeeper.service", "etc/systemd/system/murder-firewall.service")) {
            assertFalse(Files.exists(root.resolve(gone), java.nio.file.LinkOption.NOFOLLOW_LINKS), gone + "\n" + un.out());
        }
        assertEquals("not ours", Files.readString(root.resolve("opt/murder/operator-notes")), "only what install.sh put into the prefix goes");
        assertTrue(Files.exists(root.resolve("etc/systemd/system/other.service")));
        assertEquals("AGENT_OPTS=\"--roles web\"\n", Files.readString(root.resolve("etc/default/murder")));
        assertEquals("zk = zk1:2181\n", Files.readString(root.resolve("etc/murder/murder.conf")));
        assertTrue(Files.exists(root.resolve("etc/murder/secret")));
        assertTrue(Files.exists(root.resolve("var/lib/murder/releases/keep-me")));
        assertTrue(Files.isDirectory(root.resolve("var/log/murder")));
        assertTrue(Files.exists(root.resolve("etc/logrotate.d/murder")));
        assertTrue(un.out().contains("uninstall: kept /etc/default/murder, /etc/murder, /etc/logrotate.d/murder, /var/lib/murder, /var/log/murder"), un.out());

        // installing again keeps the operator's files, and --uninstall --purge removes them too
        Result again = sh(Map.of(), "sh", install.toString(), "--root", root.toString(), "--dist", DIST.toString());
        assertEquals(0, again.exit(), again.out());
        assertEquals("zk = zk1:2181\n", Files.readString(root.resolve("etc/murder/murder.conf")));
        assertTrue(again.out().contains("/etc/murder/murder.conf kept"), again.out());
        Result purge = sh(Map.of(), "sh", install.toString(), "--uninstall", "--purge", "--root", root.toString());
        assertEquals(0, purge.exit(), purge.out());
        for (String gone : List.of("opt/murder/bin", "etc/default/murder", "etc/murder", "etc/logrotate.d/murder", "var/lib/murder",
                "var/log/murder")) {
            assertFalse(Files.exists(root.resolve(gone)), gone + "\n" + purge.out());
        }

        Result bad = sh(Map.of(), "sh", install.toString(), "--purge", "--root", root.toString());
        assertEquals(new Result(2, "install.sh: --purge goes with --uninstall"), bad);
    }

    @Test
    void trackerAndSeederStartReportAndStop() throws Exception {
        int trackerPort;
        int peerPort;
        int metricsPort;
        try (ServerSocket a = new ServerSocket(0); ServerSocket b = new ServerSocket(0); ServerSocket c = new ServerSocket(0)) {
            trackerPort = a.getLocalPort();
            peerPort = b.getLocalPort();
            metricsPort = c.getLocalPort();
        }
        Path seedDir = root.resolve("var/lib/murder/seed");
        byte[] data = new byte[1024 * 1024 + 3];
        new Random(3).nextBytes(data);
        Files.write(seedDir.resolve("v1.tar.gz"), data);
        CliRun made = CliRun.of("make-torrent", seedDir.resolve("v1.tar.gz").toString(), "--tracker",
                "http://127.0.0.1:" + trackerPort + "/announce", "--out", seedDir.resolve("v1.torrent").toString());
        assertEquals(0, made.exitCode(), made.err());

        defaults = tmp.resolve("default-murder");
        Files.writeString(defaults, String.join("\n",
                "MURDER_HOME=" + root.resolve("opt/murder"),
                "MURDER_USER=" + System.getProperty("user.name"),
                "MURDER_JAVA_OPTS=\"-Xmx128m\"",
                "TRACKER_OPTS=\"--open --bind 127.0.0.1 --port " + trackerPort + " --interval 2s\"",
                "TRACKER_PIDFILE=" + tmp.resolve("run/tracker.pid"),
                "TRACKER_LOG=" + tmp.resolve("log/tracker.log"),
                "SEEDER_OPTS=\"--dir " + seedDir + " --bind 127.0.0.1 --port-range " + peerPort + "-" + peerPort + " --metrics-port "
                        + metricsPort + "\"",
                "SEEDER_PIDFILE=" + tmp.resolve("run/seeder.pid"),
                "SEEDER_LOG=" + tmp.resolve("log/seeder.log"),
                "AGENT_PIDFILE=" + tmp.resolve("run/agent.pid"),
                "AGENT_LOG=" + tmp.resolve("log/agent.log"), ""));

        assertEquals(new Result(3, "murder-agent is not running"), service("murder-agent", "status"));
        assertEquals(new Result(0, "murder-agent is not running"), service("murder-agent", "stop"));

        for (String s : List.of("murder-tracker", "murder-seeder")) {
            assertEquals(new Result(3, s + " is not running"), service(s, "status"));
            started.add(s);
            Result up = service(s, "start");
            assertEquals(0, up.exit(), up.out());
            assertTrue(up.out().startsWith(s + " started (pid "), up.out());
            Result status = service(s, "status");
            assertEquals(0, status.exit(), status.out());
            assertTrue(status.out().startsWith(s + " is running (pid "), status.out());
        }
        assertTrue(Files.readString(tmp.resolve("log/seeder.log")).contains("seeding   every torrent in " + seedDir));

        // the seeder announced its torrent to the tracker: the tracker counts one seed
        String infoHash = CliRun.of("info", "--hash", seedDir.resolve("v1.torrent").toString()).out().strip();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        String stats = "";
        while (System.nanoTime() < end && !stats.contains("murder_tracker_peers{state=\"seeder\"} 1")) {
            stats = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + trackerPort + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Thread.sleep(200);
        }
        assertTrue(stats.contains("murder_tracker_peers{state=\"seeder\"} 1"), infoHash + "\n" + stats);
        assertEquals("200 ok\n", get("http://127.0.0.1:" + metricsPort + "/healthz"), "the seeder's health");

        for (String s : List.of("murder-seeder", "murder-tracker")) {
            assertEquals(new Result(0, s + " stopped"), service(s, "stop"));
            assertEquals(new Result(3, s + " is not running"), service(s, "status"));
        }
        started.clear();
    }
}
