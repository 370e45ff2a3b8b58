package org.murder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14's proof: a rollout in waves behind a real HAProxy loses no request. HAProxy (Debian's)
 * on loopback balances two backends, web-1 and web-2: each a {@code python3 -m http.server} serving
 * the release its host activated, started and restarted by the release's own hooks. Two agents run
 * as separate {@code bin/murder agent} processes against a {@code murder zookeeper}; {@code murder
 * deploy --activate --waves 1,100%} rolls v2 out while a load loop sends requests through HAProxy
 * the whole time. The release's {@code murder.hooks}: pre-activate takes the host out of HAProxy
 * through its admin socket (socat), post-activate restarts the backend on the new release, health
 * (each agent's {@code --hooks-file}, over the release's) asks the backend directly, post-health
 * puts the host back. HAProxy has no health checks and no retries of its own: a request sent to a
 * backend that is down would fail, so zero failures is the hooks' doing. Then v3, healthy on web-1
 * only (its health file is in web-1's overlay): wave 2 fails, web-2 stays out of HAProxy, is rolled
 * back to v2 with v2's hooks and put back, still without a failed request.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class HaproxyRolloutIT {
    private static final Path MURDER = Path.of("target", "murder", "bin", "murder").toAbsolutePath();
    private static final String SECRET = "a-test-secret-of-32-characters!!";
    private static final List<String> HOSTS = List.of("web-1", "web-2");

    @TempDir
    Path tmp;

    /** Every process this test started, stopped in reverse order at the end whatever happened. */
    private final List<Process> processes = new ArrayList<>();
    private final AtomicBoolean loadStop = new AtomicBoolean();
    private Thread load;

    @AfterEach
    void stopEverything() throws Exception {
        loadStop.set(true);
        if (load != null) {
            load.join(10_000);
        }
        // the backends were started by hooks (children of the agents' shells): their pid files say which
        for (String h : HOSTS) {
            Path pid = tmp.resolve("run/" + h + ".pid");
            if (Files.exists(pid)) {
                try {
                    ProcessHandle.of(Long.parseLong(Files.readString(pid).strip())).ifPresent(p -> {
                        p.destroy();
                        p.onExit().orTimeout(5, TimeUnit.SECONDS).exceptionally(t -> p).join();
                        p.destroyForcibly();
                    });
                } catch (NumberFormatException | IOException e) {
                    // nothing started
                }
            }
        }
        for (int i = processes.size() - 1; i >= 0; i--) {
            Process p = processes.get(i);
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    /** Ports handed out by {@link #freePort}: the backends listen only later, and the kernel may offer their port again. */
    private static final java.util.Set<Integer> GIVEN = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** A free port not handed out before in this JVM (a few tries at most). */
    private static int freePort() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (ServerSocket s = new ServerSocket(0)) {
                if (GIVEN.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            }
        }
        throw new IOException("no new free port in 50 tries");
    }

    private Process start(String name, List<String> argv) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(tmp.resolve(name + ".log").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("MURDER_JAVA_OPTS", "-Xmx160m");
        pb.environment().remove("MURDER_SECRET");
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private String log(String name) throws IOException {
        Path f = tmp.resolve(name + ".log");
        return Files.exists(f) ? Files.readString(f) : "";
    }

    private void await(String what, Supplier<Boolean> condition, Process process, String logName) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.get()) {
            assertTrue(process == null || process.isAlive(), what + ": the process exited\n" + log(logName));
            assertTrue(System.nanoTime() < end, what + ": not within 60 s\n" + log(logName));
            Thread.sleep(100);
        }
    }

    private static ExternalTools.Result sh(String script) {
        return ExternalTools.run(List.of("/bin/sh", "-c", script), null);
    }

    /** A release: www/VERSION (what the backends serve), the backend's start script, the hooks, per-host overlays. */
    private Path release(String tag, Map<String, Integer> backendPorts, Path sock, Path hookLog, List<String> healthyOn)
            throws IOException {
        Path src = Files.createDirectories(tmp.resolve("build-" + tag));
        Files.createDirectories(src.resolve("www"));
        Files.writeString(src.resolve("www/VERSION"), tag + "\n");
        // what the health hook asks for: in the release, or (a release broken on some hosts) only in some hosts' overlays
        for (String h : healthyOn) {
            Path www = Files.createDirectories(healthyOn.equals(HOSTS) ? src.resolve("www") : src.resolve("overlays/" + h + "/www"));
            Files.writeString(www.resolve("HEALTH"), "ok\n");
        }
        Path run = Files.createDirectories(tmp.resolve("run"));
        // stop the backend this host runs (if any) and start it again on the new release; the port comes from the overlay
        Files.createDirectories(src.resolve("bin"));
        Files.writeString(src.resolve("bin/restart-backend"), String.join("\n",
                "#!/bin/sh",
                "set -e",
                "pidfile=" + run + "/$MURDER_HOST.pid",
                "if [ -f \"$pidfile\" ]; then",
                "  pid=$(cat \"$pidfile\")",
                "  kill \"$pid\" 2>/dev/null || true",
                "  while kill -0 \"$pid\" 2>/dev/null; do sleep 0.05; done",
                "fi",
                "nohup " + ExternalTools.PYTHON + " -m http.server --bind 127.0.0.1 --directory \"$MURDER_RELEASE/www\" \"$(cat backend.port)\""
                        + " >> " + run + "/$MURDER_HOST.http.log 2>&1 < /dev/null &",
                "echo $! > \"$pidfile\"", ""));
        String logLine = "echo \"$MURDER_HOOK $MURDER_HOST $MURDER_TAG prev=$MURDER_PREVIOUS_TAG\" >> " + hookLog;
        String admin = " | socat stdio UNIX-CONNECT:" + sock;
        Files.writeString(src.resolve("murder.hooks"), String.join("\n",
                "# take the host out of HAProxy, let what it serves finish",
                "pre-activate  = " + logLine + " && echo \"disable server be/$MURDER_HOST\"" + admin + " && sleep 0.3",
                "post-activate = " + logLine + " && sh bin/restart-backend",
                "# each agent's --hooks-file asks its own backend (hook by hook over this one)",
                "health        = false",
                "health.timeout = 20s",
                "post-health   = " + logLine + " && echo \"enable server be/$MURDER_HOST\"" + admin, ""));
        for (Map.Entry<String, Integer> e : backendPorts.entrySet()) {
            Path overlay = Files.createDirectories(src.resolve("overlays/" + e.getKey()));
            Files.writeString(overlay.resolve("backend.port"), e.getValue() + "\n");
        }
        return src;
    }

    private ExternalTools.Result deploy(Path src, String tag, int zkPort, Path secret, String... extra) throws Exception {
        int seederPort = freePort();
        List<String> argv = new ArrayList<>(List.of(MURDER.toString(), "deploy", src.toString(), "--tag", tag, "--hosts", "web-*",
                "--activate", "--zk", "127.0.0.1:" + zkPort, "--secret-file", secret.toString(), "--bind", "127.0.0.1", "--advertise",
                "127.0.0.1", "--tracker-port", String.valueOf(freePort()), "--seeder-ports", seederPort + "-" + seederPort,
                "--work-dir", tmp.resolve("deploy-work").toString(), "--grace", "0s", "--seed-time", "2s", "--timeout", "2m"));
        argv.addAll(List.of(extra));
        Process p = start("deploy-" + tag, argv);
        assertTrue(p.waitFor(150, TimeUnit.SECONDS), "deploy " + tag + " did not end within 150 s\n" + log("deploy-" + tag));
        return new ExternalTools.Result(p.exitValue(), log("deploy-" + tag));
    }

    @Test
    void aRolloutInWavesAndTheRollbackOfAFailedWaveBehindHaproxyLoseNoRequest() throws Exception {
        ExternalTools.require("haproxy", "haproxy");
        ExternalTools.require("socat", "socat");
        ExternalTools.require(ExternalTools.PYTHON, "python3");
        assertTrue(Files.isExecutable(MURDER), MURDER + ": build first (mvn package)");

        Path sock = tmp.resolve("haproxy.sock");
        Path hookLog = tmp.resolve("hooks.log");
        Path secret = tmp.resolve("secret");
        Files.writeString(secret, SECRET + "\n");
        java.nio.file.Files.setPosixFilePermissions(secret, // as installed: no warning
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Map<String, Integer> backendPorts = new java.util.TreeMap<>(Map.of("web-1", freePort(), "web-2", freePort()));
        int front = freePort();

        // HAProxy: no health checks, no retries, no redispatch: only the admin socket takes a server out
        Path cfg = tmp.resolve("haproxy.cfg");
        Files.writeString(cfg, String.join("\n",
                "global",
                "  stats socket " + sock + " level admin",
                "  maxconn 200",
                "defaults",
                "  mode http",
                "  retries 0",
                "  timeout connect 2s",
                "  timeout client 10s",
                "  timeout server 10s",
                "frontend fe",
                "  bind 127.0.0.1:" + front,
                "  default_backend be",
                "backend be",
                "  balance roundrobin",
                "  server web-1 127.0.0.1:" + backendPorts.get("web-1"),
                "  server web-2 127.0.0.1:" + backendPorts.get("web-2"), ""));
        Process haproxy = start("haproxy", List.of("haproxy", "-db", "-f", cfg.toString()));
        await("haproxy's admin socket", () -> sh("echo 'show info' | socat stdio UNIX-CONNECT:" + sock).output().contains("Name: HAProxy"),
                haproxy, "haproxy");

        int zkPort = freePort();
        Process zk = start("zookeeper", List.of(MURDER.toString(), "zookeeper", "--bind", "127.0.0.1", "--port", String.valueOf(zkPort),
                "--data-dir", tmp.resolve("zk").toString()));
        await("murder zookeeper", () -> uncheck(() -> log("zookeeper").contains("zookeeper listening on")), zk, "zookeeper");

        String me = System.getProperty("user.name");
        for (String h : HOSTS) {
            Path hooks = tmp.resolve(h + ".hooks");
            Files.writeString(hooks, "health = http://127.0.0.1:" + backendPorts.get(h) + "/HEALTH 200\nhealth.timeout = 6s\n");
            int peer = freePort();
            Process agent = start("agent-" + h, List.of(MURDER.toString(), "agent", "--name", h, "--roles", "web", "--zk",
                    "127.0.0.1:" + zkPort, "--secret-file", secret.toString(), "--dest-root", tmp.resolve("hosts/" + h).toString(),
                    "--bind", "127.0.0.1", "--ip", "127.0.0.1", "--port-range", peer + "-" + peer, "--metrics-port", "off",
                    "--hooks-file", hooks.toString(), "--hook-user", me));
            await("agent " + h, () -> uncheck(() -> log("agent-" + h).contains("agent " + h + " registered")), agent, "agent-" + h);
        }

        // v1 everywhere, all at once: its hooks start the backends and put them in HAProxy
        ExternalTools.Result v1 = deploy(release("v1", backendPorts, sock, hookLog, HOSTS), "v1", zkPort, secret);
        assertEquals(0, v1.exitCode(), v1.output() + "\n" + log("agent-web-1") + log("agent-web-2"));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        for (String h : HOSTS) {
            assertEquals("v1\n", get(http, backendPorts.get(h)), h + " serves v1");
        }
        Files.delete(hookLog);

        // the load: through HAProxy, one request at a time, for the whole rollout (bounded by count and time)
        AtomicInteger sent = new AtomicInteger();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        Map<String, AtomicInteger> served = new ConcurrentHashMap<>();
        List<String> lastBodies = java.util.Collections.synchronizedList(new ArrayList<>());
        long loadStarted = System.nanoTime();
        load = new Thread(() -> {
            long end = loadStarted + TimeUnit.SECONDS.toNanos(90);
            while (!loadStop.get() && sent.get() < 20_000 && System.nanoTime() < end) {
                sent.incrementAndGet();
                try {
                    String body = get(http, front);
                    served.computeIfAbsent(body.strip(), k -> new AtomicInteger()).incrementAndGet();
                    lastBodies.add(body.strip());
                    if (!body.matches("v[123]\n")) {
                        failures.add("unexpected answer: " + body);
                    }
                } catch (Exception e) {
                    failures.add(e.toString());
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "haproxy-load");
        load.start();

        ExternalTools.Result v2 = deploy(release("v2", backendPorts, sock, hookLog, HOSTS), "v2", zkPort, secret, "--waves", "1,100%");
        Thread.sleep(1000); // and a moment on v2 everywhere
        int sentDuringV2 = sent.get();
        List<String> tail;
        synchronized (lastBodies) { // the load thread still appends: a view of a synchronized list is not
            tail = List.copyOf(lastBodies.subList(Math.max(0, lastBodies.size() - 10), lastBodies.size()));
        }

        assertEquals(0, v2.exitCode(), v2.output() + "\n" + log("agent-web-1") + log("agent-web-2"));
        assertTrue(v2.output().contains("wave      1 of 2 released: 1 hosts (web-1)"), v2.output());
        assertTrue(v2.output().contains("wave      2 of 2 released: 1 hosts (web-2)"), v2.output());
        assertTrue(v2.output().contains("v2: all 2 hosts done"), v2.output());
        assertTrue(sentDuringV2 >= 50, "the load ran during the rollout: " + sentDuringV2 + " requests");
        assertTrue(served.containsKey("v1") && served.containsKey("v2"), "served " + served);
        assertEquals(List.of("v2"), tail.stream().distinct().toList(), "the last answers through haproxy are v2's");

        for (String h : HOSTS) {
            assertEquals("v2\n", get(http, backendPorts.get(h)), h + " serves v2");
            assertEquals(Path.of("releases/v2"), Files.readSymbolicLink(tmp.resolve("hosts/" + h + "/current")));
        }
        // the hooks in order: web-1's wave passed (put back in) before web-2 was taken out
        assertEquals(List.of(
                "pre-activate web-1 v2 prev=v1",
                "post-activate web-1 v2 prev=v1",
                "post-health web-1 v2 prev=v1",
                "pre-activate web-2 v2 prev=v1",
                "post-activate web-2 v2 prev=v1",
                "post-health web-2 v2 prev=v1"), Files.readAllLines(hookLog));
        // and both back in HAProxy: nothing left in maintenance
        String state = sh("echo 'show servers state be' | socat stdio UNIX-CONNECT:" + sock).output();
        for (String h : HOSTS) {
            assertTrue(state.lines().anyMatch(l -> l.contains(" " + h + " ") && l.matches(".* " + h + " 127\\.0\\.0\\.1 2 0 .*")), state);
        }
        // the agents ran the health hook from their --hooks-file (the release's own says false)
        for (String h : HOSTS) {
            assertTrue(log("agent-" + h).contains("health (agent " + tmp.resolve(h + ".hooks")), log("agent-" + h));
        }
        Files.delete(hookLog);

        // v3 is healthy on web-1 only: wave 2 fails, web-2 is drained, switched back to v2 and put back, under load all along
        ExternalTools.Result v3 = deploy(release("v3", backendPorts, sock, hookLog, List.of("web-1")), "v3", zkPort, secret,
                "--waves", "1,100%");
        Thread.sleep(1000);
        loadStop.set(true);
        load.join(10_000);
        double seconds = (System.nanoTime() - loadStarted) / 1e9;
        System.out.printf("HaproxyRolloutIT: %d requests through haproxy in %.1f s during the rollouts of v2 and v3 (its wave 2"
                + " rolled back), %d failed, served %s%n", sent.get(), seconds, failures.size(), served);
        assertEquals(0, failures.size(), "failed requests through haproxy (of " + sent.get() + "), the first: "
                + failures.subList(0, Math.min(5, failures.size())));
        assertTrue(seconds < 90, "the load ran until the end, not to its bound: " + seconds + " s");

        assertEquals(1, v3.exitCode(), v3.output());
        assertTrue(v3.output().contains("wave      2 of 2 FAILED on 1 of 1 hosts (at most 0 may fail)"), v3.output());
        assertTrue(v3.output().contains("rollback  1 hosts that switched to v3: web-2"), v3.output());
        assertTrue(java.util.regex.Pattern.compile("(?m)^web-2 +rolled-back .*health failed for 6s .*/HEALTH answered 404 \\(expected:"
                + " 200\\); current on v3 \\(was v2\\); rolled back to v2$").matcher(v3.output()).find(), v3.output());
        assertEquals("v3\n", get(http, backendPorts.get("web-1")), "web-1 passed and stays on v3");
        assertEquals("v2\n", get(http, backendPorts.get("web-2")), "web-2 serves v2 again");
        assertEquals(Path.of("releases/v3"), Files.readSymbolicLink(tmp.resolve("hosts/web-1/current")));
        assertEquals(Path.of("releases/v2"), Files.readSymbolicLink(tmp.resolve("hosts/web-2/current")));
        assertEquals(List.of(
                "pre-activate web-1 v3 prev=v2",
                "post-activate web-1 v3 prev=v2",
                "post-health web-1 v3 prev=v2",
                "pre-activate web-2 v3 prev=v2",
                "post-activate web-2 v3 prev=v2",
                // health failed: web-2 stays out of HAProxy until the rollback to v2 has passed its own health check
                "pre-activate web-2 v2 prev=v3",
                "post-activate web-2 v2 prev=v3",
                "post-health web-2 v2 prev=v3"), Files.readAllLines(hookLog));
        String after = sh("echo 'show servers state be' | socat stdio UNIX-CONNECT:" + sock).output();
        for (String h : HOSTS) {
            assertTrue(after.lines().anyMatch(l -> l.matches(".* " + h + " 127\\.0\\.0\\.1 2 0 .*")), after);
        }
    }

    private static String get(HttpClient http, int port) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/VERSION"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (r.statusCode() != 200) {
            throw new IOException("HTTP " + r.statusCode() + " from port " + port + ": " + r.body().strip());
        }
        return r.body();
    }

    private interface IoSupplier<T> {
        T get() throws IOException;
    }

    private static <T> T uncheck(IoSupplier<T> s) {
        try {
            return s.get();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
