package org.murder.orchestrator.release;

import org.murder.testkit.MutableClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.murder.orchestrator.release.TarFixture.tarFixture;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.murder.core.MurderException;
import org.murder.orchestrator.release.ReleaseManager.Release;
import org.murder.orchestrator.release.ReleaseManager.Switch;

class ReleaseManagerTest {
    static final Instant T0 = Instant.ofEpochSecond(1_700_000_000L);
    private static final int PARTS = 8;

    @TempDir
    Path tmp;

    private Path dest;
    private MutableClock clock;
    private ReleaseManager releases;

    @BeforeEach
    void setUp() {
        dest = tmp.resolve("app");
        clock = new MutableClock(T0);
        releases = new ReleaseManager(dest, new SafeExtractor(), clock);
    }

    /** A release archive: VERSION and PARTS files that all hold the tag. */
    private Path archiveFixture(String tag) {
        TarFixture t = tarFixture().file("VERSION", tag).dir("data");
        for (int i = 0; i < PARTS; i++) {
            t.file("data/part-" + i, tag);
        }
        return t.write(tmp.resolve(tag + ".tar.gz"));
    }

    private Switch activate(String tag) {
        clock.advance(Duration.ofMinutes(1));
        return releases.activate(tag, archiveFixture(tag));
    }

    private String currentLink() throws Exception {
        return Files.readSymbolicLink(dest.resolve("current")).toString();
    }

    private String history() throws Exception {
        return Files.readString(dest.resolve("releases/.history"));
    }

    private static long at(int minutes) {
        return T0.getEpochSecond() + 60L * minutes;
    }

    @Test
    void activationUnpacksAndSwitchesCurrent() throws Exception {
        assertEquals(new Switch(Optional.empty(), "v1", true), activate("v1"));
        assertEquals("releases/v1", currentLink());
        assertEquals("v1", Files.readString(dest.resolve("current/VERSION")));

        assertEquals(new Switch(Optional.of("v1"), "v2", true), activate("v2"));
        assertEquals("releases/v2", currentLink());
        assertEquals("v2", Files.readString(dest.resolve("current/data/part-3")));
        assertEquals(Optional.of("v2"), releases.current());
        assertEquals(at(1) + " v1\n" + at(2) + " v2\n", history());
        assertEquals(Set.of(".history", ".lock", ".unpacked", "v1", "v2"), SafeExtractorTest.names(dest.resolve("releases")));
        assertEquals(Set.of("current", "releases"), SafeExtractorTest.names(dest), "no temporary link left");
    }

    @Test
    void activatingTheCurrentTagAgainChangesNothing() throws Exception {
        activate("v1");
        Switch again = activate("v1");
        assertFalse(again.changed());
        assertEquals(new Switch(Optional.of("v1"), "v1", false), again);
        assertEquals(at(1) + " v1\n", history());
    }

    @Test
    void anUnpackedReleaseIsNotUnpackedAgain() throws Exception {
        activate("v1");
        activate("v2");
        Switch s = releases.activate("v1", tmp.resolve("gone.tar.gz")); // the archive is not read again
        assertEquals(new Switch(Optional.of("v2"), "v1", false), s);
        assertEquals("releases/v1", currentLink());
    }

    @Test
    void aHostileArchiveLeavesCurrentAlone() throws Exception {
        activate("v1");
        Path evil = tarFixture().file("ok", "fine").file("../evil", "x").write(tmp.resolve("v2.tar.gz"));
        MurderException e = assertThrows(MurderException.class, () -> releases.activate("v2", evil));
        assertEquals(evil + ": entry '../evil': '..' in path (expected: a relative path inside the release)", e.getMessage());
        assertEquals("releases/v1", currentLink());
        assertEquals(Set.of(".history", ".lock", ".unpacked", "v1"), SafeExtractorTest.names(dest.resolve("releases")));
        assertFalse(Files.exists(tmp.resolve("evil")));
    }

