package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.PeerId;
import org.murder.core.PortRange;
import org.murder.peer.storage.Storage;
import org.murder.testkit.MutableClock;

/**
 * News of a piece goes at once to the peers it can change something for (those we unchoke, those
 * not interested in us yet) and, to a peer waiting for one of our upload slots, with the next flush
 * to it (a read from it, a fill of every connection, the tick's at the latest: {@link
 * TorrentSession#checked}; a segment per peer and piece otherwise). This proves that such a peer is not left without them: it would fail if nothing
 * flushed them (it does not tell when they went). Over loopback sockets: a leecher with one upload
 * slot, one plain-socket peer holding it and one waiting, and a plain-socket seed it downloads from.
 */
@Timeout(60)
class OwedHavesTest {
    private static final int PIECE = 32 * 1024;
    private static final int PIECES = 8;
    private static final int HAVE = 4;
    private static final int UNCHOKE = 1;

    @TempDir
    Path tmp;

    private final LoopbackEngines engines = new LoopbackEngines(new PortRange(47000, 47999));

    @AfterEach
    void close() {
        engines.close();
    }

    /**
     * The download does not finish (the seed keeps the last piece): the Haves the waiting peer gets
     * are not carried by the flush at completion, nor by an unchoke.
     */
    @Test
    void aPeerWaitingForOurSlotHearsOfEveryPieceWithoutBeingUnchoked() throws Exception {
        TorrentFixture t = TorrentFixture.create(tmp.resolve("seed"), "r.bin", PIECES * PIECE, PIECE, List.of(), 11);
        // a clock that does not move: the holder asks nothing, and no idle-slot rule (IdleSlots.GRACE, 5 s) may hand its slot
        // to the waiting peer while the test runs, however slow the machine; the tick itself runs on the loop's timer
        Engine leecher = engines.start(EngineConfig.builder().maxUnchoked(1), MutableClock.fixture());
        Path dir = tmp.resolve("leech");
        Files.createDirectories(dir);
        Torrent session = leecher.add(t.meta(), Storage.forDownload(t.meta(), dir),
                SessionOptions.download(Optional.of(t.md5()), Optional.empty()), SessionListener.NONE);
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (Socket holderSocket = new Socket(lo, leecher.port()); Socket waiterSocket = new Socket(lo, leecher.port());
                RawSeed seed = RawSeed.servingAllBut(t, PeerId.random(), PIECES - 1)) {
            RawPeer holder = new RawPeer(holderSocket, t.meta().infoHash(), true); // returns once unchoked: the only slot
            DataInputStream waiter = RawPeer.interestedOnly(waiterSocket, t.meta().infoHash(), true).in();
            session.addPeers(List.of(seed.at()));

            assertEquals(all(), haves(holder.in(), new ArrayList<>()), "the slot's holder hears of every piece it got");
            assertFalse(session.completed().isDone(), "the last piece is kept from it");
            List<Integer> others = new ArrayList<>();
            assertEquals(all(), haves(waiter, others), "the waiting peer hears of every piece too, with a later flush");
            assertEquals(List.of(), others.stream().filter(id -> id == UNCHOKE).toList(), "and not with an unchoke");
        }
    }

    /** Reads messages until Haves of every piece but the last came (a read timeout fails the test); the other ids go to {@code others}. */
    private static BitSet haves(DataInputStream in, List<Integer> others) throws IOException {
        BitSet seen = new BitSet();
        while (seen.cardinality() < PIECES - 1) {
            int length = in.readInt();
            if (length == 0) {
                continue;
            }
            int id = in.readUnsignedByte();
            if (id == HAVE) {
                seen.set(in.readInt());
                in.skipNBytes(length - 5);
            } else {
                others.add(id);
                in.skipNBytes(length - 1);
            }
        }
        return seen;
    }

    private static BitSet all() {
        BitSet b = new BitSet();
        b.set(0, PIECES - 1);
        return b;
    }
}
