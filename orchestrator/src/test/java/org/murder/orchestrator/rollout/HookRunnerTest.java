package org.murder.orchestrator.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real processes through /bin/sh, a real HTTP server on loopback. */
class HookRunnerTest {
    @TempDir
    Path tmp;

    private final HookRunner runner = new HookRunner(Optional.empty(), Duration.ofMillis(50));

    private static HookSpec spec(Hook hook, String command, Duration timeout) {
        return new HookSpec(hook, command, Optional.empty(), 0, timeout, "test");
    }

    @Test
    void aCommandRunsInTheReleaseWithTheEnvironmentAndItsOutputIsKept() {
        HookResult r = runner.run(spec(Hook.POST_ACTIVATE, "echo \"$MURDER_TAG on $MURDER_HOST in $(pwd)\"; echo to-stderr >&2",
                Duration.ofSeconds(10)), Map.of("MURDER_TAG", "v2", "MURDER_HOST", "web-1"), tmp);
        assertTrue(r.ok(), r.toString());
        assertEquals(0, r.exitCode());
        assertEquals("v2 on web-1 in " + tmp + "\nto-stderr\n", r.output());
        assertEquals("post-activate", r.hook());
    }

    @Test
    void theJobSecretIsNotInAHooksEnvironment() {
        // an agent may hold it in MURDER_SECRET (instead of --secret-file): its hooks, run as another user, must not
        HookResult r = runner.run(spec(Hook.POST_ACTIVATE, "echo \"${MURDER_SECRET-unset} $MURDER_TAG\"", Duration.ofSeconds(10)),
                Map.of("MURDER_SECRET", "a-test-secret-of-32-characters!!", "MURDER_TAG", "v2"), tmp);
        assertEquals("unset v2\n", r.output());
    }

    @Test
    void aHookGetsTheLocaleTheLauncherChangedForTheJvm() {
        // under LANG=C bin/murder runs Java with LC_CTYPE=C.UTF-8 (file names); hooks get what was there
        Map<String, String> env = new java.util.HashMap<>(Map.of("LC_CTYPE", "C.UTF-8", "LANG", "C", HookRunner.LOCALE_WAS, "LC_CTYPE"));
        HookRunner.restoreLocale(env, "LC_CTYPE");
        assertEquals(Map.of("LANG", "C"), env, "LC_CTYPE was unset");
        env = new java.util.HashMap<>(Map.of("LC_ALL", "C.UTF-8"));
        HookRunner.restoreLocale(env, "LC_ALL=POSIX");
        assertEquals(Map.of("LC_ALL", "POSIX"), env);
        env = new java.util.HashMap<>(Map.of("LC_CTYPE", "de_DE.UTF-8"));
        HookRunner.restoreLocale(env, null);
        assertEquals(Map.of("LC_CTYPE", "de_DE.UTF-8"), env, "the launcher changed nothing");
        HookRunner.restoreLocale(env, "PATH=/tmp/evil");
        assertEquals(Map.of("LC_CTYPE", "de_DE.UTF-8"), env, "only the two names the launcher sets");
    }

    @Test
    void aFailingCommandSaysItsExitAndLastLine() {
        HookResult r = runner.run(spec(Hook.PRE_ACTIVATE, "echo draining; echo 'backend not found' ; exit 3", Duration.ofSeconds(10)),
                Map.of(), tmp);
        assertFalse(r.ok());
        assertEquals(3, r.exitCode());
        assertEquals("pre-activate failed: exit 3 (backend not found)", r.why());
    }

