package org.murder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.murder.orchestrator.release.ClaimedDir;
import org.murder.orchestrator.release.ReleaseManager;
import org.murder.orchestrator.release.SafeExtractor;

/**
 * Runs stopped part way leave nothing for good. An unpack killed outright (SIGKILL: an agent
 * restarted by its supervisor mid-deploy, the OOM killer) leaves its half release in
 * {@code releases/.TAG.partial-*}; the next keep-last of that destination removes it, since the
 * lock its process held went with the process. Stopped with SIGTERM (Ctrl-C, systemctl stop),
 * unpack and make-torrent remove their half-written output themselves. Real processes: the
 * launcher, and the system's {@code tar}.
 */
@Timeout(180)
class KilledRunsIT {
    private static final int FILES = 20_000;

    @TempDir
    Path tmp;

    /** {@link #FILES} files of 2 KiB of random bytes under {@code build/data}, and {@code v2.tar} of them. */
    private Path bigRelease() throws Exception {
        Path tree = Files.createDirectories(tmp.resolve("build/data"));
        byte[] content = new byte[2048];
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < FILES; i++) {
            random.nextBytes(content);
            Files.write(tree.resolve("f" + i), content);
        }
        Path archive = tmp.resolve("v2.tar");
        Process tar = new ProcessBuilder("tar", "-cf", archive.toString(), "-C", tmp.resolve("build").toString(), ".")
                .redirectErrorStream(true).start();
        assertTrue(tar.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, tar.exitValue(), new String(tar.getInputStream().readAllBytes()));
        return archive;
    }

    @Test
    void anUnpackStoppedWithSigtermRemovesItsHalfRelease() throws Exception {
        Path archive = bigRelease();
        Path dir = Files.createDirectories(tmp.resolve("app/releases"));
        Path log = tmp.resolve("unpack.log");
        Process unpack = MurderProcess.start(tmp, log, "unpack", archive.toString(), dir.resolve("v2").toString());
        Path partial = awaitHalfDone(() -> halfUnpacked(dir), unpack);
        assertTrue(partial != null, "the unpack was never seen half done (it ended first?): " + Files.readString(log));
        unpack.destroy(); // SIGTERM
        assertTrue(unpack.waitFor(30, TimeUnit.SECONDS));
        assertTrue(unpack.exitValue() != 0, Files.readString(log));
        assertEquals(Set.of(), names(dir), "nothing left: " + Files.readString(log));
    }

    @Test
    void aMakeTorrentStoppedWithSigtermRemovesItsHalfArchive() throws Exception {
        bigRelease();
        Path out = Files.createDirectories(tmp.resolve("out"));
        Path log = tmp.resolve("make.log");
        Process make = MurderProcess.start(tmp, log, "make-torrent", tmp.resolve("build").toString(), "--tracker",
                "http://127.0.0.1:1/announce", "--out", out.resolve("v2.torrent").toString(), "--level", "19", "--threads", "1");
        Path temp = awaitHalfDone(() -> {
            try (DirectoryStream<Path> partials = Files.newDirectoryStream(out, ".v2.tar.zst.*.partial")) {
                for (Path p : partials) {
                    if (Files.size(p) > 0) {
                        return p;
                    }
                }
            } catch (java.nio.file.NoSuchFileException raced) {
                return null;
            }
            return null;
        }, make);
        assertTrue(temp != null, "the archive was never seen half written (it ended first?): " + Files.readString(log));
        make.destroy(); // SIGTERM
        assertTrue(make.waitFor(30, TimeUnit.SECONDS));
        assertTrue(make.exitValue() != 0, Files.readString(log));
        assertEquals(Set.of(), names(out), "nothing left: " + Files.readString(log));
    }

    private interface Look {
        Path at() throws Exception;
    }

    /** What {@code look} finds while {@code process} runs, looked for every 5 ms for 60 s at most; null if it ended first. */
    private static Path awaitHalfDone(Look look, Process process) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (process.isAlive() && System.nanoTime() < deadline) {
            Path found = look.at();
            if (found != null) {
                return found;
            }
            Thread.sleep(5); // polling the file system: nothing signals an entry written by another process
        }
        return null;
    }

    @Test
    void whatAKilledUnpackLeftIsRemovedByTheNextKeepLast() throws Exception {
        Path archive = bigRelease();

        Path dest = tmp.resolve("app");
        ReleaseManager releases = new ReleaseManager(dest, new SafeExtractor(), Clock.systemUTC());
        Path v1 = Files.createDirectories(tmp.resolve("v1/data"));
        Files.writeString(v1.resolve("f0"), "v1");
        Process v1tar = new ProcessBuilder("tar", "-cf", tmp.resolve("v1.tar").toString(), "-C", tmp.resolve("v1").toString(), ".")
                .start();
        assertTrue(v1tar.waitFor(60, TimeUnit.SECONDS));
        releases.activate("v1", tmp.resolve("v1.tar"), Optional.empty());
        Path dir = dest.resolve("releases");

        Path log = tmp.resolve("unpack.log");
        Process unpack = MurderProcess.start(tmp, log, "unpack", archive.toString(), dir.resolve("v2").toString());
        Path partial = awaitHalfDone(() -> halfUnpacked(dir), unpack);
        assertTrue(partial != null, "the unpack was never seen half done (it ended first?): " + Files.readString(log));
        unpack.destroyForcibly(); // SIGKILL: no hook of its own runs
        assertTrue(unpack.waitFor(30, TimeUnit.SECONDS));
        assertTrue(Files.isDirectory(partial), "the kill left its half release");
        assertFalse(Files.exists(dir.resolve("v2")));

        // the lock file is new: a sweep now leaves it (its process may be about to lock it); one later removes it
        releases.keepLast(3);
        assertTrue(Files.isDirectory(partial));
        Clock later = Clock.offset(Clock.systemUTC(), ClaimedDir.NEW_LOCK_FILE.plus(Duration.ofSeconds(5)));
        new ReleaseManager(dest, new SafeExtractor(), later).keepLast(3);
        assertEquals(Set.of(".history", ".lock", ".unpacked", "v1"), names(dir));
    }

    /** A partial unpack in {@code dir} that holds some of its entries already, or null. */
    private static Path halfUnpacked(Path dir) throws Exception {
        try (DirectoryStream<Path> partials = Files.newDirectoryStream(dir, SafeExtractor.PARTIAL_GLOB)) {
            for (Path p : partials) {
                Path data = p.resolve("release/data");
                if (Files.isDirectory(data)) {
                    try (DirectoryStream<Path> files = Files.newDirectoryStream(data)) {
                        if (files.iterator().hasNext()) {
                            return p;
                        }
                    }
                }
            }
        } catch (java.nio.file.NoSuchFileException | java.nio.file.DirectoryIteratorException raced) {
            return null; // made or removed while we looked
        }
        return null;
    }

    private static Set<String> names(Path dir) throws Exception {
        Set<String> names = new TreeSet<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            entries.forEach(p -> names.add(p.getFileName().toString()));
        }
        return names;
    }
}
