package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.PeerId;
import org.murder.core.PortRange;
import org.murder.peer.storage.Storage;
import org.murder.testkit.MutableClock;

/**
 * The origin seed sends a piece's first copy to one peer at a time: a second fast-extension peer
 * asking for the same piece while the first still fetches it gets Reject Request; other pieces,
 * and asks after the window, are served. Peers are plain sockets, time is a {@link MutableClock}.
 */
@Timeout(60)
class FirstCopyTest {
    private static final int PIECE = 64 * 1024;
    private static final int PIECE_MSG = 7;
    private static final int REJECT = 16;

    @TempDir
    Path tmp;

    private final MutableClock clock = MutableClock.fixture();
    private TorrentFixture t;
    private Engine seed;

    @BeforeEach
    void seed() throws Exception {
        t = TorrentFixture.create(tmp.resolve("seed"), "r.bin", 4 * PIECE, PIECE, List.of(), 3);
        seed = Engine.start(EngineConfig.builder().portRange(new PortRange(47000, 47999))
                .bindAddress(InetAddress.getLoopbackAddress()).build(), clock);
        seed.add(t.meta(), Storage.forSeeding(t.meta(), t.file()), SessionOptions.seedForever(), SessionListener.NONE)
                .completed().get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        seed.close();
    }

    /** A peer on a plain socket, with or without the fast extension, unchoked by the seed. */
    private final class RawPeer implements AutoCloseable {
        private final Socket socket = new Socket(InetAddress.getLoopbackAddress(), seed.port());
        private final DataInputStream in;
        private final DataOutputStream out;

        RawPeer(boolean fast) throws IOException {
            socket.setSoTimeout(10_000);
            in = new DataInputStream(socket.getInputStream());
            out = new DataOutputStream(socket.getOutputStream());
            out.writeByte(19);
            out.writeBytes("BitTorrent protocol");
            out.write(new byte[] {0, 0, 0, 0, 0, 0, 0, (byte) (fast ? 0x04 : 0)});
            out.write(t.meta().infoHash().toBytes());
            out.write(PeerId.random().toBytes());
            out.writeInt(1);
            out.writeByte(2); // interested
            out.flush();
            in.readFully(new byte[68]);
            while (nextMessage() != 1) {
                // have all, bitfield: until unchoke
            }
        }

        /** Reads one message; returns its id (-1 for a keep-alive). */
        int nextMessage() throws IOException {
            int length = in.readInt();
            if (length == 0) {
                return -1;
            }
            int id = in.readUnsignedByte();
            in.skipNBytes(length - 1);
            return id;
        }

        /** Asks for the first block of a piece; returns the id of the answer (piece or reject). */
        int ask(int piece) throws IOException {
            return ask(piece, 0);
        }

        int ask(int piece, int begin) throws IOException {
            out.writeInt(13);
            out.writeByte(6);
            out.writeInt(piece);
            out.writeInt(begin);
            out.writeInt(16384);
            out.flush();
            while (true) {
                int id = nextMessage();
                if (id == PIECE_MSG || id == REJECT) {
                    return id;
                }
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void aSecondPeerAskingForAPieceOnItsWayToAnotherIsRejectedWhileThatOneStillAsks() throws Exception {
        try (RawPeer a = new RawPeer(true); RawPeer b = new RawPeer(true)) {
            assertEquals(PIECE_MSG, a.ask(0), "the first copy of piece 0 goes to A");
            assertEquals(REJECT, b.ask(0), "B is to get piece 0 from A");
            assertEquals(PIECE_MSG, b.ask(1), "piece 1 is new: B gets it");
            clock.advance(Duration.ofMillis(1500));
            assertEquals(PIECE_MSG, a.ask(0), "A gets the rest of its piece");
            clock.advance(Duration.ofMillis(1500));
            assertEquals(REJECT, b.ask(0), "A asked 1.5 s ago: still A's");
            clock.advance(Duration.ofSeconds(1));
            assertEquals(PIECE_MSG, b.ask(0), "2.5 s after A's last ask anyone is served");
        }
    }

    @Test
    void aPeerWithoutTheFastExtensionIsServed() throws Exception {
        try (RawPeer a = new RawPeer(true); RawPeer old = new RawPeer(false)) {
            assertEquals(PIECE_MSG, a.ask(2));
            assertEquals(PIECE_MSG, old.ask(2), "it could not understand a reject: served as before");
        }
    }
}
