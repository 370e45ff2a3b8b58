package org.murder.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.PortRange;
import org.murder.core.metainfo.MetaInfo;
import org.murder.peer.engine.Engine;
import org.murder.peer.engine.EngineConfig;
import org.murder.peer.engine.SessionListener;
import org.murder.peer.engine.SessionOptions;
import org.murder.peer.storage.Storage;

/** {@code murder peer} as an operator runs it: exit codes, the md5 beside the torrent, the JSON status file. */
@Timeout(120)
class PeerCommandTest {
    @TempDir
    Path tmp;

    /** A release file TAG.tar.gz of {@code size} random bytes (from {@code seed}) in src/, and its torrent TAG.torrent (and TAG.md5). */
    private record Release(Path file, byte[] data, Path torrent, MetaInfo meta) {
    }

    private Release release(String tag, int size, long seed) throws Exception {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        Path file = Files.createDirectories(tmp.resolve("src")).resolve(tag + ".tar.gz");
        Files.write(file, data);
        Path torrent = tmp.resolve(tag + ".torrent");
        assertEquals(0, CliRun.of("make-torrent", file.toString(), "--tracker", "http://127.0.0.1:1/announce", "--out",
                torrent.toString()).exitCode());
        return new Release(file, data, torrent, MetaInfo.read(torrent));
    }

    /** An engine on 127.0.0.1 (ports 47000-47999) that seeds {@code file}, checked. */
    private static Engine seeding(MetaInfo meta, Path file) throws Exception {
        Engine seed = Engine.start(EngineConfig.builder().portRange(new PortRange(47000, 47999))
                .bindAddress(InetAddress.getLoopbackAddress()).build(), Clock.systemUTC());
        try {
            seed.add(meta, Storage.forSeeding(meta, file), SessionOptions.seedForever(), SessionListener.NONE).completed()
                    .get(30, TimeUnit.SECONDS);
            return seed;
        } catch (Exception | Error e) {
            seed.close();
            throw e;
        }
    }

    /** An earlier file of the same name and size: checked, never written into; the command says so and exits 2. */
    @Test
    void aFileOfTheSameSizeButOtherBytesAtDestIsLeftAndExitsTwo() throws Exception {
        Release v = release("v9", 1_000_000, 8);
        try (Engine seed = seeding(v.meta(), v.file())) {
            Path dest = Files.createDirectories(tmp.resolve("dest9"));
            byte[] old = new byte[1_000_000];
            Path there = Files.write(dest.resolve("v9.tar.gz"), old);
            CliRun r = CliRun.of("peer", v.torrent().toString(), dest.toString(), "--port-range", "47000-47999", "--bind", "127.0.0.1",
                    "--peer", "127.0.0.1:" + seed.port(), "--seed-time", "0s");
            assertEquals(2, r.exitCode(), r.err());
            assertTrue(r.err().contains(there + ": exists with the right size, but "), r.err());
            assertArrayEquals(old, Files.readAllBytes(there));
        }
    }

    @Test
    void downloadsVerifiesWritesStatusAndExitsZero() throws Exception {
        Release v = release("v7", 3_000_000, 5);
        try (Engine seed = seeding(v.meta(), v.file())) {
            Path dest = Files.createDirectories(tmp.resolve("dest"));
            Path status = tmp.resolve("status.json");
            CliRun r = CliRun.of("peer", v.torrent().toString(), dest.toString(), "--port-range", "47000-47999", "--bind",
                    "127.0.0.1", "--peer", "127.0.0.1:" + seed.port(), "--seed-time", "0s", "--json-status", status.toString());
            assertEquals(0, r.exitCode(), r.err());
            assertArrayEquals(v.data(), Files.readAllBytes(dest.resolve("v7.tar.gz")));
            assertTrue(r.out().contains("md5 " + Files.readString(tmp.resolve("v7.md5")).split(" ")[0] + " ok"), r.out());
            String json = Files.readString(status);
            assertTrue(json.contains("\"bytes\":3000000,\"total\":3000000,\"percent\":100"), json);
        }
    }