    @Test
    void aCurrentThatIsNotOurLinkIsNeverReplaced() throws Exception {
        Files.createDirectories(dest.resolve("current"));
        MurderException e = assertThrows(MurderException.class, () -> activate("v1"));
        assertEquals(dest.resolve("current") + ": not a symbolic link (expected: a link to releases/TAG made by murder;"
                + " move it away first)", e.getMessage());
        assertFalse(Files.exists(dest.resolve("releases/v1")), "refused before unpacking");
        Files.delete(dest.resolve("current"));
        Files.createSymbolicLink(dest.resolve("current"), Path.of("/etc"));
        e = assertThrows(MurderException.class, () -> releases.current());
        assertEquals(dest.resolve("current") + " -> /etc (expected: a link to releases/TAG made by murder)", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", "a/b", "../v1", ".hidden", "-rf", "v 1", "v1\n", "tag:1", "é"})
    void badTagsAreRefused(String tag) {
        MurderException e = assertThrows(MurderException.class, () -> releases.activate(tag, tmp.resolve("x.tar.gz")));
        assertEquals("tag '" + Trees.printable(tag) + "' (expected: 1 to 100 of A-Z a-z 0-9 . _ -, not starting with '.' or '-')",
                e.getMessage());
        assertEquals(MurderException.BAD_INPUT, e.exitCode());
        assertFalse(Files.exists(dest));
    }

    @Test
    void tagRules() {
        assertTrue(ReleaseManager.isValidTag("v1.2.3_rc-1"));
        assertTrue(ReleaseManager.isValidTag("a".repeat(100)));
        assertFalse(ReleaseManager.isValidTag("a".repeat(101)));
        assertFalse(ReleaseManager.isValidTag(null));
    }

    @Test
    void readersResolvingCurrentAlwaysSeeACompleteRelease() throws Exception {
        List<String> tags = List.of("v1", "v2", "v3");
        activate("v1");
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger reads = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            try {
                while (!done.get() || reads.get() < 100) {
                    Path release = dest.resolve("current").toRealPath(); // resolve once, then read all of it
                    String tag = Files.readString(release.resolve("VERSION"));
                    for (int i = 0; i < PARTS; i++) {
                        assertEquals(tag, Files.readString(release.resolve("data/part-" + i)), release.toString());
                    }
                    assertTrue(tags.contains(Files.readString(dest.resolve("current/VERSION"))));
                    reads.incrementAndGet();
                }
            } catch (NoSuchFileException e) {
                failure.set(new AssertionError("current did not resolve: " + e.getFile(), e));
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "reader");
        reader.start();
        try {
            for (int i = 1; i <= 300 && failure.get() == null; i++) { // the first round unpacks, the rest switch
                activate(tags.get(i % tags.size()));
            }
        } finally {
            done.set(true);
            reader.join(Duration.ofSeconds(30).toMillis());
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertFalse(reader.isAlive());
        assertTrue(reads.get() >= 100);
    }

    @Test
    void keepLastKeepsTheCurrentAndTheMostRecent() throws Exception {
        for (String tag : List.of("v1", "v2", "v3", "v4", "v5")) {
            activate(tag);
        }
        clock.advance(Duration.ofMinutes(1));
        releases.rollback(Optional.of("v2")); // now the most recent activation and current

        assertEquals(List.of("v1", "v3"), releases.keepLast(2), "current (v2) and the 2 activated last before it stay");

        assertEquals(Set.of(".history", ".lock", ".unpacked", "v2", "v4", "v5"), SafeExtractorTest.names(dest.resolve("releases")));
        assertEquals(at(2) + " v2\n" + at(4) + " v4\n" + at(5) + " v5\n" + at(6) + " v2 rollback\n", history());
        assertEquals(List.of(), releases.keepLast(2));
        assertEquals(List.of("v4"), releases.keepLast(1), "keep 1: the one to roll back to (v5) stays");
        assertEquals(List.of("v5"), releases.keepLast(0));
        assertEquals("releases/v2", currentLink());
        assertEquals(Set.of(".history", ".lock", ".unpacked", "v2"), SafeExtractorTest.names(dest.resolve("releases")));
        MurderException e = assertThrows(MurderException.class, () -> releases.keepLast(-1));
        assertEquals("keep: -1 (expected: 0 or more)", e.getMessage());
    }

    @Test
    void keepLastRemovesNeverActivatedReleasesFirstAndNothingMurderDidNotPutThere() throws Exception {
        activate("v1");
        activate("v2");
        releases.prepare("v3", archiveFixture("v3"), Optional.empty()); // unpacked by murder, never activated
        new SafeExtractor().extract(archiveFixture("backup"), dest.resolve("releases/backup")); // an operator's own directory
        Files.createDirectories(dest.resolve("releases/.v9.partial-123")); // an unpack in progress (new, no lock file yet)
        assertEquals(List.of("v3"), releases.keepLast(1));
        assertEquals(Set.of(".history", ".lock", ".unpacked", ".v9.partial-123", "backup", "v1", "v2"),
                SafeExtractorTest.names(dest.resolve("releases")));
        assertEquals("v1\nv2\n", Files.readString(dest.resolve("releases/.unpacked")), "a pruned tag leaves the record");
        assertEquals(List.of("v1"), releases.keepLast(0), "current (v2) stays, and so does backup");
        assertEquals(Set.of(".history", ".lock", ".unpacked", ".v9.partial-123", "backup", "v2"),
                SafeExtractorTest.names(dest.resolve("releases")));
    }

    @Test
    void keepLastRemovesTheUnpacksOfKilledAgentsAndNotOneThatIsAlive() throws Exception {
        activate("v1");
        Path dir = dest.resolve("releases");
        // as a killed agent leaves it: half a release, and the lock file whose lock went with the process
        Files.createDirectories(dir.resolve(".v2.partial-111/release/data"));
        Path lockFile = Files.createFile(dir.resolve(".v2.partial-111/" + ClaimedDir.LOCK_FILE));
        Files.setLastModifiedTime(lockFile, FileTime.from(clock.instant().minus(ClaimedDir.NEW_LOCK_FILE).minusSeconds(1)));
        // as an older murder left it (no lock file), over an hour ago
        Path older = Files.createDirectories(dir.resolve(".v3.partial-222/data")).getParent();
        Files.setLastModifiedTime(older, FileTime.from(clock.instant().minus(ClaimedDir.UNLOCKED_AGE).minusSeconds(1)));
        try (SafeExtractor.Unpacked live = new SafeExtractor().extractBeside(archiveFixture("v4"), dir.resolve("v4"))) {
            clock.advance(Duration.ofHours(2)); // it would be old enough, were its lock free
            releases.keepLast(5);
            String liveName = live.directory().getParent().getFileName().toString();
            assertTrue(liveName.startsWith(".v4.partial-"), liveName);
            assertEquals(Set.of(".history", ".lock", ".unpacked", "v1", liveName), SafeExtractorTest.names(dir));
            assertEquals(Set.of("VERSION", "data"), SafeExtractorTest.names(live.directory()));
        }
        assertEquals(Set.of(".history", ".lock", ".unpacked", "v1"), SafeExtractorTest.names(dir), "closed: nothing left");
    }

    @Test
    void aTagNotedWithoutItsReleaseIsDroppedAndADirectoryMadeLaterUnderItIsNotPruned() throws Exception {
        activate("v1");
        activate("v2");
        // an agent killed after noting v3 and before moving it into place
        Files.writeString(dest.resolve("releases/.unpacked"), "v1\nv2\nv3\n");
        releases.keepLast(5);
        assertEquals("v1\nv2\n", Files.readString(dest.resolve("releases/.unpacked")));
        Files.createDirectories(dest.resolve("releases/v3")); // an operator's, later
        assertEquals(List.of("v1"), releases.keepLast(0));
        assertEquals(Set.of(".history", ".lock", ".unpacked", "v2", "v3"), SafeExtractorTest.names(dest.resolve("releases")));
    }

    @Test
    void aReleasesDirectoryThatIsASymbolicLinkIsRefusedAndNothingIsDeletedThroughIt() throws Exception {
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.createDirectories(elsewhere.resolve("precious"));
        Files.createDirectories(dest);
        Files.createSymbolicLink(dest.resolve("releases"), elsewhere);
        String expected = dest.resolve("releases") + ": a symbolic link to " + elsewhere + " (expected: the directory murder makes"
                + " there; it never unpacks, writes or deletes releases through a link)";
        for (org.junit.jupiter.api.function.Executable call : List.<org.junit.jupiter.api.function.Executable>of(
                () -> releases.keepLast(0), () -> releases.activate("v1", archiveFixture("v1")), releases::list,
                () -> releases.prepare("v1", archiveFixture("v1"), Optional.empty()), () -> releases.rollback(Optional.empty()))) {
            MurderException e = assertThrows(MurderException.class, call);
            assertEquals(expected, e.getMessage());
            assertEquals(MurderException.BAD_INPUT, e.exitCode());
        }
        assertEquals(Set.of("precious"), SafeExtractorTest.names(elsewhere), "nothing unpacked, written or deleted there");
    }

    /** A .history that is a link is not read (its target's lines would be quoted in the warnings) nor replaced. */
    @Test
    void aHistoryThatIsASymbolicLinkIsRefusedAndLeftAlone() throws Exception {
        activate("v1");
        activate("v2");
        Path victim = Files.writeString(tmp.resolve("victim"), "root:secret-hash:1:2\n");
        Path history = dest.resolve("releases/.history");
        Files.delete(history);
        Files.createSymbolicLink(history, victim);
        MurderException e = assertThrows(MurderException.class, () -> releases.rollback(Optional.empty()));
        assertEquals(2, e.exitCode(), e.getMessage());
        assertEquals(history + ": a symbolic link (expected: murder's own activation history, a regular file, or nothing)",
                e.getMessage());
        assertTrue(Files.isSymbolicLink(history), "left as it was");
        assertEquals("root:secret-hash:1:2\n", Files.readString(victim));
        assertEquals("releases/v2", currentLink());
    }

    @Test
    void rollbackGoesBackOneActivationAtATime() throws Exception {
        activate("v1");
        activate("v2");
        activate("v3");
        clock.advance(Duration.ofMinutes(1));
        assertEquals(Optional.of("v2"), releases.rollbackTarget(), "where a rollback would go, known before it switches");
        assertEquals(new Switch(Optional.of("v3"), "v2", false), releases.rollback(Optional.empty()));
        assertEquals("releases/v2", currentLink());
        assertEquals(Optional.of("v1"), releases.rollbackTarget());
        assertEquals(new Switch(Optional.of("v2"), "v1", false), releases.rollback(Optional.empty()));
        assertEquals("releases/v1", currentLink());
        assertEquals(Optional.empty(), releases.rollbackTarget());

        MurderException e = assertThrows(MurderException.class, () -> releases.rollback(Optional.empty()));
        assertEquals(dest + ": no release was activated before v1 (expected: an earlier activation to roll back to,"
                + " or a release named with --to TAG)", e.getMessage());
        assertEquals(MurderException.FAILURE, e.exitCode());
        assertEquals("releases/v1", currentLink());
        assertEquals(at(1) + " v1\n" + at(2) + " v2\n" + at(3) + " v3\n" + at(4) + " v2 rollback\n" + at(4) + " v1 rollback\n",
                history());
    }

    @Test
    void aRollbackOnAFullDiskLeavesCurrentAndTheHistoryAsTheyWere() throws Exception {
        try (org.murder.testkit.Tmpfs small = org.murder.testkit.Tmpfs.mount(tmp.resolve("small"), "size=1m")) {
            dest = small.dir().resolve("app");
            releases = new ReleaseManager(dest, new SafeExtractor(), clock);
            activate("v1");
            activate("v2");
            String before = history();
            fill(small.dir());
            clock.advance(Duration.ofMinutes(1));
            MurderException e = assertThrows(MurderException.class, () -> releases.rollback(Optional.empty()));
            assertTrue(e.getMessage().startsWith("write " + dest.resolve("releases/.history") + ": "), e.getMessage());
            assertEquals("releases/v2", currentLink(), "current not switched without its history line");
            assertEquals(before, history());
            try (var left = Files.list(dest.resolve("releases"))) {
                assertEquals(List.of(), left.filter(f -> f.getFileName().toString().endsWith(".partial")).toList());
            }
            Files.delete(small.dir().resolve("filler"));
            assertEquals("v1", releases.rollback(Optional.empty()).to());
            assertEquals("releases/v1", currentLink());
            assertTrue(history().endsWith(" v1 rollback\n"), history());
        }
    }

    /** Writes zeros into {@code dir}/filler until the file system is full (at most 8 MiB). */
    private static void fill(Path dir) throws Exception {
        try (var out = Files.newOutputStream(dir.resolve("filler"))) {
            byte[] block = new byte[4096];
            for (int i = 0; i < 2048; i++) {
                out.write(block);
            }
        } catch (java.io.IOException full) {
            return;
        }
        throw new AssertionError("the 1 MiB tmpfs took 8 MiB");
    }

    @Test
    void rollbackToANamedTag() throws Exception {
        activate("v1");
        activate("v2");
        activate("v3");
        assertEquals(new Switch(Optional.of("v3"), "v1", false), releases.rollback(Optional.of("v1")));
        assertEquals("v1", Files.readString(dest.resolve("current/VERSION")));
        assertEquals(new Switch(Optional.of("v1"), "v3", false), releases.rollback(Optional.of("v3")));
        assertEquals(new Switch(Optional.of("v3"), "v1", false), releases.rollback(Optional.empty()));
        assertFalse(releases.rollback(Optional.of("v1")).changed());

        MurderException e = assertThrows(MurderException.class, () -> releases.rollback(Optional.of("v9")));
        assertEquals("tag: 'v9' is not a release in " + dest.resolve("releases") + " (expected: one of v1, v2, v3)", e.getMessage());
        assertEquals(MurderException.BAD_INPUT, e.exitCode());
    }

    @Test
    void rollbackNeverGoesToARemovedRelease() throws Exception {
        activate("v1");
        activate("v2");
        activate("v3");
        assertEquals(List.of("v1"), releases.keepLast(1));
        releases.rollback(Optional.empty());
        assertEquals(Optional.empty(), releases.rollbackTarget());
        MurderException e = assertThrows(MurderException.class, () -> releases.rollback(Optional.empty()));
        assertTrue(e.getMessage().contains("no release was activated before v2"), e.getMessage());
    }

    @Test
    void rollbackWithoutAnythingToRollBackTo() throws Exception {
        Files.createDirectories(dest);
        assertEquals(Optional.empty(), releases.rollbackTarget());
        MurderException none = assertThrows(MurderException.class, () -> releases.rollback(Optional.empty()));
        assertEquals(dest.resolve("releases") + ": no such directory (expected: the destination of earlier deploys)", none.getMessage());
        activate("v1");
        MurderException first = assertThrows(MurderException.class, () -> releases.rollback(Optional.empty()));
        assertEquals(dest + ": no release was activated before v1 (expected: an earlier activation to roll back to,"
                + " or a release named with --to TAG)", first.getMessage());
        Files.delete(dest.resolve("current"));
        assertEquals(Optional.empty(), releases.rollbackTarget());
        MurderException noCurrent = assertThrows(MurderException.class, () -> releases.rollback(Optional.of("v1")));
        assertEquals(dest.resolve("current") + ": no current release (expected: a release activated by murder before a rollback)",
                noCurrent.getMessage());
        MurderException noDest = assertThrows(MurderException.class,
                () -> new ReleaseManager(tmp.resolve("nowhere")).rollback(Optional.empty()));
        assertEquals("dest: " + tmp.resolve("nowhere") + " (expected: an existing directory holding releases/ and current)",
                noDest.getMessage());
        assertEquals(MurderException.BAD_INPUT, noDest.exitCode());
    }

    @Test
    void listShowsActivationTimesAndTheCurrentRelease() throws Exception {
        Files.createDirectories(dest);
        assertEquals(List.of(), releases.list());
        activate("v1");
        activate("v2");
        activate("v3");
        releases.rollback(Optional.of("v1"));
        new SafeExtractor().extract(archiveFixture("v4"), dest.resolve("releases/v4"));
        assertEquals(List.of(
                new Release("v4", Optional.empty(), false),
                new Release("v2", Optional.of(Instant.ofEpochSecond(at(2))), false),
                new Release("v3", Optional.of(Instant.ofEpochSecond(at(3))), false),
                new Release("v1", Optional.of(Instant.ofEpochSecond(at(3))), true)), releases.list());
    }

    @Test
    void unreadableHistoryLinesAreSkipped() throws Exception {
        activate("v1");
        activate("v2");
        Files.writeString(dest.resolve("releases/.history"), "garbage\n" + at(1) + " v1\n\n" + at(2) + " ../x\n" + at(2) + " v2\n");
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(ReleaseManager.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> said = new ch.qos.logback.core.read.ListAppender<>();
        said.start();
        log.addAppender(said);
        try {
            assertEquals(new Switch(Optional.of("v2"), "v1", false), releases.rollback(Optional.empty()));
        } finally {
            log.detachAppender(said);
        }
        // read to choose and again to write: each bad line told once (it was told twice)
        assertEquals(2, said.list.stream().filter(e -> e.getFormattedMessage().contains("ignored (expected: EPOCH-SECONDS")).count(),
                said.list.toString());
    }

    @Test
    void concurrentActivationsOfOneTagUnpackItOnce() throws Exception {
        Path archive = archiveFixture("v1");
        List<Thread> threads = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int i = 0; i < 4; i++) {
            Thread t = new Thread(() -> {
                try {
                    new ReleaseManager(dest).activate("v1", archive);
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertEquals("releases/v1", currentLink());
        assertEquals(Set.of(".history", ".lock", ".unpacked", "v1"), SafeExtractorTest.names(dest.resolve("releases")));
        assertEquals(1, history().lines().count());
        assertTrue(Files.isDirectory(dest.resolve("releases/v1"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aJobOlderThanTheOneThatSwitchedCurrentLastSwitchesNothing() throws Exception {
        Generation older = new Generation(100, "v1-job", "e1");
        Generation newer = new Generation(200, "v2-job", "e1");
        releases.activate("v2", archiveFixture("v2"), Optional.of(newer));
        Generation.SupersededException e = assertThrows(Generation.SupersededException.class,
                () -> releases.activate("v1", archiveFixture("v1"), Optional.of(older)));
        assertEquals("superseded: job v2-job, published after this job v1-job, switched " + dest.resolve("current")
                + " already; not switching current to v1 (that would go backwards)", e.getMessage());
        assertEquals(1, e.exitCode());
        assertEquals("releases/v2", currentLink());
        assertFalse(Files.exists(dest.resolve("releases/v1")), "refused before unpacking");
        assertEquals(Optional.of(newer), releases.generation());

        // a rollback by an older job is refused the same way; the same job again (an agent restart) is not
        releases.activate("v3", archiveFixture("v3"), Optional.of(new Generation(300, "v3-job", "e1")));
        assertThrows(Generation.SupersededException.class, () -> releases.rollback(Optional.empty(), Optional.of(newer)));
        assertEquals("releases/v3", currentLink());
        assertEquals("v3", releases.activate("v3", archiveFixture("v3"), Optional.of(new Generation(300, "v3-job", "e1"))).to());
        assertEquals("v2", releases.rollback(Optional.empty(), Optional.of(new Generation(400, "rollback-job", "e1"))).to());

        // an already current tag asked for by a newer job raises the bar all the same
        releases.activate("v2", archiveFixture("v2"), Optional.of(new Generation(500, "v2-again", "e1")));
        assertThrows(Generation.SupersededException.class,
                () -> releases.activate("v3", archiveFixture("v3"), Optional.of(new Generation(450, "v3-late", "e1"))));
        // by hand (no job) nothing is checked or recorded
        releases.rollback(Optional.of("v3"));
        assertEquals(Optional.of(new Generation(500, "v2-again", "e1")), releases.generation());
    }

    @Test
    void aJobFromARebuiltEnsembleIsNotComparedWithTheOldOnesNumbers() throws Exception {
        releases.activate("v2", archiveFixture("v2"), Optional.of(new Generation(9_000_000, "v2-job", "old-ensemble")));
        // ZooKeeper rebuilt from nothing: its czxids start low again
        assertEquals("v3", releases.activate("v3", archiveFixture("v3"), Optional.of(new Generation(12, "v3-job", "new-ensemble"))).to());
        assertEquals(Optional.of(new Generation(12, "v3-job", "new-ensemble")), releases.generation());
        assertThrows(Generation.SupersededException.class,
                () -> releases.activate("v1", archiveFixture("v1"), Optional.of(new Generation(11, "v1-job", "new-ensemble"))));
    }

    @Test
    void aGenerationFileMurderDidNotWriteIsAOneLineError() throws Exception {
        releases.activate("v1", archiveFixture("v1"), Optional.of(new Generation(1, "j")));
        Files.writeString(dest.resolve("releases/.generation"), "garbage\n");
        MurderException e = assertThrows(MurderException.class,
                () -> releases.activate("v2", archiveFixture("v2"), Optional.of(new Generation(2, "k"))));
        assertEquals(dest.resolve("releases/.generation") + ": 'garbage' (expected: CZXID JOB-ID ENSEMBLE-ID, written by the murder agent;"
                + " remove it to let any job switch current)", e.getMessage());
    }

    @Test
    void aTagDeployedAgainWithOtherBytesIsRefusedNotAnsweredWithTheOldRelease() throws Exception {
        String md5a = "0123456789abcdef0123456789abcdef";
        String md5b = "fedcba9876543210fedcba9876543210";
        Path first = tarFixture().file("VERSION", "first build").write(tmp.resolve("first-v1.tar.gz"));
        releases.activate("v1", first, Optional.of(md5a), Optional.empty());
        // the same bytes again (a retry, or the same archive deployed as a ready one, with another torrent): taken
        releases.activate("v1", first, Optional.of(md5a.toUpperCase(java.util.Locale.ROOT)), Optional.empty());
        Path second = tarFixture().file("VERSION", "second build").write(tmp.resolve("second-v1.tar.gz"));
        MurderException e = assertThrows(MurderException.class, () -> releases.activate("v1", second, Optional.of(md5b),
                Optional.empty()));
        assertEquals(dest.resolve("releases/v1") + ": holds release v1 unpacked from an archive with md5 " + md5a + ", and this job's"
                + " archive has md5 " + md5b + ": the tag was deployed here before with other bytes (expected: a new tag for new bytes,"
                + " or that directory removed first if this job's bytes are the ones wanted)", e.getMessage());
        e = assertThrows(MurderException.class, () -> releases.prepare("v1", second, Optional.of(md5b), Optional.empty()));
        assertTrue(e.getMessage().contains("the tag was deployed here before with other bytes"), e.getMessage());
        assertEquals("first build", Files.readString(dest.resolve("current/VERSION")));
        releases.activate("v2", archiveFixture("v2"));
        releases.keepLast(0); // v1 pruned, and its record with it: a new v1 is unpacked as new
        assertFalse(Files.readString(dest.resolve("releases/" + ReleaseManager.UNPACKED_FROM)).contains("v1 "));
        releases.activate("v1", second, Optional.of(md5b), Optional.empty());
        assertEquals("second build", Files.readString(dest.resolve("current/VERSION")));
    }

    /** An empty releases/TAG murder did not make (a mkdir by hand, a tool's) is not activated as the release: nothing would run. */
    @Test
    void anEmptyReleaseDirectoryMurderDidNotUnpackIsRefused() throws Exception {
        releases.activate("v1", archiveFixture("v1"));
        Files.createDirectories(dest.resolve("releases/stray"));
        for (Optional<String> md5 : List.of(Optional.of("0123456789abcdef0123456789abcdef"), Optional.<String>empty())) {
            MurderException e = assertThrows(MurderException.class, () -> releases.activate("stray", archiveFixture("stray"), md5,
                    Optional.empty()));
            assertEquals(dest.resolve("releases/stray") + ": an empty directory murder did not unpack (expected: release stray unpacked,"
                    + " or no directory there: remove it, and the job unpacks its archive into it)", e.getMessage());
        }
        assertEquals("v1", releases.current().orElseThrow(), "current stays");
        Files.delete(dest.resolve("releases/stray"));
        releases.activate("stray", archiveFixture("stray"), Optional.empty(), Optional.empty());
        assertEquals("stray", releases.current().orElseThrow());
    }

    @Test
    void aReleaseUnpackedBeforeTheRecordsGetsTheMd5OfTheArchiveBesideItAndOtherBytesAreRefused() throws Exception {
        String before = "0123456789abcdef0123456789abcdef";
        String other = "fedcba9876543210fedcba9876543210";
        FileTime anHourAgo = FileTime.from(Instant.now().minusSeconds(3600));
        Path first = tarFixture().file("VERSION", "unpacked by an older agent").write(tmp.resolve("old-v3.tar.gz"));
        for (String tag : List.of("v3", "v4", "v5")) { // no md5: as a murder before the records
            releases.activate(tag, first, Optional.empty(), Optional.empty());
        }
        Path beside = Files.copy(first, dest.resolve("v3.tar.gz"));
        Files.setLastModifiedTime(beside, anHourAgo); // written before its release: its source
        Path later = Files.copy(first, dest.resolve("v4.tar.gz"));
        Files.setLastModifiedTime(later, FileTime.from(Instant.now().plusSeconds(3600))); // a later job's download: not its source
        for (String name : List.of("v5.tar.gz", "v5.tar.zst")) { // two packed names: which one is its source?
            Files.setLastModifiedTime(Files.copy(first, dest.resolve(name)), anHourAgo);
        }
        Files.createDirectories(dest.resolve("releases/manual")); // not murder's
        Files.setLastModifiedTime(Files.copy(first, dest.resolve("manual.tar.gz")), anHourAgo);

        releases.recordIfUnknown("manual", dest.resolve("manual.tar.gz"), before);
        releases.recordIfUnknown("v4", later, before);
        releases.recordIfUnknown("v5", dest.resolve("v5.tar.gz"), before);
        releases.recordIfUnknown("v3", beside, before.toUpperCase(java.util.Locale.ROOT));
        releases.recordIfUnknown("v3", beside, other); // a record is never replaced
        assertEquals("v3 " + before + "\n", Files.readString(dest.resolve("releases/" + ReleaseManager.UNPACKED_FROM)));

        Path second = tarFixture().file("VERSION", "other bytes").write(tmp.resolve("new-v3.tar.gz"));
        MurderException e = assertThrows(MurderException.class, () -> releases.activate("v3", second, Optional.of(other),
                Optional.empty()));
        assertTrue(e.getMessage().contains("unpacked from an archive with md5 " + before), e.getMessage());
        releases.activate("v3", first, Optional.of(before), Optional.empty()); // its own bytes: taken
        assertEquals("unpacked by an older agent", Files.readString(dest.resolve("current/VERSION")));
        // no record, not current: unpacked again from the job's archive and put in its place (an older murder's v4 may hold
        // other bytes of the tag: the host reported done on them)
        releases.activate("v4", second, Optional.of(other), Optional.empty());
        assertEquals("other bytes", Files.readString(dest.resolve("current/VERSION")));
        assertFalse(Files.exists(dest.resolve("releases/.v4.unrecorded")), "the old one deleted once the new one is in place");
        assertTrue(Files.readString(dest.resolve("releases/" + ReleaseManager.UNPACKED_FROM)).contains("v4 " + other));
        assertFalse(releases.list().stream().anyMatch(r -> r.toString().contains("unrecorded")), "no release: " + releases.list());
        // no record and current: used as it is (replaced, the running application would lose its files)
        releases.activate("v5", first, Optional.empty(), Optional.empty());
        releases.activate("v5", second, Optional.of(other), Optional.empty());
        assertEquals("unpacked by an older agent", Files.readString(dest.resolve("current/VERSION")));
    }
}
