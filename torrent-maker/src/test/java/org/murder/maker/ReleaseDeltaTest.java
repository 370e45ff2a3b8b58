package org.murder.maker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.metainfo.MetaInfo;
import org.murder.core.progress.Progress;

/** A host holding release v1 builds most of v2 from it; what it copies is always right. */
class ReleaseDeltaTest {
    @TempDir
    Path tmp;

    private final TorrentMaker maker = new TorrentMaker(Clock.systemUTC(), (label, total) -> Progress.NONE);

    /** 60 files of 20-300 KB, half random (like jars), half text; fixed mtimes. */
    private Path tree(String name) throws Exception {
        Path root = Files.createDirectories(tmp.resolve(name));
        Random r = new Random(42);
        for (int i = 0; i < 60; i++) {
            byte[] data = new byte[20_000 + r.nextInt(280_000)];
            if (i % 2 == 0) {
                r.nextBytes(data);
            } else {
                for (int j = 0; j < data.length; j++) {
                    data[j] = (byte) ("release line " + (j / 40) + "\n").charAt(j % 14);
                }
            }
            Path f = root.resolve("lib/f" + i + ".bin");
            Files.createDirectories(f.getParent());
            Files.write(f, data);
            Files.setLastModifiedTime(f, FileTime.from(Instant.parse("2026-01-01T00:00:00Z")));
        }
        return root;
    }

    /** Pieces of 64 KiB: this tree is small, and a real release's frames are as many pieces of 256 KiB. */
    private MakeTorrentResult pack(Path src, String tag, Path out) throws Exception {
        return maker.make(new MakeTorrentRequest(src, List.of("http://127.0.0.1:8998/announce"), out.resolve(tag + ".torrent"),
                out.resolve(tag + ".tar.zst"), Optional.of(64L << 10), List.of(), false, true, Optional.empty(), 1, 2, Compression.ZSTD));
    }

    /** How many pieces of the archive at {@code file} match the torrent's hashes. */
    private static int goodPieces(MetaInfo meta, Path file) throws Exception {
        byte[] data = Files.readAllBytes(file);
        int good = 0;
        for (int i = 0; i < meta.pieceCount(); i++) {
            int from = (int) (i * meta.pieceLength());
            byte[] piece = Arrays.copyOfRange(data, from, (int) Math.min(data.length, from + meta.pieceLength()));
            if (Arrays.equals(MessageDigest.getInstance("SHA-1").digest(piece), meta.pieceHash(i))) {
                good++;
            }
        }
        return good;
    }

    /** v1 of a tree, on a host as an agent keeps it, and v2 (one file changed), packed beside. */
    private record TwoReleases(MakeTorrentResult v1, MakeTorrentResult v2, Path host) {
    }

