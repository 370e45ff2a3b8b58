package org.murder.cli;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Network namespaces for tests: created here, deleted by {@link #close()} (with every process
 * started in them). Needs root and a usable {@code ip netns}; otherwise the test is skipped with the
 * reason. Missing tools fail instead on CI ({@code CI=true}).
 */
final class Netns implements AutoCloseable {
    /** The built launcher, which the tests run inside namespaces. */
    static final Path LAUNCHER = Path.of("target", "murder", "bin", "murder").toAbsolutePath();
    private static int counter;
    private final List<String> names = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    record Result(int exit, String out) {
    }

    /** Skips the test unless we are root and can create a namespace. */
    static Netns open() {
        requireTool("ip", "iproute2");
        Result id = run(List.of("id", "-u"));
        if (!id.out().strip().equals("0")) {
            Assumptions.abort("needs root to create network namespaces (running as uid " + id.out().strip() + ")");
        }
        Netns n = new Netns();
        String probe = n.nextName();
        Result r = run(List.of("ip", "netns", "add", probe));
        if (r.exit() != 0) {
            Assumptions.abort("ip netns is not usable here: " + r.out().strip());
        }
        n.names.add(probe);
        n.close();
        return new Netns();
    }

    static void requireTool(String tool, String aptPackage) {
        if (run(List.of("sh", "-c", "PATH=$PATH:/usr/sbin:/sbin command -v " + tool)).exit() != 0) {
            String reason = tool + " is not installed (apt-get install " + aptPackage + ")";
            if ("true".equals(System.getenv("CI"))) {
                fail(reason);
            }
            Assumptions.abort(reason);
        }
    }

    private synchronized String nextName() {
        return "mfw-" + ProcessHandle.current().pid() + "-" + (++counter);
    }

    /** A new namespace with loopback up. */
    String add() {
        String name = nextName();
        ok(List.of("ip", "netns", "add", name));
        names.add(name);
        ok(List.of("ip", "-n", name, "link", "set", "lo", "up"));
        return name;
    }

    /** Joins two namespaces with a veth pair, {@code addrA}/{@code addrB} in CIDR form. */
    void link(String a, String addrA, String b, String addrB) {
        ok(List.of("ip", "link", "add", "veth-a", "netns", a, "type", "veth", "peer", "name", "veth-b", "netns", b));
        ok(List.of("ip", "-n", a, "addr", "add", addrA, "dev", "veth-a"));
        ok(List.of("ip", "-n", b, "addr", "add", addrB, "dev", "veth-b"));
        ok(List.of("ip", "-n", a, "link", "set", "veth-a", "up"));
        ok(List.of("ip", "-n", b, "link", "set", "veth-b", "up"));
    }

    /** Runs a command inside {@code ns} and waits (60 s at most). */
    Result exec(String ns, List<String> command) {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        argv.addAll(command);
        return run(argv);
    }

    String execOk(String ns, List<String> command) {
        Result r = exec(ns, command);
        if (r.exit() != 0) {
            fail(command + " in " + ns + " exited " + r.exit() + ":\n" + r.out());
        }
        return r.out();
    }

    /** Starts a command inside {@code ns}, output (both streams) to {@code log}; stopped by {@link #close()}. */
    Process start(String ns, List<String> command, Path log) throws IOException {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        argv.addAll(command);
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        processes.add(p);
        return p;
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
        for (String n : names) {
            // every process inside is gone, so this also removes the veth pair
            run(List.of("ip", "netns", "del", n));
        }
        names.clear();
    }

    private static void ok(List<String> argv) {
        Result r = run(argv);
        if (r.exit() != 0) {
            fail(String.join(" ", argv) + " exited " + r.exit() + ": " + r.out());
        }
    }

    static Result run(List<String> argv) {
        try {
            ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            pb.environment().put("PATH", pb.environment().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin");
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(argv + " did not finish within 60 s");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(127, argv.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Waits until {@code log} holds {@code text} (or the process dies, or {@code seconds} pass). */
    /**
     * Starts {@code murder tracker} on {@code ip}:8998 (open) and {@code murder seed TORRENT FILE} on
     * {@code ip} and {@code portRange} inside {@code ns}, through {@link #LAUNCHER}, logs in
     * {@code logDir}; returns once both are ready. Returns the seed's process.
     */
    Process trackerAndSeed(String ns, String ip, Path torrent, Path file, String portRange, Path logDir)
            throws Exception {
        Path trackerLog = logDir.resolve("tracker.log");
        Process tracker = start(ns, List.of(LAUNCHER.toString(), "tracker", "--bind", ip, "--port", "8998", "--open", "--interval",
                "2s"), trackerLog);
        Path seedLog = logDir.resolve("seed.log");
        Process seed = start(ns, List.of(LAUNCHER.toString(), "seed", torrent.toString(), file.toString(), "--port-range", portRange,
                "--bind", ip, "--ip", ip), seedLog);
        awaitLog(tracker, trackerLog, "tracker listening on", 30);
        awaitLog(seed, seedLog, "seeding   " + file.getFileName(), 30);
        return seed;
    }

    static void awaitLog(Process p, Path log, String text, int seconds) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            String s = Files.exists(log) ? Files.readString(log) : "";
            if (s.contains(text)) {
                return;
            }
            if (!p.isAlive()) {
                fail("exited " + p.exitValue() + " before logging '" + text + "':\n" + s);
            }
            Thread.sleep(100);
        }
        fail("no '" + text + "' within " + seconds + " s:\n" + Files.readString(log));
    }
}
