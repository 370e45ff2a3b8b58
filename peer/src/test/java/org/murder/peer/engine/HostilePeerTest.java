package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.PeerId;
import org.murder.core.PortRange;
import org.murder.peer.storage.Storage;
import org.murder.peer.wire.MessageDecoder;

/**
 * A seed facing misbehaving clients written with plain sockets: each is disconnected, and a well
 * behaved peer downloading at the same time is not disturbed.
 */
@Timeout(60)
class HostilePeerTest {
    private static final int PIECE = 64 * 1024;

    @TempDir
    Path tmp;

    private TorrentFixture t;
    private Engine seed;

    @BeforeEach
    void seed() throws Exception {
        t = TorrentFixture.create(tmp.resolve("seed"), "r.bin", 10 * PIECE + 5, PIECE, List.of(), 3);
        seed = Engine.start(EngineConfig.builder().portRange(new PortRange(48000, 48999))
                .bindAddress(InetAddress.getLoopbackAddress()).maxQueuedUploads(64).build(), Clock.systemUTC());
        seed.add(t.meta(), Storage.forSeeding(t.meta(), t.file()), SessionOptions.seedForever(), SessionListener.NONE)
                .completed().get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        seed.close();
    }

    /** Handshakes, says interested, and waits to be unchoked; returns the streams. */
    private Object[] connect(Socket s) throws IOException {
        RawPeer p = new RawPeer(s, t.meta().infoHash(), false);
        return new Object[] {p.in(), p.out()};
    }

