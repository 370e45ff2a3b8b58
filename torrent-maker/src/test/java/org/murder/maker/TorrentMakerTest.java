package org.murder.maker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.Hex;
import org.murder.core.MurderException;
import org.murder.core.metainfo.MetaInfo;
import org.murder.core.progress.Progress;

class TorrentMakerTest {
    private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");
    private static final List<String> TRACKERS = List.of("http://127.0.0.1:8998/announce", "http://127.0.0.2:8998/announce");

    @TempDir
    Path tmp;

    private final TorrentMaker maker = new TorrentMaker(Clock.fixed(NOW, ZoneOffset.UTC), (label, total) -> Progress.NONE);

    private MakeTorrentRequest request(Path source, Optional<Long> pieceSize, List<String> excludes, boolean force) {
        Path out = tmp.resolve("out");
        return new MakeTorrentRequest(source, TRACKERS, out.resolve("v42.torrent"), out.resolve("v42.tar.gz"), pieceSize,
                excludes, force, true, Optional.of("release 42"), 6, 2);
    }

    /** A small release: nested files, an executable, a symlink, an empty dir, a .git dir, a log file. */
    private Path releaseFixture() throws Exception {
        Path src = tmp.resolve("build");
        Files.createDirectories(src.resolve("bin"));
        Files.createDirectories(src.resolve("lib/deep"));
        Files.createDirectories(src.resolve("empty"));
        Files.createDirectories(src.resolve(".git/objects"));
        Files.writeString(src.resolve(".git/HEAD"), "ref: refs/heads/main\n");
        Files.writeString(src.resolve("bin/app"), "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(src.resolve("bin/app"), PosixFilePermissions.fromString("rwxr-x---"));
        byte[] big = new byte[700_000];
        new Random(1).nextBytes(big);
        Files.write(src.resolve("lib/deep/data.bin"), big);
        Files.writeString(src.resolve("debug.log"), "noise\n");
        Files.createSymbolicLink(src.resolve("lib/current"), Path.of("deep/data.bin"));
        Files.setLastModifiedTime(src.resolve("bin/app"), FileTime.from(Instant.parse("2020-01-02T03:04:05Z")));
        return src;
    }

    @Test
    void packsADirectoryHashesItInOnePassAndWritesAllThreeOutputs() throws Exception {
        Path src = releaseFixture();
        Files.createDirectories(tmp.resolve("out"));
        MakeTorrentResult r = maker.make(request(src, Optional.of(16384L), List.of("*.log"), false));

        assertTrue(r.packed());
        byte[] archive = Files.readAllBytes(r.archive());
        assertEquals(Hex.encode(MessageDigest.getInstance("MD5").digest(archive)), r.md5());
        assertEquals(r.md5() + "  v42.tar.gz\n", Files.readString(r.md5File()));

        MetaInfo m = MetaInfo.read(r.torrent());
        assertEquals("v42.tar.gz", m.name());
        assertEquals(archive.length, m.totalLength());
        assertEquals(16384, m.pieceLength());
        assertTrue(m.isPrivate());
        assertEquals(List.of(List.of(TRACKERS.get(0)), List.of(TRACKERS.get(1))), m.trackerTiers());
        assertEquals(Optional.of(NOW), m.creationDate());
        assertEquals(Optional.of("release 42"), m.comment());
        assertEquals(r.infoHash(), m.infoHash());
        for (int i = 0; i < m.pieceCount(); i++) {
            int from = i * 16384;
            int to = (int) Math.min(archive.length, from + 16384L);
            assertArrayEquals(MessageDigest.getInstance("SHA-1").digest(java.util.Arrays.copyOfRange(archive, from, to)),
                    m.pieceHash(i), "piece " + i);
        }

        List<String> names = new ArrayList<>();
        try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(r.archive())));
                TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                names.add(e.getName());
                assertEquals(0, e.getLongUserId(), e.getName());
                assertEquals(0, e.getLongGroupId(), e.getName());
                if (e.getName().equals("bin/app")) {
                    assertEquals(0750, e.getMode() & 07777);
                    assertEquals(Instant.parse("2020-01-02T03:04:05Z"), e.getModTime().toInstant());
                    assertEquals("#!/bin/sh\necho hi\n", new String(tar.readAllBytes(), StandardCharsets.UTF_8));
                }
                if (e.getName().equals("lib/current")) {
                    assertTrue(e.isSymbolicLink());
                    assertEquals("deep/data.bin", e.getLinkName());
                }
            }
        }
        assertEquals(List.of("bin/", "bin/app", "empty/", "lib/", "lib/current", "lib/deep/", "lib/deep/data.bin"), names,
                "sorted, relative, .git and *.log left out");
        try (var files = Files.list(tmp.resolve("out"))) {
            assertEquals(3, files.count(), "no temporary files left");
        }
    }

    private static String run(Path dir, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + output);
        return output;
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"ZSTD, v42.tar.zst, --zstd", "GZIP, v42.tar.gz, -z", "NONE, v42.tar, --no-auto-compress"})
    void standardToolsReadEveryForm(Compression codec, String name, String tarFlag) throws Exception {
        Path src = releaseFixture();
        Path out = Files.createDirectories(tmp.resolve("out"));
        MakeTorrentResult r = maker.make(new MakeTorrentRequest(src, TRACKERS, out.resolve("v42.torrent"), out.resolve(name),
                Optional.empty(), List.of("*.log"), false, true, Optional.empty(), codec.defaultLevel(), 2, codec));
        if (codec == Compression.ZSTD) {
            run(out, "zstd", "-q", "-t", name);
        } else if (codec == Compression.GZIP) {
            run(out, "gzip", "-t", name);
        }
        run(out, "md5sum", "-c", "v42.md5");
        Path x = Files.createDirectories(tmp.resolve("x"));
        run(x, "tar", tarFlag, "-xf", r.archive().toString());
        assertArrayEquals(Files.readAllBytes(src.resolve("lib/deep/data.bin")), Files.readAllBytes(x.resolve("lib/deep/data.bin")));
        assertEquals("deep/data.bin", Files.readSymbolicLink(x.resolve("lib/current")).toString());
        MetaInfo m = MetaInfo.read(r.torrent());
        assertEquals(name, m.name());
        byte[] head = Arrays.copyOf(Files.readAllBytes(r.archive()), 512);
        assertEquals(Optional.of(codec), Compression.detect(head, head.length));
    }

    @Test
    void packingIsReproducible() throws Exception {
        Path src = releaseFixture();
        Files.createDirectories(tmp.resolve("out"));
        MakeTorrentResult first = maker.make(request(src, Optional.empty(), List.of(), false));
        MakeTorrentResult second = maker.make(request(src, Optional.empty(), List.of(), true));
        assertEquals(first.md5(), second.md5());
        assertEquals(first.infoHash(), second.infoHash());
    }

    @Test
    void aFileIsUsedAsItIs() throws Exception {
        Path file = tmp.resolve("app-v42.tar.gz");
        byte[] data = new byte[300_001];
        new Random(3).nextBytes(data);
        Files.write(file, data);
        Files.createDirectories(tmp.resolve("out"));
        MakeTorrentResult r = maker.make(request(file, Optional.empty(), List.of(), false));
        assertFalse(r.packed());
        assertEquals(file.toRealPath(), r.archive());
        assertEquals(Hex.encode(MessageDigest.getInstance("MD5").digest(data)), r.md5());
        assertEquals(r.md5() + "  " + file.toRealPath() + "\n", Files.readString(r.md5File()), "absolute when not beside");
        MetaInfo m = MetaInfo.read(r.torrent());
        assertEquals("app-v42.tar.gz", m.name());
        assertEquals(32768, m.pieceLength(), "automatic piece size never below 32 KiB");
        assertEquals(10, m.pieceCount());
    }

    @Test
    void refusesExistingOutputsAndLeavesThemUntouched() throws Exception {
        Path src = releaseFixture();
        Path out = Files.createDirectories(tmp.resolve("out"));
        Files.writeString(out.resolve("v42.torrent"), "precious");
        MurderException e = assertThrows(MurderException.class,
                () -> maker.make(request(src, Optional.empty(), List.of(), false)));
        assertEquals(out.resolve("v42.torrent") + ": already exists (expected: a new path, or --force to replace it)",
                e.getMessage());
        assertEquals(2, e.exitCode());
        assertEquals("precious", Files.readString(out.resolve("v42.torrent")));
        try (var files = Files.list(out)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void anOutputDirectoryNobodyCanWriteInIsBadInputBeforeAnythingIsPacked() throws Exception {
        Path src = releaseFixture();
        Path out = Path.of("/proc/murder-test.torrent"); // no file can be made there, not even by root
        MakeTorrentRequest r = new MakeTorrentRequest(src, TRACKERS, out, tmp.resolve("v42.tar.gz"), Optional.empty(), List.of(), false,
                true, Optional.empty(), 6, 2);
        MurderException e = assertThrows(MurderException.class, () -> maker.make(r));
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().startsWith("/proc/murder-test.torrent: cannot write in /proc: "), e.getMessage());
        assertTrue(e.getMessage().endsWith(" (expected: a directory this user can write)"), e.getMessage());
        try (var files = Files.list(tmp)) {
            assertEquals(List.of(src), files.toList(), "nothing packed");
        }
    }

    /** A single file cut short while it is hashed: one line, nothing written; it used to be a SIGBUS in the native MD5 (mapped file). */
    @Test
    void aSingleFileThatShrinksWhileItIsHashedIsRefusedNotACrash() throws Exception {
        Path file = Files.write(tmp.resolve("big.bin"), new byte[4 << 20]);
        TorrentMaker cutting = new TorrentMaker(Clock.fixed(NOW, ZoneOffset.UTC), (label, total) -> new Progress() {
            private boolean cut;

            @Override
            public void advance(long bytes) {
                if (!cut) {
                    cut = true;
                    try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
                        ch.truncate(1 << 20);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            }

            @Override
            public void close() {
            }
        });
        Path out = Files.createDirectories(tmp.resolve("out"));
        MurderException e = assertThrows(MurderException.class, () -> cutting.make(new MakeTorrentRequest(file, TRACKERS,
                out.resolve("big.torrent"), file, Optional.of(16384L), List.of(), false, true, Optional.empty(), 6, 2)));
        assertTrue(e.getMessage().startsWith(file + ": changed while it was hashed (4194304 bytes, then "), e.getMessage());
        assertEquals(1, e.exitCode());
        try (var left = Files.list(out)) {
            assertEquals(List.of(), left.toList(), "nothing written");
        }
    }

    @Test
    void badSourcesAreBadInput() throws Exception {
        Files.createDirectories(tmp.resolve("out"));
        Path missing = tmp.resolve("nope");
        assertEquals(missing + ": no such file or directory (expected: a release directory or file)", assertThrows(MurderException.class,
                () -> maker.make(request(missing, Optional.empty(), List.of(), false))).getMessage());

        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Files.createDirectories(empty.resolve("sub"));
        assertEquals(empty.toRealPath() + ": no files to pack (expected: a directory with at least one file)",
                assertThrows(MurderException.class, () -> maker.make(request(empty, Optional.empty(), List.of(), false)))
                        .getMessage());

        Path loop = tmp.resolve("loop");
        Files.createSymbolicLink(loop, loop);
        MurderException e = assertThrows(MurderException.class,
                () -> maker.make(request(loop, Optional.empty(), List.of(), false)));
        assertEquals(loop + ": symbolic link to nothing or a loop (expected: a release directory or file)", e.getMessage());
        assertEquals(2, e.exitCode());
        try (var files = Files.list(tmp.resolve("out"))) {
            assertEquals(0, files.count(), "nothing written");
        }
    }

    @Test
    void archiveInsideTheSourceIsRefused() throws Exception {
        Path src = releaseFixture();
        MakeTorrentRequest r = new MakeTorrentRequest(src, TRACKERS, tmp.resolve("v.torrent"), src.resolve("v.tar.gz"),
                Optional.empty(), List.of(), false, true, Optional.empty(), 6, 2);
        MurderException e = assertThrows(MurderException.class, () -> maker.make(r));
        assertTrue(e.getMessage().contains("inside the source"), e.getMessage());
    }

    /**
     * Through a link to SRC too, and for every output: --force replaced a file of the release with the
     * archive, and a torrent or md5 written into SRC shipped in the next pack. Nothing is written.
     */
    @Test
    void outputsInsideTheSourceThroughALinkAreRefusedAndTheSourceIsUntouched() throws Exception {
        Path src = releaseFixture();
        Path link = Files.createSymbolicLink(tmp.resolve("link-to-build"), src);
        byte[] app = Files.readAllBytes(src.resolve("bin/app"));
        MakeTorrentRequest overApp = new MakeTorrentRequest(src, TRACKERS, tmp.resolve("v.torrent"), link.resolve("bin/app"),
                Optional.empty(), List.of(), true, true, Optional.empty(), 6, 2);
        MurderException e = assertThrows(MurderException.class, () -> maker.make(overApp));
        assertEquals("the archive " + link.resolve("bin/app") + ": inside the source " + src.toRealPath() + " (through a symbolic link)"
                + " (expected: a path outside what is packed: see --out and --archive)", e.getMessage());
        assertEquals(2, e.exitCode());
        assertArrayEquals(app, Files.readAllBytes(src.resolve("bin/app")), "the release's file is untouched");

        MakeTorrentRequest torrentInside = new MakeTorrentRequest(src, TRACKERS, link.resolve("v.torrent"), tmp.resolve("v.tar.gz"),
                Optional.empty(), List.of(), false, true, Optional.empty(), 6, 2);
        e = assertThrows(MurderException.class, () -> maker.make(torrentInside));
        assertTrue(e.getMessage().startsWith("--out " + link.resolve("v.torrent") + ": inside the source"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("v.tar.gz")), "nothing packed");
        assertFalse(Files.exists(src.resolve("v.torrent")));
    }

    @Test
    void pieceSizeIsChosenFromTheSizeAndValidatedWhenGiven() {
        assertEquals(32L << 10, PieceSizes.choose(1));
        assertEquals(32L << 10, PieceSizes.choose(16L << 20));
        assertEquals(64L << 10, PieceSizes.choose(64L << 20));
        assertEquals(256L << 10, PieceSizes.choose(256L << 20));
        assertEquals(1L << 20, PieceSizes.choose(1L << 30));
        assertEquals(16L << 20, PieceSizes.choose(100L << 30));
        // releases: as small up to a frame's size (128 KiB), then at most 12,000 pieces of content
        assertEquals(32L << 10, PieceSizes.chooseForRelease(16L << 20));
        assertEquals(64L << 10, PieceSizes.chooseForRelease(64L << 20));
        assertEquals(128L << 10, PieceSizes.chooseForRelease(1L << 30));
        assertEquals(128L << 10, PieceSizes.chooseForRelease(12_000L << 17));
        assertEquals(256L << 10, PieceSizes.chooseForRelease((12_000L << 17) + 1));
        assertEquals("--piece-size: 2.9 KiB (3000 bytes) (expected: a power of two between 16 KiB and 16 MiB)",
                assertThrows(MurderException.class, () -> PieceSizes.validate(org.murder.core.ByteSize.ofBytes(3000)))
                        .getMessage());
        assertEquals("--piece-size: 32 MiB (33554432 bytes) (expected: a power of two between 16 KiB and 16 MiB)",
                assertThrows(MurderException.class, () -> PieceSizes.validate(org.murder.core.ByteSize.ofMiB(32)))
                        .getMessage());
        assertEquals("--piece-size: 1.5 MiB (1572864 bytes) (expected: a power of two between 16 KiB and 16 MiB)", // as given, not 1572864 alone
                assertThrows(MurderException.class, () -> PieceSizes.validate(org.murder.core.ByteSize.parse("1.5MiB"))).getMessage());
    }

    @Test
    void trackerUrlsMustBeHttp() {
        assertEquals("--tracker 'udp://t:6969' (expected: an http:// or https:// URL with a host, like http://deploy-1:8998/announce)",
                assertThrows(MurderException.class, () -> TorrentWriter.validateTracker("udp://t:6969")).getMessage());
        assertEquals("https://t/announce", TorrentWriter.validateTracker("https://t/announce"));
        assertEquals("--tracker 'http://127.0.0.1:99999/announce': port 99999 (expected: 1 to 65535)",
                assertThrows(MurderException.class, () -> TorrentWriter.validateTracker("http://127.0.0.1:99999/announce")).getMessage());
        assertEquals("--tracker 'http://t:0/announce': port 0 (expected: 1 to 65535)",
                assertThrows(MurderException.class, () -> TorrentWriter.validateTracker("http://t:0/announce")).getMessage());
        assertEquals("http://t:65535/announce", TorrentWriter.validateTracker("http://t:65535/announce"));
    }
}
