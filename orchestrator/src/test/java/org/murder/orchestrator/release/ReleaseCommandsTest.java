package org.murder.orchestrator.release;

import org.murder.testkit.MutableClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.murder.orchestrator.release.TarFixture.tarFixture;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.cli.Cli;
import picocli.CommandLine;

class ReleaseCommandsTest {
    @TempDir
    Path tmp;

    private Path dest;

    record Run(int exitCode, String out, String err) {
    }

    private static Run run(Object command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Cli.create(command);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @BeforeEach
    void threeReleases() {
        dest = tmp.resolve("app");
        MutableClock clock = new MutableClock(ReleaseManagerTest.T0);
        ReleaseManager releases = new ReleaseManager(dest, new SafeExtractor(), clock);
        for (String tag : new String[] {"v1", "v2", "v10"}) {
            clock.advance(Duration.ofHours(1));
            releases.activate(tag, tarFixture().file("VERSION", tag).write(tmp.resolve(tag + ".tar.gz")));
        }
    }

    @Test
    void releasesSaysWhenCurrentPointsAtAReleaseThatIsGone() throws Exception {
        Trees.deleteQuietly(dest.resolve("releases/v10"));
        org.junit.jupiter.api.Assertions.assertTrue(java.nio.file.Files.notExists(dest.resolve("releases/v10")));
        Run r = run(new ReleasesCommand(), "--dest", dest.toString());
        assertEquals(1, r.exitCode(), r.out());
        assertEquals("""
                  v1  2023-11-14T23:13:20Z
                  v2  2023-11-15T00:13:20Z
                """, r.out());
        assertEquals("murder: current: " + dest.resolve("current") + " -> releases/v10, which is missing (expected: a release under "
                + dest.resolve("releases") + "; `murder rollback --dest " + dest + " --to TAG` or a deploy points it at one)\n", r.err());
        Run json = run(new ReleasesCommand(), "--dest", dest.toString(), "--json");
        assertEquals(1, json.exitCode());
        org.junit.jupiter.api.Assertions.assertTrue(json.out().contains("\"current\" : \"v10\"") || json.out().contains("\"current\":\"v10\""), json.out());
        org.junit.jupiter.api.Assertions.assertTrue(json.out().replace(" ", "").contains("\"currentMissing\":true"), json.out());
        assertEquals(r.err(), json.err(), "the same line with --json");

        java.nio.file.Files.writeString(dest.resolve("releases/v10"), "not a directory");
        assertEquals(1, (r = run(new ReleasesCommand(), "--dest", dest.toString())).exitCode());
        org.junit.jupiter.api.Assertions.assertTrue(r.err().contains(" -> releases/v10, which is a file, not a release directory (expected: "),
                r.err());
        java.nio.file.Files.delete(dest.resolve("releases/v10"));
        java.nio.file.Files.createSymbolicLink(dest.resolve("releases/v10"), java.nio.file.Path.of("/etc"));
        assertEquals(1, (r = run(new ReleasesCommand(), "--dest", dest.toString())).exitCode());
        org.junit.jupiter.api.Assertions.assertTrue(r.err().contains(" -> releases/v10, which is a link to /etc, not a release murder"
                + " unpacked (expected: "), r.err());
    }

    /** A DEST with control characters or a line separator in its name: still one line, the characters as escapes. */
    @Test
    void theMissingReleaseLineEscapesWhatTheDestHolds() throws Exception {
        Path odd = java.nio.file.Files.createDirectories(tmp.resolve("odd\u0001\n\u2028dest"));
        ReleaseManager releases = new ReleaseManager(odd, new SafeExtractor(), new MutableClock(ReleaseManagerTest.T0));
        releases.activate("v1", tarFixture().file("VERSION", "v1").write(tmp.resolve("odd-v1.tar.gz")));
        Trees.deleteQuietly(odd.resolve("releases/v1"));
        Run r = run(new ReleasesCommand(), "--dest", odd.toString());
        assertEquals(1, r.exitCode());
        assertEquals(1, r.err().lines().count(), r.err());
        org.junit.jupiter.api.Assertions.assertTrue(r.err().contains("odd\\x01\\x0a\\u2028dest"), r.err());
        org.junit.jupiter.api.Assertions.assertTrue(r.out().isEmpty() || r.out().lines().count() == 1, r.out());
    }

    @Test
    void releasesListsWhatIsThere() {
        Run r = run(new ReleasesCommand(), "--dest", dest.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("""
                  v1   2023-11-14T23:13:20Z
                  v2   2023-11-15T00:13:20Z
                * v10  2023-11-15T01:13:20Z
                """, r.out());
        Path empty = tmp.resolve("empty");
        Run none = run(new ReleasesCommand(), "--dest", tmp.toString());
        assertEquals(0, none.exitCode(), none.err());
        assertEquals("no releases in " + tmp.resolve("releases") + "\n", none.out());
        Run missing = run(new ReleasesCommand(), "--dest", empty.toString());
        assertEquals(2, missing.exitCode());
        assertEquals("murder: dest: " + empty + " (expected: an existing directory holding releases/ and current)\n", missing.err());
    }

    @Test
    void rollbackSwitchesAndSaysFromWhatToWhat() throws Exception {
        Run back = run(new RollbackCommand(), "--dest", dest.toString());
        assertEquals(0, back.exitCode(), back.err());
        assertEquals("rolled back " + dest.resolve("current") + " from v10 to v2\n", back.out());
        assertEquals("v2", Files.readString(dest.resolve("current/VERSION")));

        Run to = run(new RollbackCommand(), "--dest", dest.toString(), "--to", "v1");
        assertEquals(0, to.exitCode(), to.err());
        assertEquals("rolled back " + dest.resolve("current") + " from v2 to v1\n", to.out());

        Run same = run(new RollbackCommand(), "--dest", dest.toString(), "--to", "v1");
        assertEquals(0, same.exitCode(), same.err());
        assertEquals(dest.resolve("current") + " already points at v1; nothing changed\n", same.out());

        Run nothing = run(new RollbackCommand(), "--dest", dest.toString());
        assertEquals(1, nothing.exitCode());
        assertEquals("murder: " + dest + ": no release was activated before v1 (expected: an earlier activation to roll back to,"
                + " or a release named with --to TAG)\n", nothing.err());
        assertEquals("", nothing.out());
    }

    @Test
    void rollbackBadUsageExitsTwo() {
        Run unknown = run(new RollbackCommand(), "--dest", dest.toString(), "--to", "v9");
        assertEquals(2, unknown.exitCode());
        assertEquals("murder: tag: 'v9' is not a release in " + dest.resolve("releases") + " (expected: one of v1, v10, v2)\n",
                unknown.err());
        Run badTag = run(new RollbackCommand(), "--dest", dest.toString(), "--to", "../v1");
        assertEquals(2, badTag.exitCode());
        assertEquals("murder: tag '../v1' (expected: 1 to 100 of A-Z a-z 0-9 . _ -, not starting with '.' or '-')\n", badTag.err());
        Run noDest = run(new RollbackCommand());
        assertEquals(2, noDest.exitCode());
        assertEquals("murder: Missing required option: '--dest=DIR' (see 'rollback --help')\n", noDest.err());
        Run missing = run(new RollbackCommand(), "--dest", tmp.resolve("nowhere").toString());
        assertEquals(2, missing.exitCode());
        assertEquals("murder: dest: " + tmp.resolve("nowhere") + " (expected: an existing directory holding releases/ and current)\n",
                missing.err());
    }

    @Test
    void aLockThatIsALinkOrAFifoIsRefusedAndNothingOutsideIsCreated() throws Exception {
        Path outside = tmp.resolve("outside-file");
        Path lock = dest.resolve("releases/.lock");
        Files.deleteIfExists(lock);
        Files.createSymbolicLink(lock, outside);
        Run linked = run(new RollbackCommand(), "--dest", dest.toString());
        assertEquals(2, linked.exitCode(), linked.err());
        assertEquals("murder: " + lock + ": not a regular file (expected: murder's lock file, or nothing)\n", linked.err());
        assertFalse(Files.exists(outside, java.nio.file.LinkOption.NOFOLLOW_LINKS), "no file created where the link pointed");
        Files.delete(lock);
        assertEquals(0, new ProcessBuilder("mkfifo", lock.toString()).start().waitFor());
        Run fifo = run(new RollbackCommand(), "--dest", dest.toString()); // the open used to block for a writer
        assertEquals(2, fifo.exitCode(), fifo.err());
    }
}
