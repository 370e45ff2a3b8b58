package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.PeerId;
import org.murder.core.PortRange;
import org.murder.peer.storage.Storage;
import org.murder.testkit.MutableClock;

/**
 * Peers that send bad data, peers that hold slots and do nothing, against real engines over
 * loopback sockets. Bans are by peer id at an address (an address is banned after
 * {@link SmartBan#ADDRESS_AFTER} of its peers), so peers on one address are told apart.
 */
@Timeout(120)
class HostileSwarmTest {
    private static final int SIZE = 2 * 1024 * 1024 + 777;
    private static final int PIECE = 128 * 1024;

    @TempDir
    Path tmp;

    private final LoopbackEngines engines = new LoopbackEngines(new PortRange(44000, 44999));
    private final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (Socket s : sockets) {
            s.close();
        }
        engines.close();
    }

    private static InetAddress loopback(int last) throws Exception {
        return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) last});
    }

    private static InetSocketAddress at(Engine e) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), e.port());
    }

    private static PeerId transmissionId(char last) {
        return PeerId.of(("-TR3000-abcdefghijk" + last).getBytes(StandardCharsets.US_ASCII));
    }

    private TorrentFixture fixture() throws Exception {
        return TorrentFixture.create(tmp.resolve("seed"), "app.tar.gz", SIZE, PIECE, List.of(), 11);
    }

    private Engine seed(TorrentFixture t, EngineConfig.Builder config, Clock clock, SessionListener listener) throws Exception {
        Engine e = engines.start(config, clock);
        e.add(t.meta(), Storage.forSeeding(t.meta(), t.file()), SessionOptions.seedForever(), listener)
                .completed().get(30, TimeUnit.SECONDS);
        return e;
    }

    private Torrent download(Engine e, TorrentFixture t, Path dir) throws Exception {
        Files.createDirectories(dir);
        return e.add(t.meta(), Storage.forDownload(t.meta(), dir), SessionOptions.download(Optional.of(t.md5()), Optional.empty()),
                SessionListener.NONE);
    }

    @Test
    void aBannedPeerThatComesBackFromItsAddressIsNeitherAskedNorServed() throws Exception {
        TorrentFixture t = fixture();
        Engine honest = seed(t, EngineConfig.builder(), Clock.systemUTC(), SessionListener.NONE);
        PeerId evilId = PeerId.random();
        try (RawSeed evil = RawSeed.corrupt(t.meta().infoHash(), evilId, loopback(2))) {
            Engine victimEngine = engines.start();
            Torrent victim = download(victimEngine, t, tmp.resolve("victim"));
            victim.addPeers(List.of(evil.at()));
            assertTrue(evil.dropped.await(30, TimeUnit.SECONDS), "the corrupt peer was disconnected");
            assertTrue(victim.isBanned(loopback(2)).get(5, TimeUnit.SECONDS));

            // it comes back on a connection of its own, from another port
            try (RawSeed again = RawSeed.corrupt(t.meta().infoHash(), evilId, loopback(2))) {
                assertEquals(0, again.connectTo(at(victimEngine), 10_000), "requests the banned peer got when it came back");
            }
            victim.addPeers(List.of(evil.at(), at(honest)));
            victim.completed().get(60, TimeUnit.SECONDS);
            assertEquals(1, evil.connections.get(), "the victim never connected to the banned address again");
            assertArrayEquals(t.data(), Files.readAllBytes(tmp.resolve("victim").resolve("app.tar.gz")));

            // the counters metrics read, from this thread: the corrupt piece, the ban, every piece verified once
            TorrentStats counted = victim.stats();
            assertEquals(1, counted.peersBanned());
            assertTrue(counted.piecesFailed() >= 1, counted.toString());
            assertEquals(t.meta().pieceCount(), counted.piecesVerified());
            assertEquals(t.meta().totalLength(), counted.verified());
            EngineStats totals = victimEngine.stats();
            assertEquals(counted.peersBanned(), totals.peersBanned());
            assertEquals(counted.piecesFailed(), totals.piecesFailed());
            assertEquals(counted.piecesVerified(), totals.piecesVerified());
            assertEquals(counted.downloaded(), totals.downloadedBytes());
            victim.stop().get(10, TimeUnit.SECONDS);
            assertEquals(counted.piecesFailed(), victimEngine.stats().piecesFailed(), "a torrent that ended still counts");
            assertEquals(List.of(), victimEngine.stats().running());
        }
    }

    /**
     * An honest seed and a liar on one address (127.0.0.1, as a test or the demo has them; NAT, a host running two clients):
     * only the liar is banned, and the download completes from the honest seed. A ban by address banned both, and the
     * download stopped with no peer left.
     */
    @Test
    void anHonestPeerAtALiarsAddressIsNotBannedWithIt() throws Exception {
        TorrentFixture t = fixture();
        InetAddress shared = loopback(1);
        try (RawSeed good = RawSeed.batching(t, transmissionId('g'), java.time.Duration.ofMillis(20), shared);
                RawSeed bad = RawSeed.corrupt(t.meta().infoHash(), transmissionId('b'), shared)) {
            Path dir = tmp.resolve("victim");
            Torrent victim = download(engines.start(), t, dir);
            victim.addPeers(List.of(bad.at()));
            assertTrue(bad.dropped.await(30, TimeUnit.SECONDS), "the liar was disconnected");
            victim.addPeers(List.of(bad.at(), good.at()));
            victim.completed().get(60, TimeUnit.SECONDS);
            assertArrayEquals(t.data(), Files.readAllBytes(dir.resolve("app.tar.gz")));
            assertEquals(1, bad.connections.get(), "the liar's listening address was not dialled again");
            assertEquals(1, victim.stats().peersBanned(), "one peer banned: the liar");
        }
    }

    /**
     * A liar on 127.0.0.1 that dials the downloader again and again under new peer ids: after {@link SmartBan#ADDRESS_AFTER}
     * of them, connections from the address are refused, but a seed there that starts after them is still dialled. The
     * address's ban used to cover every peer there, and the download stopped with no peer left.
     */
    @Test
    void aLiarComingBackUnderNewPeerIdsDoesNotKeepALaterSeedOnItsAddressOut() throws Exception {
        TorrentFixture t = fixture();
        Engine victimEngine = engines.start();
        Torrent victim = download(victimEngine, t, tmp.resolve("victim"));
        for (int i = 0; i < SmartBan.ADDRESS_AFTER; i++) {
            try (RawSeed liar = RawSeed.corrupt(t.meta().infoHash(), PeerId.random(), InetAddress.getLoopbackAddress())) {
                assertTrue(liar.connectTo(at(victimEngine), 10_000) > 0, "liar " + i + " was asked for blocks");
            }
        }
        try (RawSeed liar = RawSeed.corrupt(t.meta().infoHash(), PeerId.random(), InetAddress.getLoopbackAddress())) {
            assertEquals(0, liar.connectTo(at(victimEngine), 10_000), "one more under a new id is refused at its handshake");
        }
        Engine honest = seed(t, EngineConfig.builder(), Clock.systemUTC(), SessionListener.NONE); // starts after the liars
        victim.addPeers(List.of(at(honest)));
        victim.completed().get(60, TimeUnit.SECONDS);
        assertArrayEquals(t.data(), Files.readAllBytes(tmp.resolve("victim").resolve("app.tar.gz")));
        assertEquals(SmartBan.ADDRESS_AFTER, victim.stats().peersBanned());
    }

    /**
     * A liar that dials the downloader under the peer id of the seed it will dial (on one machine any peer id is easy to
     * learn: a handshake, the tracker's /stats): the liar is banned, the seed is not.
     */
    @Test
    void aLiarUnderTheSeedsPeerIdDoesNotGetTheSeedBanned() throws Exception {
        TorrentFixture t = fixture();
        Engine honest = seed(t, EngineConfig.builder(), Clock.systemUTC(), SessionListener.NONE);
        Engine victimEngine = engines.start();
        Torrent victim = download(victimEngine, t, tmp.resolve("victim"));
        try (RawSeed impostor = RawSeed.corrupt(t.meta().infoHash(), honest.peerId(), InetAddress.getLoopbackAddress())) {
            assertTrue(impostor.connectTo(at(victimEngine), 10_000) > 0, "the impostor was asked for blocks");
            assertEquals(0, impostor.connectTo(at(victimEngine), 10_000), "and is refused when it comes back under that id");
        }
        victim.addPeers(List.of(at(honest)));
        victim.completed().get(60, TimeUnit.SECONDS);
        assertArrayEquals(t.data(), Files.readAllBytes(tmp.resolve("victim").resolve("app.tar.gz")));
        assertEquals(1, victim.stats().peersBanned());
    }

    @Test
    void piecesMixedFromAnHonestAndABadPeerBanOnlyTheBadOne() throws Exception {
        TorrentFixture t = fixture();
        // two clients that are asked 16 KiB at a time, so the blocks of one piece come from both; the honest one
        // answers every 20 ms: serving at once on loopback, it once gave the whole file in 61 ms, before the bad one
        // was asked anything (a CI run on a busy machine), and nothing was there to ban
        try (RawSeed good = RawSeed.batching(t, transmissionId('g'), java.time.Duration.ofMillis(20), loopback(1));
                RawSeed bad = RawSeed.corrupt(t.meta().infoHash(), transmissionId('b'), loopback(3))) {
            Path dir = tmp.resolve("victim");
            Torrent victim = download(engines.start(), t, dir);
            victim.addPeers(List.of(good.at(), bad.at()));
            victim.completed().get(60, TimeUnit.SECONDS);
            assertArrayEquals(t.data(), Files.readAllBytes(dir.resolve("app.tar.gz")));
            assertTrue(bad.requestLengths.size() > 0, "the bad peer was asked (and its blocks mixed into pieces)");
            assertTrue(victim.isBanned(loopback(3)).get(5, TimeUnit.SECONDS), "the peer that sent bad blocks is banned");
            assertFalse(victim.isBanned(loopback(1)).get(5, TimeUnit.SECONDS), "the honest peer is not");
            assertEquals(1, good.connections.get(), "the honest peer kept its one connection");
        }
    }

    /**
     * A peer that looks like ours (a murder peer id, the fast extension) asks the origin for every block first and
     * reads none: the first copies it holds go to the next peer to ask once its connection has taken nothing for
     * {@link FirstCopy#READER_STUCK}. Held for {@link FirstCopy#STUCK}, an honest peer's 2 MiB took a minute.
     */
    @Test
    void aPeerThatAsksTheOriginForEveryBlockFirstAndReadsNoneHoldsNoFirstCopy() throws Exception {
        TorrentFixture t = fixture();
        Engine seed = seed(t, EngineConfig.builder(), Clock.systemUTC(), SessionListener.NONE);
        Socket s = new Socket();
        sockets.add(s);
        s.setReceiveBufferSize(4096);
        s.bind(new InetSocketAddress(loopback(8), 0));
        s.connect(at(seed), 5_000);
        RawPeer hoarder = new RawPeer(s, t.meta().infoHash(), true, PeerId.random()); // unchoked by now
        for (int piece = 0; piece < t.meta().pieceCount(); piece++) {
            long length = t.meta().pieceSize(piece);
            for (int begin = 0; begin < length; begin += 16384) {
                RawPeer.request(hoarder.out(), piece, begin, (int) Math.min(16384, length - begin));
            }
        }
        hoarder.out().flush();
        while (hoarder.nextMessage() != RawPeer.PIECE) {
            // the origin serves it: it read the requests; from now on the hoarder reads nothing
        }
        Path dir = tmp.resolve("victim");
        Torrent victim = download(engines.start(), t, dir);
        victim.addPeers(List.of(at(seed)));
        victim.completed().get(30, TimeUnit.SECONDS);
        assertArrayEquals(t.data(), Files.readAllBytes(dir.resolve("app.tar.gz")));
    }

    @Test
    void aPeerThatTakesRequestsAndAnswersNoneIsDisconnectedAfterTheRequestTimeout() throws Exception {
        TorrentFixture t = fixture();
        MutableClock clock = MutableClock.fixture();
        try (RawSeed hoarder = RawSeed.hoarding(t.meta().infoHash(), transmissionId('h'), loopback(6))) {
            Path dir = tmp.resolve("victim");
            Torrent victim = download(engines.start(EngineConfig.builder(), clock), t, dir);
            victim.addPeers(List.of(hoarder.at()));
            assertTrue(hoarder.asked.await(10, TimeUnit.SECONDS), "the hoarder was asked for blocks");
            clock.advance(TorrentSession.REQUEST_TIMEOUT.minusSeconds(5));
            assertFalse(hoarder.dropped.await(3, TimeUnit.SECONDS), "still connected while its requests are younger than the timeout");
            clock.advance(java.time.Duration.ofSeconds(6));
            assertTrue(hoarder.dropped.await(10, TimeUnit.SECONDS), "disconnected once its requests waited the timeout");

            // the blocks it held go to an honest seed
            Engine honest = seed(t, EngineConfig.builder(), Clock.systemUTC(), SessionListener.NONE);
            victim.addPeers(List.of(at(honest)));
            victim.completed().get(60, TimeUnit.SECONDS);
            assertArrayEquals(t.data(), Files.readAllBytes(dir.resolve("app.tar.gz")));
        }
    }

    /** Handshakes with the seed and then says nothing at all. */
    private void silentPeer(Engine seed, TorrentFixture t) throws Exception {
        Socket s = new Socket();
        sockets.add(s);
        s.bind(new InetSocketAddress(loopback(5), 0));
        s.connect(at(seed), 5_000);
        s.setSoTimeout(10_000);
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        out.writeByte(19);
        out.writeBytes("BitTorrent protocol");
        out.write(new byte[8]);
        out.write(t.meta().infoHash().toBytes());
        out.write(PeerId.random().toBytes());
        out.flush();
        new DataInputStream(s.getInputStream()).readFully(new byte[68]);
    }

    @Test
    void silentPeersThatFillThePeerTableGiveTheirSlotsToAPeerThatWantsData() throws Exception {
        TorrentFixture t = fixture();
        MutableClock clock = MutableClock.fixture();
        CountDownLatch full = new CountDownLatch(1);
        Engine seed = seed(t, EngineConfig.builder().maxConnections(100), clock, new SessionListener() {
            @Override
            public void onProgress(Snapshot s) {
                if (s.peers() >= 100) {
                    full.countDown();
                }
            }
        });
        for (int i = 0; i < 150; i++) {
            silentPeer(seed, t);
        }
        assertTrue(full.await(30, TimeUnit.SECONDS), "100 silent peers hold every slot");
        clock.advance(IdleSlots.GRACE.plusSeconds(1));

        Path dir = tmp.resolve("late");
        Torrent late = download(engines.start(), t, dir);
        late.addPeers(List.of(at(seed)));
        // the engine retries a refused connection after 10 s and the silent peers would hold on for
        // the 3-minute idle timeout: this must come from the first connection
        late.completed().get(8, TimeUnit.SECONDS);
        assertArrayEquals(t.data(), Files.readAllBytes(dir.resolve("app.tar.gz")));
    }

    @Test
    void peersThatSayInterestedAndNeverAskGiveTheirUploadSlotsUp() throws Exception {
        TorrentFixture t = fixture();
        MutableClock clock = MutableClock.fixture();
        Engine seed = seed(t, EngineConfig.builder().maxUnchoked(4), clock, SessionListener.NONE);
        for (int i = 0; i < 4; i++) {
            Socket s = new Socket(InetAddress.getLoopbackAddress(), seed.port());
            sockets.add(s);
            new RawPeer(s, t.meta().infoHash(), true); // returns once unchoked; then asks for nothing
        }
        Path dir = tmp.resolve("late");
        Torrent late = download(engines.start(), t, dir);
        late.addPeers(List.of(at(seed)));
        clock.advance(IdleSlots.GRACE.plus(Duration.ofSeconds(1)));
        late.completed().get(20, TimeUnit.SECONDS);
        assertArrayEquals(t.data(), Files.readAllBytes(dir.resolve("app.tar.gz")));
    }

    /** A TCP connection to the engine that never sends a byte. */
    private Socket mute(Engine e) throws Exception {
        Socket s = new Socket();
        sockets.add(s);
        s.bind(new InetSocketAddress(loopback(6), 0));
        s.connect(at(e), 5_000);
        s.setSoTimeout(5_000);
        return s;
    }

    @Test
    void aConnectionWithoutAHandshakeIsClosedAfterTheHandshakeTimeout() throws Exception {
        TorrentFixture t = fixture();
        Engine seed = seed(t, EngineConfig.builder().handshakeTimeout(Duration.ofMillis(300)), Clock.systemUTC(),
                SessionListener.NONE);
        Socket s = mute(seed);
        assertEquals(-1, s.getInputStream().read(), "closed by the engine (a read timeout would throw)");
    }

    @Test
    void connectionsThatNeverHandshakeNeitherPileUpNorKeepARealPeerOut() throws Exception {
        TorrentFixture t = fixture();
        Engine seed = seed(t, EngineConfig.builder(), Clock.systemUTC(), SessionListener.NONE);
        List<Socket> mutes = new ArrayList<>();
        int extra = 44;
        for (int i = 0; i < Engine.MAX_AWAITING_HANDSHAKE + extra; i++) {
            mutes.add(mute(seed));
        }
        for (int i = 0; i < extra; i++) {
            assertEquals(-1, mutes.get(i).getInputStream().read(), "the oldest waiting connections are closed: " + i);
        }
        // a real peer arrives while 256 still wait (for the 10 s handshake timeout): the oldest makes room
        Path dir = tmp.resolve("real");
        Torrent real = download(engines.start(), t, dir);
        real.addPeers(List.of(at(seed)));
        real.completed().get(8, TimeUnit.SECONDS);
        assertArrayEquals(t.data(), Files.readAllBytes(dir.resolve("app.tar.gz")));
    }
}
