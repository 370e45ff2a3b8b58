package org.murder.orchestrator.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hook turn against a real second process (python3 holding a POSIX record lock, as another JVM's FileChannel does). */
@org.junit.jupiter.api.Timeout(60)
class HookTurnTest {
    @TempDir
    Path tmp;

    /** Another process holding {@code releases}' hook turn until a line comes on its stdin. */
    private static Process holder(Path releases) throws Exception {
        Process p = new ProcessBuilder("python3", "-c", String.join("\n",
                "import fcntl, os, sys",
                "fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o644)",
                "fcntl.lockf(fd, fcntl.LOCK_EX)",
                "print('held', flush=True)",
                "sys.stdin.readline()"), releases.resolve(HookTurn.FILE).toString()).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("held", out.readLine());
        return p;
    }

    private static void letGo(Process p) throws Exception {
        try (OutputStream in = p.getOutputStream()) {
            in.write('\n');
        }
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
    }

    @Test
    void anotherProcessHoldingTheTurnKeepsOurHookWaitingUntilItLetsGo() throws Exception {
        Path releases = Files.createDirectories(tmp.resolve("app/releases"));
        Files.writeString(releases.resolve(HookLedger.FILE), "4242 1 4243 1 pre-activate\n");
        Process other = holder(releases);
        CountDownLatch waiting = new CountDownLatch(1);
        AtomicReference<String> heard = new AtomicReference<>();
        CountDownLatch ours = new CountDownLatch(1);
        CompletableFuture<Void> run = CompletableFuture.runAsync(() -> {
            try (HookTurn turn = HookTurn.take(releases, holder -> {
                heard.set(holder);
                waiting.countDown();
            })) {
                ours.countDown();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            assertTrue(waiting.await(10, TimeUnit.SECONDS), "told that it waits behind the other process");
            assertEquals("hook pre-activate (process group 4242) of process 4243", heard.get());
            assertFalse(ours.await(200, TimeUnit.MILLISECONDS), "no turn while the other process holds it");
        } finally {
            letGo(other);
        }
        assertTrue(ours.await(10, TimeUnit.SECONDS), "its turn once the other process let go");
        run.get(10, TimeUnit.SECONDS);
        letGo(holder(releases)); // and ours was given back: another process gets it at once
    }

    @Test
    void aWaitIsInterruptibleAndGivesTheTurnBack() throws Exception {
        Path releases = Files.createDirectories(tmp.resolve("app/releases"));
        Process other = holder(releases);
        CountDownLatch waiting = new CountDownLatch(1);
        CompletableFuture<Void> run = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (HookTurn turn = HookTurn.take(releases, holder -> waiting.countDown())) {
                run.complete(null);
            } catch (Throwable e) {
                run.completeExceptionally(e);
            }
        });
        t.start();
        try {
            assertTrue(waiting.await(10, TimeUnit.SECONDS));
            t.interrupt();
            ExecutionException e = assertThrows(ExecutionException.class, () -> run.get(10, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof InterruptedException, e.getCause().toString());
        } finally {
            letGo(other);
        }
        try (HookTurn again = HookTurn.take(releases, holder -> {
            throw new AssertionError("nobody holds it now, but: " + holder);
        })) {
            assertTrue(Files.isRegularFile(releases.resolve(HookTurn.FILE)));
        }
    }

    @Test
    void aLinkInPlaceOfTheLockFileIsRefusedAndNothingIsMadeWhereItPoints() throws Exception {
        Path releases = Files.createDirectories(tmp.resolve("app/releases"));
        Path elsewhere = tmp.resolve("elsewhere");
        Files.createSymbolicLink(releases.resolve(HookTurn.FILE), elsewhere);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> HookTurn.take(releases, holder -> { }));
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
        assertFalse(Files.exists(elsewhere));
        // and the in-process turn was given back
        Files.delete(releases.resolve(HookTurn.FILE));
        try (HookTurn turn = HookTurn.take(releases, holder -> { })) {
            assertTrue(Files.isRegularFile(releases.resolve(HookTurn.FILE)));
        }
    }

    @Test
    void theLockFileIsOursAloneAndOneOfAnotherUserIsRefused() throws Exception {
        Path releases = Files.createDirectories(tmp.resolve("app/releases"));
        Path file = releases.resolve(HookTurn.FILE);
        Files.writeString(file, "");
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        try (HookTurn turn = HookTurn.take(releases, holder -> { })) {
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)),
                    "anyone who can open it could hold a lock that keeps every hook waiting");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "chown needs root");
        java.nio.file.attribute.UserPrincipal nobody = file.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Files.setOwner(file, nobody);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> HookTurn.take(releases, holder -> { }));
        assertTrue(e.getMessage().endsWith(": not a regular file of root (expected: murder's hook lock, or nothing)"), e.getMessage());
    }

    @Test
    void oneThreadCannotTakeTheTurnTwice() throws Exception {
        Path releases = Files.createDirectories(tmp.resolve("app/releases"));
        Path other = Files.createSymbolicLink(tmp.resolve("other-name"), releases); // the same directory by another name
        try (HookTurn turn = HookTurn.take(releases, holder -> { })) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> HookTurn.take(other, holder -> { }));
            assertTrue(e.getMessage().contains("taken twice by one thread"), e.getMessage());
        }
        try (HookTurn again = HookTurn.take(other, holder -> {
            throw new AssertionError("our own turn was given back, nobody holds it: " + holder);
        })) {
            assertTrue(Files.isRegularFile(releases.resolve(HookTurn.FILE)));
        }
    }
}