    /** Reads until the seed closes the connection; true when it did within the socket timeout. */
    private static boolean closedBySeed(DataInputStream in) {
        try {
            while (true) {
                int length = in.readInt();
                in.skipNBytes(length);
            }
        } catch (EOFException | SocketException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void request(DataOutputStream out, int piece, int begin, int length) throws IOException {
        RawPeer.request(out, piece, begin, length);
    }

    @Test
    void aRequestBeyondThePieceClosesThatConnection() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), seed.port())) {
            Object[] io = connect(s);
            request((DataOutputStream) io[1], 0, PIECE - 100, 16384);
            ((DataOutputStream) io[1]).flush();
            assertTrue(closedBySeed((DataInputStream) io[0]));
        }
    }

    @Test
    void aRequestLargerThan128KiBClosesThatConnection() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), seed.port())) {
            Object[] io = connect(s);
            request((DataOutputStream) io[1], 0, 0, 128 * 1024 + 1);
            ((DataOutputStream) io[1]).flush();
            assertTrue(closedBySeed((DataInputStream) io[0]));
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 60, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
    void aFloodOfRequestsThatIsNeverReadClosesThatConnection() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), seed.port())) { // the kernel's receive buffer: see below
            Object[] io = connect(s);
            DataOutputStream out = (DataOutputStream) io[1];
            try {
                for (int i = 0; i < 20_000; i++) {
                    request(out, i % 10, 0, 16384);
                }
                out.flush();
            } catch (SocketException closedWhileWriting) {
                return; // the seed hung up while we were still flooding
            }
            assertTrue(closedBySeed((DataInputStream) io[0]));
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 60, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
    void aPeerThatReadsNoneOfItsRejectsIsClosedBeforeTheyPileUp() throws Exception {
        // fast extension, never interested: every request earns a Reject; a hostile client sent them by the million and
        // read nothing, and the origin held every Reject until it ran out of memory
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), seed.port())) { // the kernel's receive buffer: see below
            s.setSoTimeout(10_000);
            DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(s.getOutputStream(), 64 * 1024));
            out.writeByte(19);
            out.writeBytes("BitTorrent protocol");
            out.write(new byte[] {0, 0, 0, 0, 0, 0, 0, 0x04});
            out.write(t.meta().infoHash().toBytes());
            out.write(PeerId.random().toBytes());
            try {
                for (int i = 0; i < 2_000_000; i++) { // 34 MB of requests, at most: unbounded Rejects would be 34 MB and more
                    request(out, i % 10, 0, 16384);
                }
                out.flush();
            } catch (SocketException closedWhileWriting) {
                return; // the seed hung up on us while we were still writing
            }
            assertTrue(closedBySeed(new DataInputStream(s.getInputStream())), "the seed kept a connection that reads nothing");
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 60, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
    void aPeerThatFlipsInterestAndReadsNoneOfTheChokesItEarnsIsReset() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), seed.port())) {
            // its receive buffer as the kernel makes it: one of 4 KiB, under loopback's 64 KiB segments, stalled TCP itself
            // now and then (each end dropping the other's segments, retrying minutes apart), before the seed saw anything
            s.setSoTimeout(10_000);
            DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(s.getOutputStream(), 64 * 1024));
            out.writeByte(19);
            out.writeBytes("BitTorrent protocol");
            out.write(new byte[8]);
            out.write(t.meta().infoHash().toBytes());
            out.write(PeerId.random().toBytes());
            try {
                for (int i = 0; i < 2_000_000; i++) { // interested, not interested: an Unchoke and a Choke each time
                    out.writeInt(1);
                    out.writeByte(2);
                    out.writeInt(1);
                    out.writeByte(3);
                }
                out.flush();
            } catch (SocketException closedWhileWriting) {
                return; // the seed reset the connection while we were still writing
            }
            assertTrue(closedBySeed(new DataInputStream(s.getInputStream())), "the seed kept a connection that reads nothing");
        }
    }

    @Test
    void aFrameLargerThanTheTorrentCanNeedClosesThatConnectionAtItsLength() throws Exception {
        // 1 MiB used to be let in whatever the torrent: a hundred peers each holding most of one pinned 140 MB
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), seed.port())) {
            RawPeer p = RawPeer.interestedOnly(s, t.meta().infoHash(), false);
            p.out().writeInt(MessageDecoder.maxFrameFor(t.meta().pieceCount()) + 1);
            p.out().writeByte(7);
            p.out().flush();
            assertTrue(closedBySeed(p.in()));
        }
    }

    /**
     * A stream of valid control messages from a peer that reads all it is sent (here keep-alives; Suggest
     * Piece, interest and the like count too): closed past its second's allowance. Two such connections held a seed's loop busy enough that
     * an honest download took 8 times as long.
     */
    @Test
    @org.junit.jupiter.api.Timeout(value = 60, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
    void aStreamOfControlMessagesClosesThatConnection() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), seed.port())) {
            Object[] io = connect(s);
            DataOutputStream out = (DataOutputStream) io[1];
            try {
                for (int i = 0; i < 10 * PeerConnection.MAX_CONTROL_PER_SECOND; i++) {
                    out.writeInt(0); // keep-alive: valid in any state, and nothing else would close the connection
                }
                out.flush();
            } catch (SocketException closedWhileWriting) {
                return; // the seed reset the connection while we were still writing
            }
            assertTrue(closedBySeed((DataInputStream) io[0]), "the seed kept a connection that streams control messages");
        }
    }

    @Test
    void garbageAfterTheHandshakeClosesOnlyThatConnection() throws Exception {
        Path dest = Files.createDirectories(tmp.resolve("good"));
        Engine good = Engine.start(EngineConfig.builder().portRange(new PortRange(48000, 48999))
                .bindAddress(InetAddress.getLoopbackAddress()).build(), Clock.systemUTC());
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), seed.port())) {
            Object[] io = connect(s);
            DataOutputStream out = (DataOutputStream) io[1];
            out.writeInt(3);
            out.write(new byte[] {99, 1, 2}); // unknown message id 99
            out.flush();
            Torrent download = good.add(t.meta(), Storage.forDownload(t.meta(), dest),
                    SessionOptions.download(Optional.of(t.md5()), Optional.empty()), SessionListener.NONE);
            download.addPeers(List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), seed.port())));
            assertTrue(closedBySeed((DataInputStream) io[0]));
            download.completed().get(30, TimeUnit.SECONDS);
            assertArrayEquals(t.data(), Files.readAllBytes(dest.resolve("r.bin")));
        } finally {
            good.close();
        }
    }

    /**
     * A peer id is what a peer claims: a client on another address that reached a new downloader
     * first with the seed's id (a tracker's dictionary answer names it) and then sent nothing kept
     * the real seed out ("already connected to"), and the download had no data from anyone.
     */
    @Test
    void aPeerClaimingTheSeedsIdFromAnotherAddressDoesNotKeepTheSeedOut() throws Exception {
        Path dest = Files.createDirectories(tmp.resolve("victim"));
        Engine victim = Engine.start(EngineConfig.builder().portRange(new PortRange(48000, 48999))
                .bindAddress(InetAddress.getLoopbackAddress()).build(), Clock.systemUTC());
        try (Socket s = new Socket()) {
            Torrent download = victim.add(t.meta(), Storage.forDownload(t.meta(), dest),
                    SessionOptions.download(Optional.of(t.md5()), Optional.empty()), SessionListener.NONE);
            s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), victim.port()));
            RawPeer impostor = RawPeer.claiming(s, t.meta().infoHash(), true, seed.peerId());
            assertEquals(RawPeer.HAVE_NONE, impostor.nextMessage(), "admitted: it is told what the downloader has");
            download.addPeers(List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), seed.port())));
            download.completed().get(30, TimeUnit.SECONDS);
            assertArrayEquals(t.data(), Files.readAllBytes(dest.resolve("r.bin")));
        } finally {
            victim.close();
        }
    }

    @Test
    void anEncryptedOpeningIsClosedAndTheListenerKeepsServing() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), seed.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(new byte[] {(byte) 0xc3, 0x11, 0x42, 0x07, 0x55});
            s.getOutputStream().flush();
            assertEquals(-1, s.getInputStream().read(), "closed without an answer");
        }
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), seed.port())) {
            connect(s); // a proper peer right after is served
        }
    }
}
