package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.epoll.Epoll;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.PortRange;
import org.murder.peer.storage.Storage;

/**
 * A seed whose sockets are full sends what waits in its {@link SendOrder}: a piece no peer has
 * before common ones asked earlier; and a peer that stops reading does not hold its uplink from the
 * others ({@link SendAhead}). Plain-socket peers on loopback whose small receive buffers fill the
 * seed's sockets.
 */
@Timeout(60)
class SeedSendOrderTest {
    private static final int PIECE = 256 * 1024;
    private static final int BLOCK = 16 * 1024;
    private static final int BLOCKS = PIECE / BLOCK;

    @TempDir
    Path tmp;

    private TorrentFixture t;
    private Engine seed;

    @BeforeEach
    void seed() throws Exception {
        t = TorrentFixture.create(tmp.resolve("seed"), "r.bin", 8 * PIECE, PIECE, List.of(), 5);
        seed = Engine.start(EngineConfig.builder().portRange(new PortRange(48000, 48999))
                .bindAddress(InetAddress.getLoopbackAddress()).maxQueuedUploads(64).build(), Clock.systemUTC());
        seed.add(t.meta(), Storage.forSeeding(t.meta(), t.file()), SessionOptions.seedForever(), SessionListener.NONE)
                .completed().get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        seed.close();
    }

    private Socket slowReader() throws IOException {
        return slowReader(4096);
    }

