package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.PortRange;
import org.murder.core.Rate;
import org.murder.peer.storage.Storage;

/**
 * A download whose way to its only source goes dead in the middle (a network cut): the connection's
 * sockets stay open at both ends and carry nothing, as TCP's do while it retransmits into a cut link.
 * The downloader drops it after {@link TorrentSession#NOTHING_FROM_ANYONE} and dials again, and the
 * seed takes the new connection for the silent one ({@link PeerSet#SILENT}). Before, the downloader
 * waited for {@link TorrentSession#REQUEST_TIMEOUT} (60 s), and the seed then refused its new
 * connection as a duplicate for as long as the dead one stayed open.
 */
class NetworkCutTest {
    private static final int SIZE = 2 * 1024 * 1024 + 777;
    private static final int PIECE = 128 * 1024;

    @TempDir
    Path tmp;

    private final LoopbackEngines engines = new LoopbackEngines(new PortRange(44000, 44999));
    private Relay relay;

    @AfterEach
    void close() throws Exception {
        if (relay != null) {
            relay.close();
        }
        engines.close();
    }

    @Test
    void aDownloadWhoseConnectionWentDeadDialsAgainAndTheSeedTakesTheNewConnection() throws Exception {
        TorrentFixture t = TorrentFixture.create(tmp.resolve("seed"), "app.tar.gz", SIZE, PIECE, List.of(), 5);
        Engine seed = engines.start(EngineConfig.builder().maxUp(new Rate(512 * 1024)), Clock.systemUTC());
        seed.add(t.meta(), Storage.forSeeding(t.meta(), t.file()), SessionOptions.seedForever(), SessionListener.NONE)
                .completed().get(30, TimeUnit.SECONDS);
        relay = new Relay(new InetSocketAddress(InetAddress.getLoopbackAddress(), seed.port()));

        CountDownLatch aQuarter = new CountDownLatch(1);
        Path dir = tmp.resolve("down");
        Files.createDirectories(dir);
        Torrent download = engines.start().add(t.meta(), Storage.forDownload(t.meta(), dir),
                SessionOptions.download(Optional.of(t.md5()), Optional.empty()), new SessionListener() {
                    @Override
                    public void onProgress(Snapshot s) {
                        if (s.verified() * 4 >= s.total()) {
                            aQuarter.countDown();
                        }
                    }
                });
        download.addPeers(List.of(relay.address()));
        assertTrue(aQuarter.await(30, TimeUnit.SECONDS), "a quarter of it came through the relay");
        relay.cut();

        assertTrue(relay.secondConnection.await(30, TimeUnit.SECONDS), "the downloader dialled again within 30 s of the cut");
        download.completed().get(30, TimeUnit.SECONDS);
        assertArrayEquals(t.data(), Files.readAllBytes(dir.resolve("app.tar.gz")));
    }

    /**
     * Relays connections to a target; {@link #cut} kills the way of every connection relayed so far:
     * nothing more is read from either end of them, nothing forwarded, and their sockets stay open.
     * Connections made after the cut are relayed.
     */
    private static final class Relay implements AutoCloseable {
        private final ServerSocket server;
        private final InetSocketAddress target;
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();
        private final AtomicInteger generation = new AtomicInteger();
        private final CountDownLatch closed = new CountDownLatch(1);
        final CountDownLatch secondConnection = new CountDownLatch(1);
        private int accepted;

        Relay(InetSocketAddress target) throws IOException {
            this.target = target;
            this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread t = new Thread(this::accept, "relay-accept");
            t.setDaemon(true);
            t.start();
        }

        InetSocketAddress address() {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
        }

        void cut() {
            generation.incrementAndGet();
        }

        private void accept() {
            for (int i = 0; i < 100 && !server.isClosed(); i++) { // bounded: the test makes a few
                try {
                    Socket in = server.accept();
                    Socket out = new Socket(target.getAddress(), target.getPort());
                    sockets.add(in);
                    sockets.add(out);
                    int gen = generation.get();
                    pipe(in, out, gen);
                    pipe(out, in, gen);
                    if (++accepted == 2) {
                        secondConnection.countDown();
                    }
                } catch (IOException e) {
                    return; // closed
                }
            }
        }

        private void pipe(Socket from, Socket to, int gen) {
            Thread t = new Thread(() -> {
                byte[] buffer = new byte[16 * 1024];
                try {
                    InputStream in = from.getInputStream();
                    OutputStream out = to.getOutputStream();
                    int n;
                    while ((n = in.read(buffer)) >= 0 && generation.get() == gen) {
                        out.write(buffer, 0, n);
                    }
                } catch (IOException e) {
                    // an end closed or reset
                }
                try {
                    if (generation.get() != gen) {
                        closed.await(); // a dead way: nothing read or forwarded any more, not even a close; the sockets stay open
                    }
                    to.close(); // the way is alive: the close goes through
                } catch (IOException | InterruptedException e) {
                    // closing anyway
                }
            }, "relay-pipe");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() throws IOException {
            closed.countDown();
            server.close();
            for (Socket s : sockets) {
                s.close();
            }
        }
    }
}