    private TwoReleases v1OnAHostAndV2() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("out"));
        Path src = tree("build");
        MakeTorrentResult v1 = pack(src, "v1", out);
        Files.writeString(src.resolve("lib/f7.bin"), "changed\n");
        MakeTorrentResult v2 = pack(src, "v2", out);
        return new TwoReleases(v1, v2, hostWithV1(v1));
    }

    private Path hostWithV1(MakeTorrentResult v1) throws Exception {
        Path host = Files.createDirectories(tmp.resolve("host"));
        Files.copy(v1.archive(), host.resolve("v1.tar.zst"));
        Files.copy(v1.torrent(), ReleaseDelta.torrentBeside(host.resolve("v1.tar.zst")));
        return host;
    }

    @Test
    void aHostHoldingV1RebuildsTheFramesV2SharesWithIt() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("out"));
        Path src = tree("build");
        MakeTorrentResult v1 = pack(src, "v1", out);
        // v2: two small files edited and one file grown, the rest as it was
        Files.writeString(src.resolve("lib/f3.bin"), "changed\n", java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(src.resolve("lib/f41.bin"), "changed too\n");
        Files.write(src.resolve("lib/f20.bin"), new byte[5000], java.nio.file.StandardOpenOption.APPEND);
        MakeTorrentResult v2 = pack(src, "v2", out);
        MetaInfo meta = MetaInfo.read(v2.torrent());
        FrameIndex frames = ReleaseDelta.framesOf(meta).orElseThrow();

        Path host = hostWithV1(v1);
        List<ReleaseDelta.Source> sources = ReleaseDelta.sourcesIn(host, "v2.tar.zst");
        assertEquals(1, sources.size());
        Path work = host.resolve("v2.tar.zst.part");
        ReleaseDelta.Result r = ReleaseDelta.rebuild(frames, sources, work);

        long size = Files.size(v2.archive());
        assertTrue(r.bytesReused() > size * 6 / 10, "reused " + r.bytesReused() + " of " + size);
        int good = goodPieces(meta, work);
        assertTrue(good > meta.pieceCount() / 2, good + " of " + meta.pieceCount() + " pieces already right");
        assertTrue(good < meta.pieceCount(), "the changed frames are not there");
        // every byte copied is where v2 has it
        byte[] built = Files.readAllBytes(work);
        byte[] expected = Files.readAllBytes(v2.archive());
        long at = 0;
        long same = 0;
        for (FrameIndex.Frame f : frames.frames()) {
            byte[] b = Arrays.copyOfRange(built, (int) at, (int) (at + f.length()));
            if (FrameIndex.crc(b, 0, b.length) == f.crc()) {
                assertArrayEquals(Arrays.copyOfRange(expected, (int) at, (int) (at + f.length())), b);
                same += f.length();
            }
            at += f.length();
        }
        assertEquals(r.bytesReused(), same);
    }

    @Test
    void aCorruptV1IsReadAroundAndNothingWrongIsCopied() throws Exception {
        TwoReleases r2 = v1OnAHostAndV2();
        MakeTorrentResult v2 = r2.v2();
        Path host = r2.host();
        byte[] old = Files.readAllBytes(host.resolve("v1.tar.zst"));
        old[old.length / 2] ^= 1; // one flipped byte in the middle
        Files.write(host.resolve("v1.tar.zst"), old);

        FrameIndex frames = ReleaseDelta.framesOf(MetaInfo.read(v2.torrent())).orElseThrow();
        Path work = host.resolve("v2.tar.zst.part");
        ReleaseDelta.Result r = ReleaseDelta.rebuild(frames, ReleaseDelta.sourcesIn(host, "v2.tar.zst"), work);
        assertTrue(r.framesReused() > 0 && r.framesReused() < frames.frames().size() - 1, r.toString());
        byte[] built = Files.readAllBytes(work);
        byte[] expected = Files.readAllBytes(v2.archive());
        for (int i = 0; i < built.length; i++) {
            if (built[i] != 0 && built[i] != expected[i]) {
                throw new AssertionError("byte " + i + " copied wrong");
            }
        }
    }

    @Test
    void aPartThatIsALinkIsRefusedAndWhatItNamesIsUntouched() throws Exception {
        TwoReleases r2 = v1OnAHostAndV2();
        MakeTorrentResult v2 = r2.v2();
        Path host = r2.host();
        Path victim = Files.writeString(tmp.resolve("victim"), "keep me");
        Path work = Files.createSymbolicLink(host.resolve("v2.tar.zst.part"), victim);
        FrameIndex frames = ReleaseDelta.framesOf(MetaInfo.read(v2.torrent())).orElseThrow();
        org.murder.core.MurderException e = org.junit.jupiter.api.Assertions.assertThrows(org.murder.core.MurderException.class,
                () -> ReleaseDelta.rebuild(frames, ReleaseDelta.sourcesIn(host, "v2.tar.zst"), work));
        assertEquals(work + ": not a regular file (expected: the download's .part, or nothing)", e.getMessage());
        assertEquals("keep me", Files.readString(victim));
    }

    @Test
    void withoutAnOlderReleaseNothingIsBuilt() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("out"));
        MakeTorrentResult v1 = pack(tree("build"), "v1", out);
        Path host = Files.createDirectories(tmp.resolve("empty-host"));
        Files.copy(v1.archive(), host.resolve("other.tar.zst"), StandardCopyOption.REPLACE_EXISTING); // no torrent beside it
        assertEquals(List.of(), ReleaseDelta.sourcesIn(host, "v1.tar.zst"));
        assertEquals(ReleaseDelta.Result.NONE, ReleaseDelta.rebuild(ReleaseDelta.framesOf(MetaInfo.read(v1.torrent())).orElseThrow(),
                List.of(), host.resolve("v1.tar.zst.part")));
    }

    /** A release as an agent keeps it: the archive and its torrent beside it, last touched {@code age} before {@code now}. */
    private void agentRelease(Path dir, MakeTorrentResult r, String archiveName, Instant now, java.time.Duration age) throws Exception {
        Path archive = Files.copy(r.archive(), dir.resolve(archiveName));
        byte[] torrent = TorrentWriter.singleFile(archiveName, Files.size(archive), 65536,
                new byte[20 * (int) ((Files.size(archive) + 65535) / 65536)], List.of("http://127.0.0.1:8998/announce"), true,
                Optional.empty(), now);
        Path t = Files.write(ReleaseDelta.torrentBeside(archive), torrent);
        for (Path p : List.of(archive, t)) {
            Files.setLastModifiedTime(p, FileTime.from(now.minus(age)));
        }
    }

    /** A release of {@code bytes} random bytes as an agent keeps it, its torrent last touched {@code age} before now. */
    private static void randomRelease(Path dir, String archiveName, int bytes, java.time.Duration age) throws Exception {
        byte[] data = new byte[bytes];
        new java.util.Random(archiveName.hashCode()).nextBytes(data);
        Path archive = Files.write(dir.resolve(archiveName), data);
        Instant now = Instant.now();
        Path t = Files.write(ReleaseDelta.torrentBeside(archive), TorrentWriter.singleFile(archiveName, bytes, 65536,
                new byte[20 * ((bytes + 65535) / 65536)], List.of("http://127.0.0.1:8998/announce"), true, Optional.empty(), now));
        Files.setLastModifiedTime(t, FileTime.from(now.minus(age)));
    }

    @Test
    void lowOnSpaceTheOldestReleasesGoFirstUntilThereIsRoomWhateverTheKeepButNeverAProtectedOne() throws Exception {
        try (org.murder.testkit.Tmpfs fs = org.murder.testkit.Tmpfs.mount(tmp.resolve("small"), "size=2m")) {
            Path small = fs.dir();
            randomRelease(small, "v1.tar.zst", 400_000, java.time.Duration.ofMinutes(30)); // young: prune would keep it an hour
            randomRelease(small, "v2.tar.zst", 400_000, java.time.Duration.ofMinutes(20));
            randomRelease(small, "v3.tar.zst", 400_000, java.time.Duration.ofMinutes(10));
            randomRelease(small, "v4.tar.zst", 400_000, java.time.Duration.ofMinutes(5));
            Path other = Files.write(small.resolve("app.jar"), new byte[100_000]);
            long usable = Files.getFileStore(small).getUsableSpace();
            assertEquals(0, ReleaseDelta.pruneForSpace(small, usable, m -> false), "room enough: nothing goes");

            long freed = ReleaseDelta.pruneForSpace(small, usable + 500_000, m -> m.name().equals("v1.tar.zst"));
            assertTrue(Files.exists(small.resolve("v1.tar.zst")), "in use (a job downloads, seeds or unpacks it), oldest as it is");
            assertTrue(Files.notExists(small.resolve("v2.tar.zst")) && Files.notExists(small.resolve("v2.tar.zst.torrent")), "the oldest other");
            assertTrue(Files.notExists(small.resolve("v3.tar.zst")), "and the next, until there is room");
            assertTrue(Files.exists(small.resolve("v4.tar.zst")) && Files.exists(other), "no more than that, and never what is not ours");
            assertTrue(freed >= 800_000, "freed " + freed);
            assertTrue(Files.getFileStore(small).getUsableSpace() >= usable + 500_000);

            assertTrue(ReleaseDelta.pruneForSpace(small, Long.MAX_VALUE, m -> m.name().equals("v1.tar.zst")) > 0);
            assertTrue(Files.notExists(small.resolve("v4.tar.zst")) && Files.exists(small.resolve("v1.tar.zst")),
                    "more than can be freed: every release but the protected one, then the download's own check says how much is missing");
        }
    }

    @Test
    void lowOnSpaceThePartOfADownloadGivenUpGoesButNotOneInUseOrStillWritten() throws Exception {
        try (org.murder.testkit.Tmpfs fs = org.murder.testkit.Tmpfs.mount(tmp.resolve("small-parts"), "size=2m")) {
            Path small = fs.dir();
            Path failed = Files.write(small.resolve("v7.tar.zst.part"), new byte[600_000]); // a tag that never finished here
            Files.setLastModifiedTime(failed, FileTime.from(Instant.now().minus(java.time.Duration.ofHours(2))));
            Path resumed = Files.write(small.resolve("v8.tar.zst.part"), new byte[400_000]); // the job's own, to resume
            Files.setLastModifiedTime(resumed, FileTime.from(Instant.now().minus(java.time.Duration.ofHours(3))));
            Path writing = Files.write(small.resolve("v9.tar.gz.part"), new byte[400_000]); // written a minute ago: under way
            Files.setLastModifiedTime(writing, FileTime.from(Instant.now().minus(java.time.Duration.ofMinutes(1))));
            Path notOurs = Files.write(small.resolve("notes.part"), new byte[100_000]);
            Files.setLastModifiedTime(notOurs, FileTime.from(Instant.now().minus(java.time.Duration.ofDays(1))));
            long usable = Files.getFileStore(small).getUsableSpace();
            // more than can be freed: every .part is looked at, and only the one given up goes
            ReleaseDelta.pruneForSpace(small, Long.MAX_VALUE, m -> false, archive -> archive.equals("v8.tar.zst"));
            assertTrue(Files.notExists(failed), "the download given up");
            assertTrue(Files.exists(resumed) && Files.exists(writing) && Files.exists(notOurs), "in use, under way, not ours");
            assertTrue(Files.getFileStore(small).getUsableSpace() >= usable + 500_000);
        }
    }

    @Test
    void pruneRemovesOnlyOurOlderReleasesBeyondKeep() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("out"));
        MakeTorrentResult r = pack(tree("build"), "v1", out);
        Path dir = Files.createDirectories(tmp.resolve("dest"));
        Instant now = Instant.parse("2026-12-01T12:00:00Z");
        agentRelease(dir, r, "v1.tar.zst", now, java.time.Duration.ofHours(50));
        agentRelease(dir, r, "v2.tar.zst", now, java.time.Duration.ofHours(40));
        agentRelease(dir, r, "v3.tar.zst", now, java.time.Duration.ofHours(30));
        agentRelease(dir, r, "v4.tar.zst", now, java.time.Duration.ofMinutes(10)); // being used: too recent to judge
        Files.writeString(dir.resolve("v2.tar.zst.part"), "resume me"); // goes with its release
        Path stalePart = Files.writeString(dir.resolve("v0.tar.zst.part"), "old");
        Files.setLastModifiedTime(stalePart, FileTime.from(now.minus(java.time.Duration.ofDays(9))));
        Path freshPart = Files.writeString(dir.resolve("v9.tar.zst.part"), "a download stopped at its deadline");
        Files.setLastModifiedTime(freshPart, FileTime.from(now.minus(java.time.Duration.ofDays(2))));
        Path foreignPart = Files.writeString(dir.resolve("data.part"), "someone else's");
        Files.setLastModifiedTime(foreignPart, FileTime.from(now.minus(java.time.Duration.ofDays(30))));
        // a torrent that names some other file: not a release of ours
        Path other = Files.writeString(dir.resolve("app.jar"), "not ours");
        Files.copy(dir.resolve("v1.tar.zst.torrent"), dir.resolve("notes.torrent"));

        long freed = ReleaseDelta.prune(dir, 2, java.util.Set.of("v1.tar.zst"), Clock.fixed(now, java.time.ZoneOffset.UTC));

        assertTrue(Files.exists(dir.resolve("v1.tar.zst")), "protected (a job uses it)");
        assertTrue(Files.notExists(dir.resolve("v2.tar.zst")) && Files.notExists(dir.resolve("v2.tar.zst.torrent"))
                && Files.notExists(dir.resolve("v2.tar.zst.part")), "beyond keep: gone with its torrent and .part");
        assertTrue(Files.exists(dir.resolve("v3.tar.zst")) && Files.exists(dir.resolve("v4.tar.zst")), "the 2 newest stay");
        assertTrue(Files.notExists(stalePart), "a release .part untouched for 9 days");
        assertTrue(Files.exists(freshPart) && Files.exists(foreignPart) && Files.exists(other) && Files.exists(dir.resolve("notes.torrent")),
                "what may still resume, and what is not ours, stays");
        assertEquals(Files.size(r.archive()) + "resume me".length() + "old".length()
                + Files.size(dir.resolve("v3.tar.zst.torrent")), freed);
    }

    @Test
    void aCallerThatKnowsEveryUsePrunesBeyondKeepWhateverTheAgeButNeverAReleaseInUse() throws Exception {
        MakeTorrentResult r = pack(tree("build"), "v1", Files.createDirectories(tmp.resolve("out")));
        Path dir = Files.createDirectories(tmp.resolve("dest"));
        Instant now = Instant.parse("2026-12-01T12:00:00Z");
        for (int i = 1; i <= 6; i++) { // six deploys within the hour, v6 the newest
            agentRelease(dir, r, "v" + i + ".tar.zst", now, java.time.Duration.ofMinutes(60 - 10L * i));
        }
        Clock clock = Clock.fixed(now, java.time.ZoneOffset.UTC);
        assertEquals(0, ReleaseDelta.prune(dir, 2, java.util.Set.of(), clock), "the hour's rule: all six are too recent to judge");

        long freed = ReleaseDelta.prune(dir, 2, meta -> meta.name().equals("v2.tar.zst"), "v5.tar.zst"::equals,
                java.time.Duration.ZERO, clock);

        for (String kept : List.of("v6", "v4")) {
            assertTrue(Files.exists(dir.resolve(kept + ".tar.zst")), kept + ": one of the 2 newest not in use");
        }
        assertTrue(Files.exists(dir.resolve("v5.tar.zst")) && Files.exists(dir.resolve("v2.tar.zst")),
                "in use (unpacked by a job, seeded): kept, and not counted in the keep");
        for (String gone : List.of("v3", "v1")) {
            assertTrue(Files.notExists(dir.resolve(gone + ".tar.zst")) && Files.notExists(dir.resolve(gone + ".tar.zst.torrent")),
                    gone + ": beyond the keep, however young");
        }
        assertTrue(freed > 2 * Files.size(r.archive()), "two archives and their torrents freed: " + freed);
    }
}
