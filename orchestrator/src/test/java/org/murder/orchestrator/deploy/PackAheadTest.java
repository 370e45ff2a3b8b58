package org.murder.orchestrator.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.MurderException;
import org.murder.core.metainfo.MetaInfo;
import org.murder.maker.MakeTorrentResult;

/** The release a deploy packs while it connects and takes its locks: made whole, or nothing left of it. */
class PackAheadTest {
    private static final String ANNOUNCE = "http://10.0.0.1:8998/announce";

    @TempDir
    Path dir;

    private Path release(int bytes) throws IOException {
        Path src = Files.createDirectories(dir.resolve("build"));
        byte[] data = new byte[bytes];
        new Random(7).nextBytes(data);
        Files.write(src.resolve("app.bin"), data);
        Files.writeString(src.resolve("VERSION"), "42\n");
        return src;
    }

    private DeployRequest.Builder request(Path src) {
        return DeployRequest.builder().source(src).tag("v42").advertise("10.0.0.1").workDir(dir.resolve("work"));
    }

    private List<String> workFiles() throws IOException {
        Path work = dir.resolve("work");
        if (!Files.isDirectory(work)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(work)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void finishedItGivesTheArchiveItsMd5AndATorrentAnnouncingWhereTheTrackerWillBe() throws Exception {
        DeployRequest req = request(release(1 << 20)).build();
        try (PackAhead ahead = Deployer.packAhead(req, Clock.systemUTC(), false)) {
            assertEquals(ANNOUNCE, ahead.announce());
            String[] checked = new String[1];
            MakeTorrentResult made = ahead.finish((md5, size) -> checked[0] = md5);
            assertEquals(made.md5(), checked[0]);
            assertEquals(List.of("v42.md5", "v42.tar.zst", "v42.torrent"), workFiles());
            assertEquals(List.of(List.of(ANNOUNCE)), MetaInfo.read(made.torrent()).trackerTiers());
        }
        assertEquals(List.of("v42.md5", "v42.tar.zst", "v42.torrent"), workFiles()); // closing a finished one keeps it
    }

    @Test
    void whatAKilledDeployLeftIsRemovedByTheNextOne() throws Exception {
        // SIGKILL while packing: no hook ran, the directory and its (now free) lock file stay
        Path work = Files.createDirectories(dir.resolve("work"));
        Path left = Files.createTempDirectory(work, ".v41.pending-");
        Path lock = Files.createFile(left.resolve(org.murder.orchestrator.release.ClaimedDir.LOCK_FILE));
        Files.setLastModifiedTime(lock, java.nio.file.attribute.FileTime.from(
                java.time.Instant.now().minus(org.murder.orchestrator.release.ClaimedDir.NEW_LOCK_FILE).minusSeconds(5)));
        Files.write(left.resolve("v41.tar.zst"), new byte[1 << 16]);
        DeployRequest req = request(release(1 << 20)).build();
        try (PackAhead ahead = Deployer.packAhead(req, Clock.systemUTC(), false)) {
            ahead.finish((md5, size) -> { });
        }
        assertEquals(List.of("v42.md5", "v42.tar.zst", "v42.torrent"), workFiles());
    }

    @Test
    void closedBeforeItFinishedItLeavesNothingInTheWorkDirectory() throws Exception {
        // big enough that packing is still running when the deploy fails (no agent matched, its lock was taken)
        DeployRequest req = request(release(64 << 20)).build();
        PackAhead ahead = Deployer.packAhead(req, Clock.systemUTC(), false);
        ahead.close();
        assertTrue(ahead.stoppedEarly()); // stopped, not waited for (64 MiB take a good part of a second to pack)
        assertEquals(List.of(), workFiles());
    }

    @Test
    void aReleaseTheCheckRefusesIsNotMovedIntoPlace() throws Exception {
        DeployRequest req = request(release(1 << 20)).build();
        MurderException refused = MurderException.badInput("--tag v42: deployed before with other bytes");
        try (PackAhead ahead = Deployer.packAhead(req, Clock.systemUTC(), false)) {
            assertSame(refused, assertThrows(MurderException.class, () -> ahead.finish((md5, size) -> {
                throw refused;
            })));
        }
        assertEquals(List.of(), workFiles());
    }

    @Test
    void whatPackingThrowsReachesTheCallerAsIfItHadPackedItself() throws Exception {
        DeployRequest req = request(dir.resolve("no-such-build")).build();
        try (PackAhead ahead = Deployer.packAhead(req, Clock.systemUTC(), false)) {
            MurderException e = assertThrows(MurderException.class, () -> ahead.finish((md5, size) -> { }));
            assertEquals(MurderException.BAD_INPUT, e.exitCode());
            assertTrue(e.getMessage().contains("no-such-build"), e.getMessage());
        }
        assertEquals(List.of(), workFiles());
    }

    @Test
    void nothingIsPackedAheadWithoutAReleaseToPackOrATrackerPortKnownBeforehand() throws Exception {
        Path src = release(1024);
        assertNull(Deployer.packAhead(request(src).dryRun(true).build(), Clock.systemUTC(), false));
        assertNull(Deployer.packAhead(request(src).rollback(true).build(), Clock.systemUTC(), false));
        assertNull(Deployer.packAhead(request(src).trackerPort(0).build(), Clock.systemUTC(), false)); // its port: once it listens
        assertEquals(List.of(), workFiles());
        assertEquals(MurderException.BAD_INPUT, assertThrows(MurderException.class,
                () -> Deployer.packAhead(DeployRequest.builder().tag("v42").build(), Clock.systemUTC(), false)).exitCode());
    }

    @Test
    void theAnnounceIsTheOneTheOriginServicesGive() throws Exception {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = free.getLocalPort();
        }
        DeployRequest embedded = DeployRequest.builder().tag("v1").bind("127.0.0.1").advertise("127.0.0.1").trackerPort(port).build();
        DeployRequest external = embedded.toBuilder().externalTracker(Optional.of("http://tracker.example:6969/announce")).build();
        for (DeployRequest req : List.of(embedded, external)) {
            try (OriginServices origin = OriginServices.forDeploy(req, Clock.systemUTC(), DeployMetrics.unregistered())) {
                assertEquals(Optional.of(origin.announce()), OriginServices.announceFor(req));
            }
        }
        assertEquals(Optional.empty(), OriginServices.announceFor(embedded.toBuilder().trackerPort(0).build()));
    }

    /**
     * A work directory short of the room a release may take: its oldest releases go first, whatever the keep, but never
     * one whose torrent changed within the hour (another deploy may be seeding it). A full disk failed every deploy until
     * someone removed old releases by hand.
     */
    @Test
    void aWorkDirectoryShortOfRoomLosesItsOldestReleasesNotARecentOne() throws Exception {
        try (org.murder.testkit.Tmpfs fs = org.murder.testkit.Tmpfs.mount(dir.resolve("small"), "size=2m")) {
            Path work = fs.dir();
            Path src = release(600_000); // random: it packs to as many bytes
            java.time.Instant now = java.time.Instant.now();
            for (String tag : List.of("v1", "v2", "v3")) {
                try (PackAhead ahead = Deployer.packAhead(request(src).tag(tag).workDir(work).build(), Clock.systemUTC(), false)) {
                    ahead.finish((md5, size) -> { });
                }
                if (!tag.equals("v3")) { // v1 and v2 deployed hours ago (v1 first), v3 just now
                    java.time.Duration age = java.time.Duration.ofHours(tag.equals("v1") ? 3 : 2);
                    Files.setLastModifiedTime(work.resolve(tag + ".torrent"), java.nio.file.attribute.FileTime.from(now.minus(age)));
                }
            }
            assertTrue(Files.getFileStore(work).getUsableSpace() < 600_000, "the room left cannot take another release");

            try (PackAhead ahead = Deployer.packAhead(request(src).tag("v4").workDir(work).build(), Clock.systemUTC(), false)) {
                ahead.finish((md5, size) -> { });
            }

            assertTrue(Files.notExists(work.resolve("v1.tar.zst")) && Files.notExists(work.resolve("v1.torrent"))
                    && Files.notExists(work.resolve("v1.md5")), "the oldest went");
            for (String kept : List.of("v2", "v3", "v4")) {
                assertTrue(Files.exists(work.resolve(kept + ".tar.zst")), kept + ": no more went than the room needed"
                        + (kept.equals("v3") ? " (and a release of the last hour never)" : ""));
            }
        }
    }
    /**
     * A release a deploy still seeds (its waves began hours ago) is marked as in use: a deploy short of room removes an
     * older one that nothing seeds, never the seeded one, however long ago the deploy began.
     */
    @Test
    void aReleaseADeployStillSeedsIsNotRemovedForRoomHoweverOld() throws Exception {
        try (org.murder.testkit.Tmpfs fs = org.murder.testkit.Tmpfs.mount(dir.resolve("small"), "size=2m")) {
            Path work = fs.dir();
            Path src = release(600_000);
            java.time.Instant now = java.time.Instant.now();
            for (String tag : List.of("v1", "v2", "v3")) {
                try (PackAhead ahead = Deployer.packAhead(request(src).tag(tag).workDir(work).build(), Clock.systemUTC(), false)) {
                    ahead.finish((md5, size) -> { });
                }
                java.time.Duration age = java.time.Duration.ofMinutes(tag.equals("v1") ? 180 : tag.equals("v2") ? 120 : 90);
                Files.setLastModifiedTime(work.resolve(tag + ".torrent"), java.nio.file.attribute.FileTime.from(now.minus(age)));
            }
            // v1's deploy (3 h of waves) still seeds: its first mark was at its start, 3 h ago; its later ones say now
            java.util.concurrent.atomic.AtomicInteger marks = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.CountDownLatch secondWritten = new java.util.concurrent.CountDownLatch(1);
            Clock deploys = new Clock() {
                @Override
                public java.time.ZoneId getZone() {
                    return java.time.ZoneOffset.UTC;
                }

                @Override
                public Clock withZone(java.time.ZoneId zone) {
                    return this;
                }

                @Override
                public java.time.Instant instant() {
                    int n = marks.incrementAndGet();
                    if (n == 3) {
                        secondWritten.countDown(); // one timer thread: the second mark wrote before the third asks the time
                    }
                    return n == 1 ? now.minus(java.time.Duration.ofHours(3)) : now;
                }
            };
            try (SeedingMark seeding = SeedingMark.of(work.resolve("v1.torrent"), deploys, java.time.Duration.ofMillis(20))) {
                assertTrue(secondWritten.await(10, java.util.concurrent.TimeUnit.SECONDS), "marked again while it seeds");
                try (PackAhead ahead = Deployer.packAhead(request(src).tag("v4").workDir(work).build(), Clock.systemUTC(), false)) {
                    ahead.finish((md5, size) -> { });
                }
            }
            assertTrue(Files.exists(work.resolve("v1.tar.zst")), "the release a deploy seeds stays, however old its start");
            assertTrue(Files.notExists(work.resolve("v2.tar.zst")), "the oldest that nothing seeds went in its place");
        }
    }
}
