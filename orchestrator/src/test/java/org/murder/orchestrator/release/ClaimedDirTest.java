package org.murder.orchestrator.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a killed process left in its claimed directory is removed by the next sweep; what a live
 * process (this one or another) fills is not touched, and stays locked. (A deploy's pending
 * directory here; an agent's partial unpack in {@code ReleaseManagerTest}.)
 */
class ClaimedDirTest {
    private static final Instant NOW = Instant.parse("2026-12-05T04:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    @TempDir
    Path work;

    /** A pending directory as a killed deploy leaves it: its lock file there, its lock gone with the process. */
    private Path leftByKilledDeploy(String tag) throws IOException {
        Path dir = Files.createTempDirectory(work, "." + tag + ".pending-");
        Path lock = Files.createFile(dir.resolve(ClaimedDir.LOCK_FILE));
        Files.setLastModifiedTime(lock, FileTime.from(NOW.minus(ClaimedDir.NEW_LOCK_FILE).minusSeconds(1)));
        Files.write(dir.resolve(tag + ".tar.zst"), new byte[4096]);
        return dir;
    }

    @Test
    void aDirectoryWhoseDeployWasKilledIsRemovedAndNothingElse() throws IOException {
        Path left = leftByKilledDeploy("v41");
        Path release = Files.writeString(work.resolve("v40.tar.zst"), "release");
        Path other = Files.createDirectory(work.resolve(".v40.keep"));

        assertEquals(1, sweep(work, CLOCK));

        assertFalse(Files.exists(left));
        assertTrue(Files.exists(release));
        assertTrue(Files.isDirectory(other));
    }

    @Test
    void aDirectoryThisProcessPacksIntoIsLeftAndStaysLocked() throws Exception {
        try (ClaimedDir mine = ClaimedDir.create(work, ".v42.pending-")) {
            assertEquals(0, sweep(work, CLOCK));
            assertTrue(Files.isDirectory(mine.dir()));
            // the sweep opened no channel on it, so the lock is still ours: another process cannot take it
            assertFalse(otherProcessCanLock(mine.dir().resolve(ClaimedDir.LOCK_FILE)));
        }
    }

    @Test
    void aDirectoryAnotherLiveProcessHoldsIsLeft() throws Exception {
        Path dir = leftByKilledDeploy("v43");
        Process holder = new ProcessBuilder("python3", "-c",
                "import fcntl, sys\n"
                        + "f = open(sys.argv[1], 'r+')\n"
                        + "fcntl.lockf(f, fcntl.LOCK_EX)\n"
                        + "print('locked', flush=True)\n"
                        + "sys.stdin.read()\n",
                dir.resolve(ClaimedDir.LOCK_FILE).toString()).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("locked", out.readLine());
            assertEquals(0, sweep(work, CLOCK));
            assertTrue(Files.isDirectory(dir));
        } finally {
            holder.getOutputStream().close(); // its stdin ends: it exits, and its lock goes with it
            assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
        }
        assertEquals(1, sweep(work, CLOCK));
        assertFalse(Files.exists(dir));
    }

    @Test
    void aFreeLockOnANewLockFileIsLeftItsDeployMayBeAboutToTakeIt() throws IOException {
        Path dir = leftByKilledDeploy("v46");
        Files.setLastModifiedTime(dir.resolve(ClaimedDir.LOCK_FILE), FileTime.from(NOW.minus(ClaimedDir.NEW_LOCK_FILE)));
        assertEquals(0, sweep(work, CLOCK));
        assertTrue(Files.isDirectory(dir));
        assertEquals(1, sweep(work, Clock.offset(CLOCK, Duration.ofSeconds(1))));
        assertFalse(Files.exists(dir));
    }

    @Test
    void aDirectoryWithoutALockFileIsRemovedOnlyOnceItIsOld() throws IOException {
        Path dir = Files.createTempDirectory(work, ".v44.pending-");
        Files.setLastModifiedTime(dir, FileTime.from(NOW.minus(ClaimedDir.UNLOCKED_AGE).plusSeconds(60)));
        assertEquals(0, sweep(work, CLOCK));
        assertTrue(Files.isDirectory(dir));

        Clock later = Clock.offset(CLOCK, Duration.ofMinutes(2));
        assertEquals(1, sweep(work, later));
        assertFalse(Files.exists(dir));
    }

    @Test
    void aMissingWorkDirectoryHasNothingToSweep() {
        assertEquals(0, sweep(work.resolve("absent"), CLOCK));
    }

    @Test
    void closingRemovesTheDirectoryAndLetsGoOfTheLock() throws Exception {
        ClaimedDir pending = ClaimedDir.create(work, ".v45.pending-");
        Path lock = pending.dir().resolve(ClaimedDir.LOCK_FILE);
        assertFalse(otherProcessCanLock(lock));
        pending.close();
        assertFalse(Files.exists(pending.dir()));
    }

    private static int sweep(Path parent, Clock clock) {
        return ClaimedDir.sweep(parent, ".*.pending-*", "a deploy that was stopped before it finished packing", clock);
    }

    /** Whether another process (python3's fcntl.lockf: the same POSIX record locks as Java's) can lock {@code file} now. */
    private static boolean otherProcessCanLock(Path file) throws Exception {
        Process p = new ProcessBuilder("python3", "-c",
                "import fcntl, sys\n"
                        + "f = open(sys.argv[1], 'r+')\n"
                        + "try:\n"
                        + "    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
                        + "    print('free')\n"
                        + "except OSError:\n"
                        + "    print('held')\n",
                file.toString()).redirectErrorStream(true).start();
        String answer = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertTrue(answer.equals("free") || answer.equals("held"), answer);
        return answer.equals("free");
    }
}
