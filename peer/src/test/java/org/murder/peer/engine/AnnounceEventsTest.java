package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.PortRange;
import org.murder.peer.storage.Storage;

/** What a downloading peer tells a real HTTP tracker (a small one in the test) and in which order. */
@Timeout(60)
class AnnounceEventsTest {
    @TempDir
    Path tmp;

    private final LoopbackEngines engines = new LoopbackEngines(new PortRange(43000, 43999));
    private HttpServer tracker;

    @AfterEach
    void close() {
        engines.close();
        if (tracker != null) {
            tracker.stop(0);
        }
    }

    private Engine engine() {
        return engines.start();
    }

    @Test
    void completedIsSentEvenWhenTheDownloadFinishesWhileStartedIsInFlight() throws Exception {
        CountDownLatch downloaded = new CountDownLatch(1);
        LinkedBlockingQueue<String> leecherEvents = new LinkedBlockingQueue<>();
        tracker = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        tracker.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        tracker.createContext("/announce", x -> {
            String query = x.getRequestURI().getRawQuery();
            String event = query.replaceAll(".*event=([a-z]+).*", "$1");
            if (!query.contains("event=")) {
                event = "(none)";
            }
            if (query.contains("port=" + seedPort + "&")) {
                seedEvents.add(event);
            }
            boolean fromLeecherDownload = query.contains("port=" + leecherPort + "&");
            if (fromLeecherDownload) {
                leecherEvents.add(event);
                if (event.equals("started")) {
                    try {
                        downloaded.await(30, TimeUnit.SECONDS); // hold `started` until the download is done
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
            byte[] body = "d8:intervali1800e5:peers0:e".getBytes(StandardCharsets.US_ASCII);
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        tracker.start();
        String announce = "http://127.0.0.1:" + tracker.getAddress().getPort() + "/announce";
        TorrentFixture t = TorrentFixture.create(tmp.resolve("seed"), "r.bin", 2 * 1024 * 1024 + 7, 256 * 1024, List.of(announce), 3);

        Engine seedEngine = engine();
        seedPort = seedEngine.port();
        seedEngine.add(t.meta(), Storage.forSeeding(t.meta(), t.file()), SessionOptions.seedForever(), SessionListener.NONE)
                .completed().get(30, TimeUnit.SECONDS);
        Engine leechEngine = engine();
        leecherPort = leechEngine.port();
        Torrent leech = leechEngine.add(t.meta(), Storage.forDownload(t.meta(), Files.createDirectories(tmp.resolve("dl"))),
                SessionOptions.download(Optional.of(t.md5()), Optional.empty()), SessionListener.NONE);
        leech.addPeers(List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), seedEngine.port())));
        leech.completed().get(30, TimeUnit.SECONDS);
        downloaded.countDown();

        assertEquals("started", leecherEvents.poll(10, TimeUnit.SECONDS));
        assertEquals("completed", leecherEvents.poll(10, TimeUnit.SECONDS), "completed after the held started");
        leech.stop().get(10, TimeUnit.SECONDS);
        assertEquals("stopped", leecherEvents.poll(10, TimeUnit.SECONDS));
        // BEP 3: no `completed` from a peer whose file was complete when it started, like a seed
        assertEquals(List.of("started"), List.copyOf(seedEvents));
    }

    private volatile int leecherPort;
    private volatile int seedPort;
    private final List<String> seedEvents = new CopyOnWriteArrayList<>();
}
