package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.DataOutputStream;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.PortRange;
import org.murder.peer.storage.Storage;

/**
 * Over real sockets: peers that ask a seed for blocks, take the first one and then read nothing
 * (their receive windows shut) do not hold the seed's uplink from a peer that reads. Two of them
 * fill what the seed hands out ahead of its sockets ({@link SendAhead}: each may hold half), so
 * without the stall check the honest download would get nothing while they stay connected.
 */
@Timeout(90)
class StuckReadersTest {
    private static final int PIECE = 256 * 1024;
    private static final int BLOCK = 16 * 1024;

    @TempDir
    Path tmp;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private Engine engine() throws Exception {
        Engine e = Engine.start(EngineConfig.builder().portRange(new PortRange(48000, 48999))
                .bindAddress(InetAddress.getLoopbackAddress()).build(), Clock.systemUTC());
        open.add(e::close);
        return e;
    }

    /** A peer on 127.0.0.{@code last} that asks for {@code blocks} blocks, reads the first and then nothing. */
    private void stuckReader(TorrentFixture t, Engine seed, int last, int blocks) throws Exception {
        Socket s = new Socket();
        open.add(s);
        s.setReceiveBufferSize(4096); // before connecting: the window it offers stays small
        s.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) last}), 0));
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), seed.port()), 5_000);
        RawPeer p = new RawPeer(s, t.meta().infoHash(), false);
        DataOutputStream out = p.out();
        for (int i = 0; i < blocks; i++) {
            RawPeer.request(out, i * BLOCK / PIECE, i * BLOCK % PIECE, BLOCK);
        }
        out.flush();
        int id;
        do {
            id = p.nextMessage();
        } while (id != RawPeer.PIECE && id != RawPeer.REJECT);
        assertEquals(RawPeer.PIECE, id, "the seed served the stuck reader before it stopped reading");
    }

    @Test
    void twoPeersThatStopReadingDoNotHoldTheSeedFromOneThatReads() throws Exception {
        TorrentFixture t = TorrentFixture.create(tmp.resolve("seed"), "r.bin", 16 * 1024 * 1024 + 7, PIECE, List.of(), 5);
        Engine seed = engine();
        seed.add(t.meta(), Storage.forSeeding(t.meta(), t.file()), SessionOptions.seedForever(), SessionListener.NONE)
                .completed().get(20, TimeUnit.SECONDS);
        stuckReader(t, seed, 5, 256); // 4 MiB asked of it each: more than the seed hands out ahead
        stuckReader(t, seed, 6, 256);

        Path dest = Files.createDirectories(tmp.resolve("honest"));
        Torrent download = engine().add(t.meta(), Storage.forDownload(t.meta(), dest),
                SessionOptions.download(Optional.of(t.md5()), Optional.empty()), SessionListener.NONE);
        download.addPeers(List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), seed.port())));
        download.completed().get(60, TimeUnit.SECONDS);
        assertArrayEquals(t.data(), Files.readAllBytes(dest.resolve("r.bin")));
    }
}