    private Socket slowReader(int receiveBuffer) throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(receiveBuffer); // before connecting: the window it offers stays small
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), seed.port()));
        return s;
    }

    private static void request(DataOutputStream out, int piece, int block) throws IOException {
        RawPeer.request(out, piece, block * BLOCK, BLOCK);
    }

    private static void have(DataOutputStream out, int piece) throws IOException {
        out.writeInt(5);
        out.writeByte(4);
        out.writeInt(piece);
    }

    /** Reads the next piece message; returns its piece index. */
    private static int nextBlock(DataInputStream in) throws IOException {
        while (true) {
            int length = in.readInt();
            if (length == 0) {
                continue;
            }
            int id = in.readUnsignedByte();
            if (id == RawPeer.PIECE) {
                int piece = in.readInt();
                in.skipNBytes(length - 5);
                return piece;
            }
            in.skipNBytes(length - 1);
        }
    }

    @Test
    void aPieceNoPeerHasOvertakesCommonOnesAskedBefore() throws Exception {
        assumeTrue(Epoll.isAvailable(), "the sockets hold little unsent only with the epoll transport");
        try (Socket holder = new Socket(InetAddress.getLoopbackAddress(), seed.port()); Socket reader = slowReader(65536)) {
            RawPeer h = new RawPeer(holder, t.meta().infoHash(), false);
            for (int p : new int[] {0, 2, 3}) {
                have(h.out(), p);
            }
            h.out().flush();
            assertEquals(RawPeer.PIECE, h.ask(7, 0), "answered: the seed has read the haves before it"); // in order
            RawPeer r = new RawPeer(reader, t.meta().infoHash(), false);
            // every request in one write, so the seed reads them together: written one field at a time, the first
            // ones went out alone (Nagle), and in some runs the seed had set the common blocks aside for this
            // slow reader, in the order asked, before it read the rare ones
            java.io.ByteArrayOutputStream asks = new java.io.ByteArrayOutputStream();
            DataOutputStream batch = new DataOutputStream(asks);
            for (int p : new int[] {0, 2, 3}) { // 48 blocks of pieces one peer has
                for (int b = 0; b < BLOCKS; b++) {
                    request(batch, p, b);
                }
            }
            for (int b = 0; b < 4; b++) { // then 4 of one no peer has
                request(batch, 1, b);
            }
            r.out().write(asks.toByteArray());
            r.out().flush();
            // the reader reads nothing until the seed answered the holder again (one I/O thread reads both, the reader's
            // requests were sent first): until then its socket takes a few blocks and the rest wait in the send order. Read
            // at once (or through a 4 KiB buffer, which loopback TCP handles erratically), the socket took each common
            // block as it was handed and the rare ones came last in about half the runs
            assertEquals(RawPeer.PIECE, h.ask(7, BLOCK), "the holder answered after the reader's requests were read");
            List<Integer> arrived = new ArrayList<>();
            for (int i = 0; i < 3 * BLOCKS + 4; i++) {
                arrived.add(nextBlock(r.in()));
            }
            int lastRare = arrived.lastIndexOf(1);
            assertEquals(4, arrived.stream().filter(p -> p == 1).count());
            assertTrue(arrived.size() - 1 - lastRare >= BLOCKS,
                    "at least a piece of the common blocks asked before came after the rare ones: " + arrived);
        }
    }

    @Test
    void aCancelledBlockThatStillWaitsIsRejectedNotSent() throws Exception {
        assumeTrue(Epoll.isAvailable(), "the sockets hold little unsent only with the epoll transport");
        try (Socket reader = slowReader(); Socket other = new Socket(InetAddress.getLoopbackAddress(), seed.port())) {
            RawPeer probe = new RawPeer(other, t.meta().infoHash(), false);
            RawPeer r = new RawPeer(reader, t.meta().infoHash(), true);
            int asked = 3 * BLOCKS;
            for (int b = 0; b < asked; b++) {
                request(r.out(), b / BLOCKS, b % BLOCKS);
            }
            r.out().flush();
            // the seed's socket to us is full long before the last block: it still waits; cancel it
            assertEquals(RawPeer.PIECE, probe.ask(6, 0), "the other peer answered after our requests were read");
            r.out().writeInt(13);
            r.out().writeByte(8);
            r.out().writeInt(2);
            r.out().writeInt((BLOCKS - 1) * BLOCK);
            r.out().writeInt(BLOCK);
            r.out().flush();
            // nothing read from the seed until it answered another peer's request sent after the cancel (one I/O thread
            // reads both): read at once, our reading let the socket take block after block, the last one too in about one
            // run in five before the seed read the cancel
            assertEquals(RawPeer.PIECE, probe.ask(7, 0), "the other peer answered after the cancel was read");
            int pieces = 0;
            int rejects = 0;
            while (pieces + rejects < asked) {
                int length = r.in().readInt();
                if (length == 0) {
                    continue;
                }
                int id = r.in().readUnsignedByte();
                if (id == RawPeer.PIECE || id == RawPeer.REJECT) {
                    int piece = r.in().readInt();
                    int begin = r.in().readInt();
                    r.in().skipNBytes(length - 9);
                    if (id == RawPeer.REJECT) {
                        rejects++;
                        assertEquals(2 * PIECE + (BLOCKS - 1) * BLOCK, piece * PIECE + begin, "the cancelled block");
                    } else {
                        pieces++;
                        assertTrue(piece != 2 || begin != (BLOCKS - 1) * BLOCK, "the cancelled block was sent");
                    }
                } else {
                    r.in().skipNBytes(length - 1);
                }
            }
            assertEquals(1, rejects);
            assertEquals(asked - 1, pieces);
        }
    }

    @Test
    void peersThatStopReadingDoNotHoldTheUplinkFromTheOthers() throws Exception {
        List<Socket> stuck = new ArrayList<>();
        Engine good = Engine.start(EngineConfig.builder().portRange(new PortRange(48000, 48999))
                .bindAddress(InetAddress.getLoopbackAddress()).build(), Clock.systemUTC());
        try {
            for (int i = 0; i < 3; i++) {
                Socket s = slowReader();
                stuck.add(s);
                RawPeer p = new RawPeer(s, t.meta().infoHash(), false);
                for (int b = 0; b < 60; b++) { // within the queue limit, never read
                    request(p.out(), b / BLOCKS, b % BLOCKS);
                }
                p.out().flush();
            }
            Path dest = Files.createDirectories(tmp.resolve("good"));
            Torrent download = good.add(t.meta(), Storage.forDownload(t.meta(), dest),
                    SessionOptions.download(Optional.of(t.md5()), Optional.empty()), SessionListener.NONE);
            download.addPeers(List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), seed.port())));
            download.completed().get(40, TimeUnit.SECONDS);
            assertArrayEquals(t.data(), Files.readAllBytes(dest.resolve("r.bin")));
        } finally {
            good.close();
            for (Socket s : stuck) {
                s.close();
            }
        }
    }
}
