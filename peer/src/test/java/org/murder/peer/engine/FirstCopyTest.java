package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
 * The origin seed sends a piece's first copy to one peer at a time: a second fast-extension murder peer
 * asking for the same piece while the first still fetches it gets Reject Request; other pieces,
 * and asks after the window, are served. Peers are plain sockets, time is a {@link MutableClock}.
 */
@Timeout(60)
class FirstCopyTest {
    private static final int PIECE = 64 * 1024;
    private static final int PIECE_MSG = RawPeer.PIECE;
    private static final int REJECT = RawPeer.REJECT;

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

    /** A {@link RawPeer} on its own socket. */
    private final class Peer implements AutoCloseable {
        private final Socket socket = new Socket(InetAddress.getLoopbackAddress(), seed.port());
        private final RawPeer raw;

        Peer(boolean fast) throws IOException {
            raw = new RawPeer(socket, t.meta().infoHash(), fast);
        }

        Peer(PeerId id) throws IOException {
            raw = new RawPeer(socket, t.meta().infoHash(), true, id);
        }

        int ask(int piece) throws IOException {
            return raw.ask(piece, 0);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void aSecondMurderPeerAskingForAPieceOnItsWayToAnotherIsRejected() throws Exception {
        // the window's timing is FirstCopyWindowTest's; this is the seed applying the policy on the wire
        try (Peer a = new Peer(true); Peer b = new Peer(true)) {
            assertEquals(PIECE_MSG, a.ask(0), "the first copy of piece 0 goes to A");
            assertEquals(REJECT, b.ask(0), "B is to get piece 0 from A");
            assertEquals(PIECE_MSG, b.ask(1), "piece 1 is new: B gets it");
            clock.advance(FirstCopy.WINDOW);
            assertEquals(PIECE_MSG, b.ask(0), "after the window since A's last ask anyone is served");
        }
    }

    @Test
    void anotherClientIsServed() throws Exception {
        PeerId aria2c = PeerId.of("A2-1-36-0-0123456789".getBytes(StandardCharsets.US_ASCII));
        try (Peer a = new Peer(true); Peer other = new Peer(aria2c)) {
            assertEquals(PIECE_MSG, a.ask(1));
            assertEquals(PIECE_MSG, other.ask(1), "rejects are for murder peers, which fetch the piece from A instead");
        }
    }

    @Test
    void aPeerWithoutTheFastExtensionIsServed() throws Exception {
        try (Peer a = new Peer(true); Peer old = new Peer(false)) {
            assertEquals(PIECE_MSG, a.ask(2));
            assertEquals(PIECE_MSG, old.ask(2), "it could not understand a reject: served as before");
        }
    }
}
