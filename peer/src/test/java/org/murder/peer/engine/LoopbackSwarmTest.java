package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.PortRange;
import org.murder.peer.storage.Storage;

/** Real engines, real sockets on 127.0.0.1, real files; peers learn each other without a tracker. */
@Timeout(120)
class LoopbackSwarmTest {
    @TempDir
    Path tmp;

    private final LoopbackEngines engines = new LoopbackEngines(new PortRange(42000, 42999));

    @AfterEach
    void closeEngines() {
        engines.close();
    }

    private Engine engine() {
        return engines.start();
    }

    private static InetSocketAddress address(Engine e) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), e.port());
    }

    @Test
    void closingFromTwoThreadsAtOnceReturnsInBothAndStopsTheListener() throws Exception {
        // `murder seed` closes its engine from the SIGTERM hook and from the main thread at once;
        // a second close racing the first used to wait forever for a listener close queued on a
        // loop that the first had already shut down.
        TorrentFixture t = TorrentFixture.create(tmp.resolve("seed"), "release.tar.gz", 1024 * 1024, 256 * 1024, List.of(), 1);
        Engine e = engine();
        e.add(t.meta(), Storage.forSeeding(t.meta(), t.file()), SessionOptions.seedForever(), SessionListener.NONE)
                .completed().get(30, TimeUnit.SECONDS);
        java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(2);
        List<Thread> closers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Thread th = new Thread(() -> {
                try {
                    together.await(10, TimeUnit.SECONDS);
                } catch (Exception ex) {
                    throw new IllegalStateException(ex);
                }
                e.close();
            }, "closer-" + i);
            th.start();
            closers.add(th);
        }
        for (Thread th : closers) {
            th.join(TimeUnit.SECONDS.toMillis(20));
            assertFalse(th.isAlive(), th.getName() + " still closing after 20 s");
        }
        try (java.net.Socket s = new java.net.Socket()) {
            org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                    () -> s.connect(address(e), 1000), "listener still accepting after close");
        }
    }

    @Test
    void oneSeedAndEightPeersAllCompleteWithTheRightBytes() throws Exception {
        TorrentFixture t = TorrentFixture.create(tmp.resolve("seed"), "release.tar.gz", 6 * 1024 * 1024 + 12345, 256 * 1024,
                List.of(), 1);
        Engine seedEngine = engine();
        Torrent seed = seedEngine.add(t.meta(), Storage.forSeeding(t.meta(), t.file()), SessionOptions.seedForever(),
                SessionListener.NONE);
        seed.completed().get(30, TimeUnit.SECONDS);

        List<InetSocketAddress> everyone = new ArrayList<>(List.of(address(seedEngine)));
        List<Torrent> peers = new ArrayList<>();
        List<Path> dirs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Engine e = engine();
            Path dir = Files.createDirectories(tmp.resolve("peer" + i));
            dirs.add(dir);
            peers.add(e.add(t.meta(), Storage.forDownload(t.meta(), dir),
                    SessionOptions.download(Optional.of(t.md5()), Optional.empty()), SessionListener.NONE));
            everyone.add(address(e));
        }
        peers.forEach(p -> p.addPeers(everyone));
        CompletableFuture.allOf(peers.stream().map(Torrent::completed).toArray(CompletableFuture[]::new))
                .get(90, TimeUnit.SECONDS);
        for (Path dir : dirs) {
            assertArrayEquals(t.data(), Files.readAllBytes(dir.resolve("release.tar.gz")));
            assertFalse(Files.exists(dir.resolve("release.tar.gz.part")));
        }
        long uploadedByPeers = 0;
        for (Torrent p : peers) {
            Snapshot s = p.snapshotAsync().get();
            assertEquals(SessionState.SEEDING, s.state());
            assertEquals(t.data().length, s.verified());
            uploadedByPeers += s.uploaded();
        }
        assertTrue(uploadedByPeers > 0, "peers shared with each other, not only the seed");
    }

    @Test
    void aListenerThatThrowsNeitherEndsTheDownloadNorKeepsAFailedOneFromEnding() throws Exception {
        // `murder peer --json-status` on a path it could not write threw from every call: the tick died
        // with "internal error", and failed() threw again on its way to the shutdown, so it never ended
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        SessionListener throwing = new SessionListener() {
            @Override
            public void onProgress(Snapshot s) {
                calls.incrementAndGet();
                throw new java.io.UncheckedIOException(new java.io.IOException("No such file or directory"));
            }

            @Override
            public void onStateChange(SessionState state, Snapshot s) {
                calls.incrementAndGet();
                throw new IllegalStateException("cannot write");
            }
        };
        TorrentFixture t = TorrentFixture.create(tmp.resolve("seed"), "release.tar.gz", 2 * 1024 * 1024 + 77, 256 * 1024, List.of(), 1);
        Engine seedEngine = engine();
        seedEngine.add(t.meta(), Storage.forSeeding(t.meta(), t.file()), SessionOptions.seedForever(), SessionListener.NONE)
                .completed().get(30, TimeUnit.SECONDS);
        Path dir = Files.createDirectories(tmp.resolve("peer"));
        Torrent peer = engine().add(t.meta(), Storage.forDownload(t.meta(), dir),
                SessionOptions.download(Optional.of(t.md5()), Optional.empty()), throwing);
        peer.addPeers(List.of(address(seedEngine)));
        peer.completed().get(60, TimeUnit.SECONDS);
        assertArrayEquals(t.data(), Files.readAllBytes(dir.resolve("release.tar.gz")));
        assertTrue(calls.get() > 0, "the listener was called");

        // a download that fails (its md5 is wrong) still ends, with the listener throwing all the way
        Path other = Files.createDirectories(tmp.resolve("other"));
        Torrent failing = engine().add(t.meta(), Storage.forDownload(t.meta(), other),
                SessionOptions.download(Optional.of("0".repeat(32)), Optional.empty()), throwing);
        failing.addPeers(List.of(address(seedEngine)));
        java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.ExecutionException.class, () -> failing.completed().get(60, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("md5"), e.getCause().getMessage());
        assertEquals(SessionState.FAILED, failing.finished().get(30, TimeUnit.SECONDS).state());
    }
}