    @Test
    void aCommandPastItsTimeoutIsKilledWithItsChildren() throws Exception {
        Path pid = tmp.resolve("child.pid");
        long start = System.nanoTime();
        HookResult r = runner.run(spec(Hook.POST_ACTIVATE, "sleep 60 & echo $! > " + pid + "; wait", Duration.ofMillis(500)), Map.of(), tmp);
        assertFalse(r.ok());
        assertEquals("post-activate failed: timed out after 500ms (killed)", r.why());
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(20).toNanos());
        long child = Long.parseLong(Files.readString(pid).strip());
        Optional<ProcessHandle> h = ProcessHandle.of(child);
        assertTrue(h.isEmpty() || h.get().onExit().get(10, java.util.concurrent.TimeUnit.SECONDS) != null, "the sleep was killed too");
    }

    /** A ledger entry as a killed agent (a pid that runs no more) left it for {@code hook}. */
    private static String entryOfADeadAgent(ProcessHandle hook) throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        long agentStart = gone.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(1L);
        return hook.pid() + " " + hook.info().startInstant().orElseThrow().toEpochMilli() + " " + gone.pid() + " " + agentStart
                + " pre-activate\n";
    }

    private static ProcessHandle awaitPid(Path file) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!Files.exists(file) || Files.readString(file).isBlank()) { // the script writes it: no event to wait on
            assertTrue(System.nanoTime() < deadline, "no pid in " + file);
            Thread.sleep(20);
        }
        return ProcessHandle.of(Long.parseLong(Files.readString(file).strip())).orElseThrow();
    }

    @Test
    void aHookLeftRunningByAStoppedAgentIsStoppedWithItsWholeGroupBeforeTheNextHookRuns() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setsid")), "util-linux setsid");
        Path release = Files.createDirectories(tmp.resolve("app/releases/v2"));
        HookLedger ledger = HookLedger.beside(release);
        Path file = tmp.resolve("app/releases/" + HookLedger.FILE);
        // what a killed agent leaves: its hook, leader of a group of its own, with a child and an orphaned grandchild
        // (no longer its descendant: only the group reaches it), and the ledger naming it
        Path child = tmp.resolve("child.pid");
        Path orphan = tmp.resolve("orphan.pid");
        Process leftOver = new ProcessBuilder("/usr/bin/setsid", "/bin/sh", "-c",
                "(sleep 60 & echo $! > " + orphan + ") ; sleep 60 & echo $! > " + child + "; wait").start();
        ProcessHandle sleep = awaitPid(child);
        ProcessHandle orphaned = awaitPid(orphan);
        assertFalse(leftOver.descendants().anyMatch(d -> d.pid() == orphaned.pid()), "the grandchild left the tree");
        Files.writeString(file, entryOfADeadAgent(leftOver.toHandle()));

        HookResult r = runner.run(spec(Hook.PRE_ACTIVATE, "echo ran", Duration.ofSeconds(10)), Map.of(), release, ledger);
        assertTrue(r.ok(), r.toString());
        assertEquals("ran\n", r.output());
        assertTrue(leftOver.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "the left-over hook was stopped");
        assertTrue(sleep.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS) != null, "its child too");
        assertTrue(orphaned.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS) != null, "and its orphaned grandchild, by group");
        assertFalse(Files.exists(file), "the ledger is cleared once the hook is over");
    }

    @Test
    void aLedgerEntryIsObeyedOnlyWhenItIsOursItsAgentIsGoneAndItsProcessIsTheOneRecorded() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setsid")), "util-linux setsid");
        Path releases = Files.createDirectories(tmp.resolve("releases"));
        Path file = releases.resolve(HookLedger.FILE);
        HookLedger ledger = new HookLedger(file);
        Process hook = new ProcessBuilder("/usr/bin/setsid", "sleep", "60").start();
        try {
            String entry = entryOfADeadAgent(hook.toHandle());
            String[] f = entry.strip().split(" ");
            // a pid reused since: another start time
            Files.writeString(file, f[0] + " " + (Long.parseLong(f[1]) - 60_000) + " " + f[2] + " " + f[3] + " pre-activate\n");
            assertFalse(ledger.stopLeftOver());
            // the agent that recorded it still runs (here: this JVM): its hook is at work, not left over
            long me = ProcessHandle.current().pid();
            long myStart = ProcessHandle.current().info().startInstant().orElseThrow().toEpochMilli();
            Files.writeString(file, f[0] + " " + f[1] + " " + me + " " + myStart + " pre-activate\n");
            assertFalse(ledger.stopLeftOver());
            // a file others may write is not believed
            Files.writeString(file, entry);
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
            assertFalse(ledger.stopLeftOver());
            // nor a link
            Files.delete(file);
            Path elsewhere = Files.writeString(tmp.resolve("elsewhere"), entry);
            Files.createSymbolicLink(file, elsewhere);
            assertFalse(ledger.stopLeftOver());
            assertTrue(hook.isAlive(), "never stopped on an entry it cannot trust");
            Files.delete(file);
            // a process that does not lead its own group (not made by setsid) is not a hook's: left alone
            Process plain = new ProcessBuilder("sleep", "60").start();
            try {
                Files.writeString(file, entryOfADeadAgent(plain.toHandle()));
                assertFalse(ledger.stopLeftOver());
                assertTrue(plain.isAlive());
            } finally {
                plain.destroyForcibly();
            }
            // the real thing
            Files.writeString(file, entry);
            assertTrue(ledger.stopLeftOver());
            assertTrue(hook.waitFor(10, java.util.concurrent.TimeUnit.SECONDS));
        } finally {
            hook.destroyForcibly();
        }
    }

    @Test
    void healthIsRetriedUntilItPassesOrItsDeadline() {
        Path count = tmp.resolve("count");
        String thirdTimeLucky = "n=$(cat " + count + " 2>/dev/null || echo 0); n=$((n+1)); echo $n > " + count + "; test $n -ge 3";
        HookResult r = runner.run(spec(Hook.HEALTH, thirdTimeLucky, Duration.ofSeconds(20)), Map.of(), tmp);
        assertTrue(r.ok(), r.toString());
        assertEquals(3, r.attempts());

        HookResult never = runner.run(spec(Hook.HEALTH, "exit 1", Duration.ofMillis(400)), Map.of(), tmp);
        assertFalse(never.ok());
        assertTrue(never.attempts() >= 2, never.toString());
        assertTrue(never.why().startsWith("health failed for 400ms (" + never.attempts() + " attempts): exit 1"), never.why());
    }

    @Test
    void healthByUrlWantsItsStatus() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/health", ex -> {
            byte[] body = "warming up".getBytes();
            ex.sendResponseHeaders(calls.incrementAndGet() < 3 ? 503 : 200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/health";
            HookResult r = runner.run(new HookSpec(Hook.HEALTH, "", Optional.of(url), 200, Duration.ofSeconds(20), "t"), Map.of(), tmp);
            assertTrue(r.ok(), r.toString());
            assertEquals(3, r.attempts());
            HookResult wrong = runner.run(new HookSpec(Hook.HEALTH, "", Optional.of(url), 204, Duration.ofMillis(300), "t"), Map.of(), tmp);
            assertFalse(wrong.ok());
            assertTrue(wrong.why().contains(url + " answered 200 (expected: 204)"), wrong.why());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aHealthUrlThatNeverEndsItsAnswerFailsAtItsDeadline() throws Exception {
        // headers at once, then a body that trickles forever (a streaming endpoint named as health by mistake)
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "trickle");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/events", ex -> {
            ex.sendResponseHeaders(200, 0);
            try {
                while (true) {
                    ex.getResponseBody().write('.');
                    ex.getResponseBody().flush();
                    Thread.sleep(50);
                }
            } catch (InterruptedException | java.io.IOException e) {
                ex.close();
            }
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/events";
            long start = System.nanoTime();
            HookResult r = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(20),
                    () -> runner.run(new HookSpec(Hook.HEALTH, "", Optional.of(url), 204, Duration.ofSeconds(1), "t"), Map.of(), tmp));
            assertFalse(r.ok(), r.toString());
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos(), "ended at its deadline, not the server's");
            assertTrue(r.why().contains(url + " answered 200 (expected: 204)"), r.why());
            assertTrue(r.output().startsWith("..") && r.output().length() <= HookRunner.OUTPUT_KEPT, r.output());
            // the status is what counts: a body that does not end is not waited for (a second for what comes with it)
            long again = System.nanoTime();
            HookResult ok = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(20),
                    () -> runner.run(new HookSpec(Hook.HEALTH, "", Optional.of(url), 200, Duration.ofSeconds(30), "t"), Map.of(), tmp));
            assertTrue(ok.ok(), ok.toString());
            assertEquals(1, ok.attempts());
            assertTrue(System.nanoTime() - again < Duration.ofSeconds(5).toNanos(), "passed on its status");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void asAnotherUserThroughRunuser() {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to change user");
        HookResult r = new HookRunner(Optional.of("nobody"), Duration.ofMillis(50)).run(spec(Hook.POST_ACTIVATE, "id -un",
                Duration.ofSeconds(10)), Map.of(), tmp);
        assertTrue(r.ok(), r.toString());
        assertEquals("nobody\n", r.output());
    }
}