    @Test
    void aMultiFileDownloadIsNamedByItsDirectory() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("src/site"));
        Files.write(Files.createDirectories(dir.resolve("a")).resolve("x.bin"), new byte[300_000]);
        Files.write(dir.resolve("y.txt"), "y\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Path torrent = tmp.resolve("site.torrent"); // make-torrent packs a directory into one archive: mktorrent makes a multi-file one
        Process mk = new ProcessBuilder("mktorrent", "-a", "http://127.0.0.1:1/announce", "-l", "15", "-o", torrent.toString(),
                dir.toString()).redirectErrorStream(true).start();
        String said = new String(mk.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, mk.waitFor(), said);
        MetaInfo meta = MetaInfo.read(torrent);
        try (Engine seed = seeding(meta, dir.getParent())) {
            Path dest = Files.createDirectories(tmp.resolve("dest-site"));
            CliRun r = CliRun.of("peer", torrent.toString(), dest.toString(), "--port-range", "47000-47999", "--bind",
                    "127.0.0.1", "--peer", "127.0.0.1:" + seed.port(), "--seed-time", "0s");
            assertEquals(0, r.exitCode(), r.err());
            assertTrue(r.out().contains("done      " + dest.resolve("site") + " (2 files)\n"), r.out());
            assertEquals("y\n", Files.readString(dest.resolve("site/y.txt")));
        }
    }

    @Test
    void aPeerThatWarmsUpFirstSaysSoStillDownloadsAndLeavesNoScratchDirectory() throws Exception {
        Release v = release("v8", 1_000_000, 6);
        Path scratchParent = Files.createDirectories(tmp.resolve("scratch"));
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                org.murder.peer.cli.PeerCommand.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> said = new ch.qos.logback.core.read.ListAppender<>();
        said.start();
        log.addAppender(said);
        ch.qos.logback.classic.Level level = log.getLevel();
        log.setLevel(ch.qos.logback.classic.Level.INFO);
        String tmpdir = System.getProperty("java.io.tmpdir");
        System.setProperty("java.io.tmpdir", scratchParent.toString());
        try (Engine seed = seeding(v.meta(), v.file())) {
            Path dest = Files.createDirectories(tmp.resolve("dest"));
            CliRun r = CliRun.of("peer", v.torrent().toString(), dest.toString(), "--warm-up", "--port-range", "47000-47999", "--bind",
                    "127.0.0.1", "--peer", "127.0.0.1:" + seed.port(), "--seed-time", "0s");
            assertEquals(0, r.exitCode(), r.err());
            assertArrayEquals(v.data(), Files.readAllBytes(dest.resolve("v8.tar.gz")));
        } finally {
            System.setProperty("java.io.tmpdir", tmpdir);
            log.detachAppender(said);
            log.setLevel(level);
        }
        assertTrue(said.list.stream().anyMatch(e -> e.getFormattedMessage().startsWith("warmed up in ")
                && e.getFormattedMessage().contains("8 MiB over loopback to two engines")), said.list.toString());
        try (java.util.stream.Stream<Path> left = Files.list(scratchParent)) {
            assertEquals(java.util.List.of(), left.toList(), "the warm-up's scratch directory is removed");
        }
    }

    /**
     * A download limit under one request (4 blocks of 16 KiB, what murder asks a murder peer for at once) per stall
     * timeout cannot bring a request in before the download fails as if no peer sent anything: refused at once
     * (--max-down 1 ended as "no data from any peer for 2m" with its peers connected). A download limited otherwise that
     * stalls says its limit.
     */
    @Test
    void aDownloadLimitTooLowToTakeARequestIsRefusedAndALimitIsSaidWhenADownloadStalls() throws Exception {
        Release v = release("v10", 100_000, 10);
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        CliRun one = CliRun.of("peer", v.torrent().toString(), dest.toString(), "--port-range", "47000-47999", "--bind", "127.0.0.1",
                "--max-down", "1");
        assertEquals(2, one.exitCode(), one.err());
        assertEquals("murder: --max-down 1 B/s: a request of 64 KiB takes 18h12m16s at that rate, longer than --stall-timeout 2m"
                + " after which a download without data fails (expected: at least 547 bytes/s, or unlimited, or a longer"
                + " --stall-timeout)", one.err().strip());
        // the least is rounded up, from the stall timeout's milliseconds: 65536 B in 1.5 s needs 43691 B/s
        CliRun under = CliRun.of("peer", v.torrent().toString(), dest.toString(), "--port-range", "47000-47999", "--bind", "127.0.0.1",
                "--max-down", "43690", "--stall-timeout", "1500ms");
        assertEquals(2, under.exitCode(), under.err());
        assertTrue(under.err().contains("takes 1.5s at that rate, longer than --stall-timeout 1.5s after which")
                && under.err().contains("(expected: at least 43691 bytes/s,"), under.err());
        assertTrue(Files.notExists(dest.resolve("v10.tar.gz.part")), "nothing written for a refused download");

        CliRun stalled = CliRun.of("peer", v.torrent().toString(), dest.toString(), "--port-range", "47000-47999", "--bind", "127.0.0.1",
                "--max-down", "43691", "--stall-timeout", "1500ms");
        assertEquals(1, stalled.exitCode(), stalled.err());
        assertTrue(stalled.err().startsWith("murder: no data from any peer for 1.5s (0 peers known, 0 connected")
                && stalled.err().contains("; this process's downloads are limited to 42.7 KiB/s (--max-down))"), stalled.err());
    }

    @Test
    void aFailedDownloadIsSaidOnceInOneLine() throws Exception {
        Release v = release("v9", 100_000, 9);
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.murder");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> said = new ch.qos.logback.core.read.ListAppender<>();
        said.start();
        log.addAppender(said);
        ch.qos.logback.classic.Level level = log.getLevel();
        log.setLevel(ch.qos.logback.classic.Level.INFO);
        CliRun r;
        try {
            Path dest = Files.createDirectories(tmp.resolve("dest"));
            r = CliRun.of("peer", v.torrent().toString(), dest.toString(), "--port-range", "47000-47999", "--bind", "127.0.0.1",
                    "--stall-timeout", "1s");
        } finally {
            log.detachAppender(said);
            log.setLevel(level);
        }
        assertEquals(1, r.exitCode(), r.err());
        assertTrue(r.err().startsWith("murder: no data from any peer for 1s (0 peers known, 0 connected"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(said.list.stream().noneMatch(e -> e.getFormattedMessage().contains("no data from any peer")),
                "not in the log as well: " + said.list);
    }

    /**
     * The download done, its file cut while the peer seeds it: the peer stops with one line and exit 1 (it printed
     * 'stopped' and exited 0, and a script went on with a file that was no longer what was checked).
     */
    @Test
    void aDownloadCutWhileItIsSeededAfterwardsExitsOne() throws Exception {
        Release v = release("v8", 2_000_000, 12);
        try (Engine seed = seeding(v.meta(), v.file())) {
            Path dest = Files.createDirectories(tmp.resolve("dest8"));
            Path file = dest.resolve("v8.tar.gz");
            java.util.concurrent.CompletableFuture<CliRun> run = java.util.concurrent.CompletableFuture.supplyAsync(() -> CliRun.of(
                    "peer", v.torrent().toString(), dest.toString(), "--port-range", "47000-47999", "--bind", "127.0.0.1", "--peer",
                    "127.0.0.1:" + seed.port(), "--seed-time", "60s"));
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(file) && !run.isDone() && System.nanoTime() < until) {
                Thread.sleep(20); // bounded: the download's final name appears when it is done (no event reaches a test)
            }
            assertTrue(Files.exists(file), "downloaded");
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
                ch.truncate(1000);
            }
            CliRun r = run.get(30, TimeUnit.SECONDS); // not the 60 s of --seed-time
            assertEquals(1, r.exitCode(), r.out() + r.err());
            assertTrue(r.err().startsWith("murder: seeding after the download stopped: "), r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(!r.out().contains("stopped   uploaded"), r.out());
        }
    }

    @Test
    void theWarmUpIsOffUnlessAsked() {
        assertEquals(false, warmUpAfter("peer", "t.torrent", "dest"));
        assertEquals(true, warmUpAfter("peer", "t.torrent", "dest", "--warm-up"));
        assertEquals(false, warmUpAfter("peer", "t.torrent", "dest", "--no-warm-up"));
    }

    /** The value of murder peer's --warm-up once {@code args} are parsed. */
    private static Object warmUpAfter(String... args) {
        picocli.CommandLine cl = Murder.commandLineFor(args);
        cl.parseArgs(args);
        return cl.getSubcommands().get("peer").getCommandSpec().findOption("--warm-up").getValue();
    }

    @Test
    void aPeerGivenARackSendsItOnEveryAnnounce() throws Exception {
        java.util.concurrent.LinkedBlockingQueue<String> announces = new java.util.concurrent.LinkedBlockingQueue<>();
        com.sun.net.httpserver.HttpServer tracker = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        tracker.createContext("/announce", x -> {
            announces.add(x.getRequestURI().getRawQuery());
            byte[] body = "d8:intervali30e5:peers0:e".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        tracker.start();
        try {
            Path src = Files.createDirectories(tmp.resolve("src"));
            byte[] data = new byte[300_000];
            new Random(6).nextBytes(data);
            Files.write(src.resolve("r.bin"), data);
            Path torrent = tmp.resolve("r.torrent");
            assertEquals(0, CliRun.of("make-torrent", src.resolve("r.bin").toString(), "--tracker",
                    "http://127.0.0.1:" + tracker.getAddress().getPort() + "/announce", "--out", torrent.toString()).exitCode());
            MetaInfo meta = MetaInfo.read(torrent);
            try (Engine seed = Engine.start(EngineConfig.builder().portRange(new PortRange(47000, 47999))
                    .bindAddress(InetAddress.getLoopbackAddress()).build(), Clock.systemUTC())) {
                seed.add(meta, Storage.forSeeding(meta, src.resolve("r.bin")), SessionOptions.seedForever(), SessionListener.NONE)
                        .completed().get(30, TimeUnit.SECONDS);
                Path dest = Files.createDirectories(tmp.resolve("dest"));
                CliRun r = CliRun.of("peer", torrent.toString(), dest.toString(), "--port-range", "47000-47999", "--bind",
                        "127.0.0.1", "--peer", "127.0.0.1:" + seed.port(), "--seed-time", "0s", "--rack", "dc1:r2");
                assertEquals(0, r.exitCode(), r.err());
            }
            // the peer's announces: started (left=300000), then completed and stopped; the seed's: started (left=0), stopped
            assertTrue(announces.stream().anyMatch(q -> q.contains("left=300000") && q.contains("event=started")
                    && q.endsWith("&rack=dc1%3Ar2")), "the peer's started carries its rack: " + announces);
            assertTrue(announces.stream().filter(q -> q.endsWith("&rack=dc1%3Ar2")).count() >= 2, "and its later announces: " + announces);
            assertTrue(announces.stream().anyMatch(q -> q.contains("left=0") && q.contains("event=started") && !q.contains("rack=")),
                    "the seed was given no rack: " + announces);
        } finally {
            tracker.stop(0);
        }
        CliRun bad = CliRun.of("peer", tmp.resolve("r.torrent").toString(), tmp.toString(), "--rack", "row 1");
        assertEquals(2, bad.exitCode(), bad.err());
        assertTrue(bad.err().startsWith("murder: Invalid value for option '--rack': rack: 'row 1' (expected: 1 to 64 letters,"),
                bad.err());
    }

    /** a.torrent of a 1,000-byte file whose tracker nobody answers: for what is refused before any download. */
    private Path smallTorrent() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.write(src.resolve("a.bin"), new byte[1000]);
        Path torrent = tmp.resolve("a.torrent");
        assertEquals(0, CliRun.of("make-torrent", src.resolve("a.bin").toString(), "--tracker", "http://127.0.0.1:1/announce",
                "--out", torrent.toString()).exitCode());
        return torrent;
    }

    @Test
    void badPortRangesAndDestinationsAreUsageErrors() throws Exception {
        Path torrent = smallTorrent();
        for (String range : new String[] {"9000-8000", "0-70000"}) {
            CliRun r = CliRun.of("peer", torrent.toString(), tmp.toString(), "--port-range", range);
            assertEquals(2, r.exitCode(), r.err());
            assertTrue(r.err().startsWith("murder: Invalid value for option '--port-range': port range '" + range + "' (expected: "),
                    r.err());
            assertTrue(r.err().endsWith(" (see 'murder peer --help')\n"), r.err());
        }
        CliRun missing = CliRun.of("peer", torrent.toString(), tmp.resolve("nope").toString());
        assertEquals(2, missing.exitCode());
        assertEquals("murder: " + tmp.resolve("nope") + ": no such directory (expected: an existing download directory)\n",
                missing.err());
    }

    @Test
    void aStatusFileOrPeerThatCannotBeIsRefusedBeforeAnythingIsWritten() throws Exception {
        Path torrent = smallTorrent();
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        CliRun noDir = CliRun.of("peer", torrent.toString(), dest.toString(), "--json-status", tmp.resolve("nope/s.json").toString());
        assertEquals(2, noDir.exitCode(), noDir.err());
        assertEquals("murder: --json-status " + tmp.resolve("nope/s.json") + ": no directory " + tmp.resolve("nope")
                + " (expected: a file in an existing directory)\n", noDir.err());
        CliRun aDir = CliRun.of("peer", torrent.toString(), dest.toString(), "--json-status", tmp.toString());
        assertEquals(2, aDir.exitCode(), aDir.err());
        assertEquals("murder: --json-status " + tmp + ": is a directory (expected: a file to write)\n", aDir.err());
        for (String ip : new String[] {"notanip", "1.2.3.256", "1.2.3.4\u001b[31m"}) {
            CliRun badIp = CliRun.of("peer", torrent.toString(), dest.toString(), "--ip", ip);
            assertEquals(2, badIp.exitCode(), badIp.err());
            assertEquals("murder: --ip '" + org.murder.core.Printable.escape(ip) + "' (expected: an IP address like 10.0.0.5 or fd00::5,"
                    + " the one peers should dial)\n", badIp.err());
        }
        for (String peer : new String[] {"nohostport", "[::1", "::1", "exa mple:1", "1.2.3.256:1", "[::1]:0", "host:99999", ":6881"}) {
            CliRun badPeer = CliRun.of("peer", torrent.toString(), dest.toString(), "--peer", peer);
            assertEquals(2, badPeer.exitCode(), peer + ": " + badPeer.err());
            assertEquals("murder: --peer '" + peer + "' (expected: HOST:PORT like 10.0.0.5:6881, host.example:6881 or [fd00::5]:6881)\n",
                    badPeer.err());
        }
        Path part = dest.resolve("a.bin.part");
        for (Path own : new Path[] {part, dest.resolve("a.bin")}) {
            CliRun status = CliRun.of("peer", torrent.toString(), dest.toString(), "--json-status", own.toString());
            assertEquals(2, status.exitCode(), status.err());
            assertEquals("murder: --json-status " + own + ": is the download's own " + own + " (expected: a file of its own, outside the"
                    + " download)\n", status.err());
        }
        CliRun onTorrent = CliRun.of("peer", torrent.toString(), dest.toString(), "--json-status", torrent.toString());
        assertEquals(2, onTorrent.exitCode(), onTorrent.err());
        assertEquals("murder: --json-status " + torrent + ": is the torrent being downloaded (expected: a file of its own)\n",
                onTorrent.err());
        try (java.util.stream.Stream<Path> left = Files.list(dest)) {
            assertEquals(java.util.List.of(), left.toList(), "nothing written to DEST");
        }
    }

    @Test
    void noFreePortLeavesDestAsItWasAndAPartThatIsADirectoryIsBadInput() throws Exception {
        Path torrent = smallTorrent();
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            CliRun r = CliRun.of("peer", torrent.toString(), dest.toString(), "--bind", "127.0.0.1", "--port-range", port + "-" + port);
            assertEquals(1, r.exitCode(), r.err());
            assertEquals("murder: no free port in " + port + " (every port is in use; expected: a --port-range with a free port)\n", r.err());
            CliRun both = CliRun.of("peer", torrent.toString(), tmp.resolve("nope").toString(), "--bind", "127.0.0.1", "--port-range",
                    port + "-" + port);
            assertEquals(2, both.exitCode(), "a DEST that cannot be is named first: " + both.err());
            assertEquals("murder: " + tmp.resolve("nope") + ": no such directory (expected: an existing download directory)\n",
                    both.err());
        }
        try (java.util.stream.Stream<Path> left = Files.list(dest)) {
            assertEquals(java.util.List.of(), left.toList(), "no a.bin.part: the port is taken before DEST is touched");
        }
        Files.createDirectories(dest.resolve("a.bin.part"));
        CliRun part = CliRun.of("peer", torrent.toString(), dest.toString(), "--bind", "127.0.0.1", "--port-range", "47000-47999");
        assertEquals(2, part.exitCode(), part.err());
        assertEquals("murder: " + dest.resolve("a.bin.part") + ": is a directory (expected: the partial download of a.bin, or no file;"
                + " move it away first)\n", part.err());
    }
}
