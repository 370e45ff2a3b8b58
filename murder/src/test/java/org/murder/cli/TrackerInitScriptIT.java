package org.murder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/init.d/murder-tracker against the built distribution (target/murder): start, status,
 * restart, stop, with options from a defaults file like /etc/default/murder.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TrackerInitScriptIT {
    private static final Path SCRIPT = Path.of("..", "scripts", "init.d", "murder-tracker").toAbsolutePath().normalize();
    private static final Path DIST = Path.of("target", "murder").toAbsolutePath();

    @TempDir
    Path tmp;

    private Path defaults;

    private record Result(int exit, String out) {
    }

    private Result run(String action) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sh", SCRIPT.toString(), action).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("MURDER_DEFAULTS", defaults.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(40, TimeUnit.SECONDS));
        return new Result(p.exitValue(), out.strip());
    }

    @AfterEach
    void stop() throws Exception {
        if (defaults != null) {
            run("stop");
        }
    }

    @Test
    void startStatusRestartStopWithOptionsFromTheDefaultsFile() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String user = System.getProperty("user.name");
        defaults = tmp.resolve("murder");
        Files.writeString(defaults, String.join("\n",
                "MURDER_HOME=" + DIST,
                "MURDER_USER=" + user,
                "MURDER_JAVA_OPTS=\"-Xmx128m\"",
                "TRACKER_OPTS=\"--open --bind 127.0.0.1 --port " + port + " --state " + tmp.resolve("tracker.state") + "\"",
                "TRACKER_PIDFILE=" + tmp.resolve("run/tracker.pid"),
                "TRACKER_LOG=" + tmp.resolve("log/tracker.log"), ""));

        assertEquals(new Result(3, "murder-tracker is not running"), run("status"));
        Result started = run("start");
        assertEquals(0, started.exit(), started.out());
        assertTrue(started.out().startsWith("murder-tracker started (pid "), started.out());
        Result status = run("status");
        assertEquals(0, status.exit());
        assertTrue(status.out().startsWith("murder-tracker is running (pid "), status.out());
        assertTrue(run("start").out().startsWith("murder-tracker is already running"));

        HttpResponse<String> metrics = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, metrics.statusCode());

        Result restarted = run("restart");
        assertEquals(0, restarted.exit(), restarted.out());
        assertTrue(restarted.out().contains("murder-tracker stopped") && restarted.out().contains("murder-tracker started"),
                restarted.out());
        assertEquals(new Result(0, "murder-tracker stopped"), run("stop"));
        assertEquals(new Result(3, "murder-tracker is not running"), run("status"));
        assertTrue(Files.exists(tmp.resolve("tracker.state")), "SIGTERM saved the state file");
        String log = Files.readString(tmp.resolve("log/tracker.log"));
        assertEquals(2, log.lines().filter(l -> l.contains("tracker listening on http://127.0.0.1:" + port)).count(), log);
        assertEquals(2, log.lines().filter(l -> l.contains("tracker stopped")).count(), log);
    }

    @Test
    void aTrackerThatCannotStartIsReportedWithItsLog() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            defaults = tmp.resolve("murder");
            Files.writeString(defaults, String.join("\n",
                    "MURDER_HOME=" + DIST,
                    "MURDER_USER=" + System.getProperty("user.name"),
                    "TRACKER_OPTS=\"--open --bind 127.0.0.1 --port " + taken.getLocalPort() + "\"",
                    "TRACKER_PIDFILE=" + tmp.resolve("tracker.pid"),
                    "TRACKER_LOG=" + tmp.resolve("tracker.log"), ""));
            Files.writeString(tmp.resolve("tracker.log"), "murder: an earlier start's error\n");
            Result r = run("start");
            assertEquals(1, r.exit(), r.out());
            assertTrue(r.out().contains("murder: cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": address already in use"),
                    r.out());
            assertFalse(r.out().contains("an earlier start's error"), "only this start's lines: " + r.out());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
    /**
     * A pid file left by a tracker that died (out of memory, a crash) whose pid is now another murder command's (a
     * `murder zookeeper` on the same box): status says dead with its pid file (LSB 1), stop leaves that process alone.
     * Any murder process was taken for the tracker: stop killed the ZooKeeper.
     */
    @Test
    void aPidFileNamingAnotherMurderCommandIsNotTheTrackers() throws Exception {
        defaults = tmp.resolve("murder");
        Path pidFile = tmp.resolve("tracker.pid");
        Files.writeString(defaults, String.join("\n",
                "MURDER_HOME=" + DIST,
                "MURDER_USER=" + System.getProperty("user.name"),
                "TRACKER_PIDFILE=" + pidFile,
                "TRACKER_LOG=" + tmp.resolve("tracker.log"), ""));
        // a process whose command line reads as murder's ZooKeeper ('... org.murder.cli.Murder zookeeper --port 2181')
        Process other = new ProcessBuilder("python3", "-c", "import time; time.sleep(60)", "org.murder.cli.Murder", "zookeeper",
                "--port", "2181").start();
        try {
            Files.writeString(pidFile, other.pid() + "\n");
            Result status = run("status");
            assertEquals(new Result(1, "murder-tracker is not running, but " + pidFile + " is left (pid " + other.pid() + ")"), status);
            assertEquals(new Result(0, "murder-tracker is not running"), run("stop"));
            assertTrue(other.isAlive(), "the other murder command is not stopped as the tracker");
            assertEquals(new Result(3, "murder-tracker is not running"), run("status"), "stop removed the stale pid file");
        } finally {
            other.destroyForcibly();
        }
    }
}
