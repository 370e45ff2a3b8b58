package org.murder.peer.engine;

import org.murder.testkit.MutableClock;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.MurderException;
import org.murder.core.PeerId;
import org.murder.core.PortRange;
import org.murder.core.Rate;
import org.murder.peer.storage.Storage;
import org.murder.peer.wire.MessageIds;

/** Resume, corrupt data, a vanished seed, stalls, md5 mismatches and bad destinations, over real sockets. */
@Timeout(120)
class SwarmScenariosTest {
    private static final int SIZE = 4 * 1024 * 1024 + 777;
    private static final int PIECE = 128 * 1024;

    @TempDir
    Path tmp;

    private final LoopbackEngines engines = new LoopbackEngines(new PortRange(43000, 43999));

    @AfterEach
    void closeEngines() {
        engines.close();
    }

    private Engine engine(EngineConfig.Builder b, Clock clock) {
        return engines.start(b, clock);
    }

    private Engine engine() {
        return engines.start();
    }

    private static InetSocketAddress at(Engine e) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), e.port());
    }

    private TorrentFixture fixture() throws Exception {
        return TorrentFixture.create(tmp.resolve("seed"), "app.tar.gz", SIZE, PIECE, List.of(), 5);
    }

    private Engine seed(TorrentFixture t) throws Exception {
        Engine e = engine();
        e.add(t.meta(), Storage.forSeeding(t.meta(), t.file()), SessionOptions.seedForever(), SessionListener.NONE)
                .completed().get(30, TimeUnit.SECONDS);
        return e;
    }

    private Torrent download(Engine e, TorrentFixture t, Path dir, SessionListener listener) throws Exception {
        Files.createDirectories(dir);
        return e.add(t.meta(), Storage.forDownload(t.meta(), dir), SessionOptions.download(Optional.of(t.md5()), Optional.empty()),
                listener);
    }

    @Test
    void aPeerStoppedMidDownloadResumesAndFetchesOnlyTheRest() throws Exception {
        TorrentFixture t = fixture();
        Engine seed = seed(t);
        Path dir = tmp.resolve("peer");
        CountDownLatch someVerified = new CountDownLatch(1);
        Engine slow = engine(EngineConfig.builder().maxDown(Rate.parse("1MiB/s")), Clock.systemUTC());
        Torrent first = download(slow, t, dir, new SessionListener() {
            @Override
            public void onProgress(Snapshot s) {
                if (s.verified() > 0) {
                    someVerified.countDown();
                }
            }
        });
        first.addPeers(List.of(at(seed)));
        assertTrue(someVerified.await(30, TimeUnit.SECONDS));
        slow.close();
        long before = first.finished().get(10, TimeUnit.SECONDS).verified();
        assertTrue(before > 0 && before < SIZE, "stopped part way: " + before);
        assertTrue(Files.exists(dir.resolve("app.tar.gz.part")));
        assertFalse(Files.exists(dir.resolve("app.tar.gz")));

        Torrent second = download(engine(), t, dir, SessionListener.NONE);
        second.addPeers(List.of(at(seed)));
        second.completed().get(60, TimeUnit.SECONDS);
        Snapshot done = second.snapshotAsync().get();
        assertTrue(done.downloaded() <= SIZE - before + PIECE,
                "fetched " + done.downloaded() + " bytes, " + before + " were already verified");
        assertArrayEquals(t.data(), Files.readAllBytes(dir.resolve("app.tar.gz")));
        // seeding now: it reads no piece back, and holds no piece buffer through its seed time
        assertEquals(0, second.pieceBuffersHeld().get(10, TimeUnit.SECONDS));
    }

    @Test
    void aPeerServingCorruptDataIsDroppedAndTheDownloadStillCompletes() throws Exception {
        TorrentFixture t = fixture();
        Engine seed = seed(t);
        try (RawSeed evil = RawSeed.corrupt(t.meta().infoHash(), PeerId.random(), InetAddress.getByName("127.0.0.2"))) {
            Path dir = tmp.resolve("victim");
            Torrent victim = download(engine(), t, dir, SessionListener.NONE);
            victim.addPeers(List.of(evil.at()));
            assertTrue(evil.dropped.await(30, TimeUnit.SECONDS), "the corrupt peer was disconnected");
            victim.addPeers(List.of(at(seed)));
            victim.completed().get(60, TimeUnit.SECONDS);
            assertArrayEquals(t.data(), Files.readAllBytes(dir.resolve("app.tar.gz")));
        }
    }

    @Test
    void anotherMurderPeerIsAskedFor64KiBAtATimeAndAnyOtherClientFor16KiB() throws Exception {
        TorrentFixture t = fixture();
        for (String client : List.of("-MU0100-", "-TR3000-")) {
            byte[] id = (client + "abcdefghijkl").getBytes(StandardCharsets.US_ASCII);
            try (RawSeed raw = RawSeed.serving(t, PeerId.of(id))) {
                Path dir = tmp.resolve("from" + client);
                Torrent s = download(engine(), t, dir, SessionListener.NONE);
                s.addPeers(List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), raw.port())));
                s.completed().get(60, TimeUnit.SECONDS);
                assertArrayEquals(t.data(), Files.readAllBytes(dir.resolve("app.tar.gz")), client);
                int largest = raw.requestLengths.stream().mapToInt(Integer::intValue).max().orElse(0);
                assertEquals(client.startsWith("-MU") ? 64 * 1024 : 16 * 1024, largest, client + " was asked for " + largest + " bytes");
                assertTrue(raw.requestLengths.contains(SIZE % PIECE), "the short last piece, asked for with its exact length");
            }
        }
    }

    @Test
    void peersThatOnlyKnowTheOriginFinishThoughItRejectsRequestsForPiecesOnTheirWayToAnother() throws Exception {
        TorrentFixture t = fixture();
        Engine seed = seed(t);
        List<Torrent> peers = new ArrayList<>();
        for (String name : List.of("p1", "p2", "p3")) {
            Torrent s = download(engine(), t, tmp.resolve(name), SessionListener.NONE);
            s.addPeers(List.of(at(seed))); // no tracker: they never learn of each other
            peers.add(s);
        }
        CompletableFuture.allOf(peers.stream().map(Torrent::completed).toArray(CompletableFuture[]::new))
                .get(90, TimeUnit.SECONDS);
        for (String name : List.of("p1", "p2", "p3")) {
            assertArrayEquals(t.data(), Files.readAllBytes(tmp.resolve(name + "/app.tar.gz")), name);
        }
    }

    /**
     * Two peers given each other (and the seed) at once dial each other at once: they must keep one
     * of the two connections and trade over it. Each end used to refuse the connection that reached
     * it second, both closed, and again at every redial; the seed, which sends a first copy of each
     * piece to one peer only, then left each waiting for the pieces the other held.
     */
    @Test
    void twoPeersThatDialEachOtherAtOnceKeepOneConnectionAndTrade() throws Exception {
        TorrentFixture t = fixture();
        Engine seed = seed(t);
        Engine a = engine();
        Engine b = engine();
        Torrent first = download(a, t, tmp.resolve("a"), SessionListener.NONE);
        Torrent second = download(b, t, tmp.resolve("b"), SessionListener.NONE);
        first.addPeers(List.of(at(seed), at(b)));
        second.addPeers(List.of(at(seed), at(a)));
        CompletableFuture.allOf(first.completed(), second.completed()).get(60, TimeUnit.SECONDS);
        Snapshot fromA = first.stop().get(10, TimeUnit.SECONDS);
        Snapshot fromB = second.stop().get(10, TimeUnit.SECONDS);
        assertTrue(fromA.uploaded() > 0 && fromB.uploaded() > 0, "each sent the other pieces: " + fromA + " " + fromB);
        assertArrayEquals(t.data(), Files.readAllBytes(tmp.resolve("a/app.tar.gz")));
        assertArrayEquals(t.data(), Files.readAllBytes(tmp.resolve("b/app.tar.gz")));
    }

    /**
     * A peer that connects to a seed while the seed still checks its file (a restarted seed its
     * peers reconnect to) is told about the pieces once the check ends; it used to hear only "have
     * none" and wait for good.
     */
    @Test
    void aPeerThatJoinedWhileTheSeedCheckedItsFileHearsWhatTheCheckFound() throws Exception {
        TorrentFixture big = TorrentFixture.create(tmp.resolve("big"), "big.tar.gz", 64 << 20, 256 << 10, List.of(), 9);
        Engine seed = engine(EngineConfig.builder().hashThreads(1), Clock.systemUTC());
        Engine peer = engine();
        Torrent download = peer.add(big.meta(), Storage.forDownload(big.meta(), Files.createDirectories(tmp.resolve("p"))),
                SessionOptions.download(Optional.of(big.md5()), Optional.empty()), SessionListener.NONE);
        Torrent seeding = seed.add(big.meta(), Storage.forSeeding(big.meta(), big.file()), SessionOptions.seedForever(),
                SessionListener.NONE);
        // while the seed checks 64 MiB on one thread (a race the peer wins in practice: without the
        // Haves after the check, this test timed out at 60 s)
        download.addPeers(List.of(at(seed)));
        download.completed().get(60, TimeUnit.SECONDS);
        assertEquals(SessionState.SEEDING, seeding.state());
        assertArrayEquals(big.data(), Files.readAllBytes(tmp.resolve("p/big.tar.gz")));
    }

    @Test
    void peersFinishFromEachOtherAfterTheSeedIsGone() throws Exception {
        TorrentFixture t = fixture();
        Engine seed = seed(t);
        Engine a = engine();
        Torrent first = download(a, t, tmp.resolve("a"), SessionListener.NONE);
        first.addPeers(List.of(at(seed)));
        first.completed().get(60, TimeUnit.SECONDS);
        seed.close();

        List<Torrent> later = new ArrayList<>();
        for (String name : List.of("b", "c")) {
            Torrent s = download(engine(), t, tmp.resolve(name), SessionListener.NONE);
            s.addPeers(List.of(at(seed), at(a)));
            later.add(s);
        }
        CompletableFuture.allOf(later.stream().map(Torrent::completed).toArray(CompletableFuture[]::new))
                .get(60, TimeUnit.SECONDS);
        assertArrayEquals(t.data(), Files.readAllBytes(tmp.resolve("b/app.tar.gz")));
        assertArrayEquals(t.data(), Files.readAllBytes(tmp.resolve("c/app.tar.gz")));
    }

    @Test
    void aDownloadWithNoPeersFailsAfterTheStallTimeoutOnTheInjectedClock() throws Exception {
        TorrentFixture t = fixture();
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        Engine e = engine(EngineConfig.builder().stallTimeout(Duration.ofMinutes(2)), clock);
        CountDownLatch downloading = new CountDownLatch(1);
        Torrent s = download(e, t, tmp.resolve("lonely"), new SessionListener() {
            @Override
            public void onStateChange(SessionState state, Snapshot snapshot) {
                if (state == SessionState.DOWNLOADING) {
                    downloading.countDown();
                }
            }
        });
        assertTrue(downloading.await(10, TimeUnit.SECONDS), "the session started");
        clock.advance(Duration.ofMinutes(1));
        clock.advance(Duration.ofMinutes(1).plusSeconds(1));
        ExecutionException failed = assertThrows(ExecutionException.class, () -> s.completed().get(10, TimeUnit.SECONDS));
        assertEquals("no data from any peer for 2m (0 peers known, 0 connected)", failed.getCause().getMessage());
        assertEquals(SessionState.FAILED, s.finished().get(5, TimeUnit.SECONDS).state());
    }

    @Test
    void aPeerNothingIsSentToGetsAKeepAliveOnTheInjectedClock() throws Exception {
        TorrentFixture t = fixture();
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        Engine e = engine(EngineConfig.builder().keepAlive(Duration.ofSeconds(30)), clock);
        e.add(t.meta(), Storage.forSeeding(t.meta(), t.file()), SessionOptions.seedForever(), SessionListener.NONE)
                .completed().get(30, TimeUnit.SECONDS);
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), e.port())) {
            s.setSoTimeout(10_000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            DataInputStream in = new DataInputStream(s.getInputStream());
            out.writeByte(19);
            out.writeBytes("BitTorrent protocol");
            out.write(new byte[8]); // no fast extension: the seed opens with a bitfield
            out.write(t.meta().infoHash().toBytes());
            out.write(PeerId.random().toBytes());
            out.flush();
            in.readFully(new byte[68]);
            int length = in.readInt();
            assertEquals(MessageIds.BITFIELD, in.readByte());
            in.readFully(new byte[length - 1]);
            // not interested, so nothing more is due; 31 s later on the engine's clock, a keep-alive
            clock.advance(Duration.ofSeconds(31));
            assertEquals(0, in.readInt(), "a keep-alive (length 0)");
        }
    }

    @Test
    void anMd5MismatchFailsAndLeavesNothingInPlace() throws Exception {
        TorrentFixture t = fixture();
        Engine seed = seed(t);
        Path dir = Files.createDirectories(tmp.resolve("strict"));
        Torrent s = engine().add(t.meta(), Storage.forDownload(t.meta(), dir),
                SessionOptions.download(Optional.of("00000000000000000000000000000000"), Optional.empty()), SessionListener.NONE);
        s.addPeers(List.of(at(seed)));
        ExecutionException failed = assertThrows(ExecutionException.class, () -> s.completed().get(60, TimeUnit.SECONDS));
        assertEquals("md5 of app.tar.gz is " + t.md5() + " (expected: 00000000000000000000000000000000); the file was not"
                + " moved into place", failed.getCause().getMessage());
        assertFalse(Files.exists(dir.resolve("app.tar.gz")));
    }

    @Test
    void seedingAFileThatDoesNotMatchFails() throws Exception {
        TorrentFixture t = fixture();
        byte[] corrupt = t.data().clone();
        corrupt[PIECE * 3 + 5] ^= 1;
        Path bad = Files.write(tmp.resolve("bad.tar.gz"), corrupt);
        Torrent s = engine().add(t.meta(), Storage.forSeeding(t.meta(), bad), SessionOptions.seedForever(),
                SessionListener.NONE);
        ExecutionException failed = assertThrows(ExecutionException.class, () -> s.completed().get(30, TimeUnit.SECONDS));
        assertEquals(bad + ": 1 of 33 pieces do not match app.tar.gz (expected: the complete file the"
                + " torrent was made from)", failed.getCause().getMessage());
    }

    @Test
    void badDestinationsAreRefusedBeforeAnythingIsWritten() throws Exception {
        TorrentFixture t = fixture();
        Path dir = Files.createDirectories(tmp.resolve("dest"));
        Files.write(dir.resolve("app.tar.gz"), new byte[10]);
        MurderException wrongSize = assertThrows(MurderException.class, () -> Storage.forDownload(t.meta(), dir));
        assertEquals(dir.resolve("app.tar.gz") + ": exists with 10 bytes (expected: " + SIZE
                + " bytes of app.tar.gz, or no file; move it away first)", wrongSize.getMessage());
        assertEquals(2, wrongSize.exitCode());
        Path missing = tmp.resolve("nope");
        assertEquals(missing + ": no such directory (expected: an existing download directory)",
                assertThrows(MurderException.class, () -> Storage.forDownload(t.meta(), missing)).getMessage());
    }

    @Test
    void aFileOfTheRightSizeButOtherContentIsRefusedAfterTheCheckAndNeverWrittenInto() throws Exception {
        TorrentFixture t = fixture();
        Engine seed = seed(t);
        Path dir = Files.createDirectories(tmp.resolve("same-size"));
        byte[] old = new byte[SIZE]; // an earlier file of the same name and size: zeros
        Path file = Files.write(dir.resolve("app.tar.gz"), old);
        Torrent s = engine().add(t.meta(), Storage.forDownload(t.meta(), dir), SessionOptions.download(Optional.empty(),
                Optional.empty()), SessionListener.NONE);
        s.addPeers(List.of(at(seed)));
        ExecutionException failed = assertThrows(ExecutionException.class, () -> s.completed().get(60, TimeUnit.SECONDS));
        assertEquals(file + ": exists with the right size, but 33 of its 33 pieces do not check out against app.tar.gz (expected: the same"
                + " content, or no file; murder never writes into a file in place: move it away first)", failed.getCause().getMessage());
        assertEquals(MurderException.BAD_INPUT, ((MurderException) failed.getCause()).exitCode());
        assertArrayEquals(old, Files.readAllBytes(file), "not one byte written into it");
        assertFalse(Files.exists(dir.resolve("app.tar.gz.part")));

        Files.write(file, t.data()); // the same content: taken as it is
        Torrent again = engine().add(t.meta(), Storage.forDownload(t.meta(), dir), SessionOptions.download(Optional.of(t.md5()),
                Optional.empty()), SessionListener.NONE);
        again.completed().get(60, TimeUnit.SECONDS);
        assertArrayEquals(t.data(), Files.readAllBytes(file));
    }

    @Test
    void aPartialDownloadWithOtherHardLinksIsRefused() throws Exception {
        TorrentFixture t = fixture();
        Path dir = Files.createDirectories(tmp.resolve("linked"));
        Path elsewhere = Files.write(tmp.resolve("victim"), new byte[SIZE]);
        Files.createLink(dir.resolve("app.tar.gz.part"), elsewhere);
        MurderException e = assertThrows(MurderException.class, () -> Storage.forDownload(t.meta(), dir));
        assertEquals(dir.resolve("app.tar.gz.part") + ": has 2 hard links (expected: the partial download of app.tar.gz alone, or no"
                + " file: the download would be written into every other name of it too; move it away first)", e.getMessage());
        assertEquals(MurderException.BAD_INPUT, e.exitCode());
    }

    /** {@code t}'s file seeded by {@code engine}, checked. */
    private static Torrent seeded(Engine engine, TorrentFixture t) throws Exception {
        return seeded(engine, t, SessionOptions.seedForever());
    }

    private static Torrent seeded(Engine engine, TorrentFixture t, SessionOptions options) throws Exception {
        Torrent seeding = engine.add(t.meta(), Storage.forSeeding(t.meta(), t.file()), options, SessionListener.NONE);
        seeding.completed().get(30, TimeUnit.SECONDS);
        return seeding;
    }

    /**
     * A failure after the download is logged as an error when nobody waits to say it (an agent's seeding after its job), and
     * only said by the caller when it waits (murder seed's last line: a terminal showed it twice, an ERROR line and then
     * {@code murder:}).
     */
    @Test
    void aFailureWhileSeedingIsLoggedAsAnErrorOnlyWhenNoCallerSaysIt() throws Exception {
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(TorrentSession.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> said = new ch.qos.logback.core.read.ListAppender<>();
        said.start();
        log.addAppender(said);
        try {
            for (boolean callerSays : new boolean[] {true, false}) {
                said.list.clear();
                TorrentFixture t = TorrentFixture.create(tmp.resolve("seed-" + callerSays), "app.tar.gz", SIZE, PIECE, List.of(), 5);
                SessionOptions options = callerSays ? SessionOptions.seedForever().saidByCaller() : SessionOptions.seedForever();
                Torrent seeding = seeded(engine(), t, options);
                try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(t.file(), java.nio.file.StandardOpenOption.WRITE)) {
                    ch.truncate(PIECE);
                }
                Snapshot end = seeding.finished().get(30, TimeUnit.SECONDS);
                assertEquals(SessionState.FAILED, end.state());
                long errors = said.list.stream().filter(e -> e.getLevel() == ch.qos.logback.classic.Level.ERROR
                        && e.getFormattedMessage().contains(end.error().orElseThrow())).count();
                assertEquals(callerSays ? 0 : 1, errors, "caller says it: " + callerSays);
            }
        } finally {
            log.detachAppender(said);
        }
    }

    /** A seeded file cut after its check: the seed says so and stops, rather than dropping every peer without a word. */
    @Test
    void aSeedWhoseFileIsCutAfterItsCheckFailsNamingIt() throws Exception {
        TorrentFixture t = fixture();
        Engine seedEngine = engine();
        Torrent seeding = seeded(seedEngine, t);
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(t.file(), java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(PIECE);
        }
        Torrent leech = download(engine(), t, tmp.resolve("cut"), SessionListener.NONE);
        leech.addPeers(List.of(at(seedEngine)));
        Snapshot end = seeding.finished().get(60, TimeUnit.SECONDS);
        assertEquals(Optional.of(t.file() + ": " + PIECE + " bytes now, " + SIZE + " when it was checked (expected: the file the torrent"
                + " was made from, unchanged while it is shared)"), end.error());
    }

    /**
     * A seeded file written to in place after its check (same size: a dd over the archive, a build writing into it): the
     * seed stops naming it within a tick or two, before any peer asks, rather than serving pieces that fail and being banned
     * by every peer that gets one (a deploy whose seed was its hosts' only source stalled to its deadline so).
     */
    @Test
    void aSeedWhoseFileIsWrittenToInPlaceStopsNamingIt() throws Exception {
        TorrentFixture t = fixture();
        Torrent seeding = seeded(engine(), t);
        java.nio.file.attribute.FileTime checked = Files.getLastModifiedTime(t.file());
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(t.file(), java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), PIECE + 10);
        }
        java.nio.file.attribute.FileTime written = java.nio.file.attribute.FileTime.fromMillis(checked.toMillis() + 2000);
        Files.setLastModifiedTime(t.file(), written); // the clock's granularity aside, a write moves it
        Snapshot end = seeding.finished().get(30, TimeUnit.SECONDS);
        assertEquals(SessionState.FAILED, end.state());
        assertEquals(Optional.of(t.file() + ": written to while it is shared (modified " + checked + " when first checked, " + written
                + " now; expected: the file the torrent was made from, unchanged while it is shared: pieces read from it may no longer"
                + " match)"), end.error());
    }

    /** A seeded file replaced by a rename (the operator's next build moved into its place) is another file: the open one stays served. */
    @Test
    void aSeedWhoseFileIsReplacedByARenameKeepsServingTheFileItChecked() throws Exception {
        TorrentFixture t = fixture();
        Engine seedEngine = engine();
        Torrent seeding = seeded(seedEngine, t);
        Path next = Files.write(tmp.resolve("next-build"), new byte[SIZE]);
        Files.move(next, t.file(), java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Torrent leech = download(engine(), t, tmp.resolve("after-rename"), SessionListener.NONE);
        leech.addPeers(List.of(at(seedEngine)));
        leech.completed().get(60, TimeUnit.SECONDS);
        assertArrayEquals(t.data(), Files.readAllBytes(tmp.resolve("after-rename").resolve(t.meta().name())));
        assertEquals(SessionState.SEEDING, seeding.state());
    }

    @Test
    void aBindAddressThisHostDoesNotHaveIsBadUsageNamingIt() throws Exception {
        InetAddress notOurs = InetAddress.getByName("192.0.2.1"); // TEST-NET-1: no host has it; the bind fails here, nothing is sent
        MurderException e = assertThrows(MurderException.class, () -> Engine.start(EngineConfig.builder()
                .portRange(new PortRange(47000, 47001)).bindAddress(notOurs).build(), Clock.systemUTC()));
        assertEquals("--bind 192.0.2.1: not an address of this host (expected: one of its interfaces' addresses, or none to listen on"
                + " all)", e.getMessage());
        assertEquals(MurderException.BAD_INPUT, e.exitCode());
    }

    @Test
    void aPortRangeWithNoFreePortIsAClearError() throws Exception {
        try (ServerSocket a = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = a.getLocalPort();
            MurderException e = assertThrows(MurderException.class, () -> Engine.start(EngineConfig.builder()
                    .portRange(new PortRange(port, port)).bindAddress(InetAddress.getLoopbackAddress()).build(), Clock.systemUTC()));
            assertEquals("no free port in " + port + " (every port is in use; expected: a --port-range with a free port)",
                    e.getMessage());
        }
    }
}
