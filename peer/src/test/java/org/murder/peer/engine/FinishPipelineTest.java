package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.murder.peer.storage.PieceVerifier;
import org.murder.peer.storage.Storage;

/**
 * The finish pipeline on real files, without sockets: the test plays the torrent (it writes
 * pieces, keeps what is verified, and hears the pipeline's events on one "loop" thread).
 */
@Timeout(60)
class FinishPipelineTest {
    private static final int PIECE = 64 * 1024;

    @TempDir
    Path tmp;

    private final ExecutorService loop = Executors.newSingleThreadExecutor();
    private final ExecutorService pool = Executors.newFixedThreadPool(2);
    private final LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
    private final BitSet have = new BitSet();
    private final ExecutorService md5Thread = Executors.newSingleThreadExecutor();
    private final ExecutorService syncThread = Executors.newSingleThreadExecutor();
    /** Where the pipeline runs its md5 and its flushes (a test may wrap the threads). */
    private Executor md5Worker = md5Thread;
    private Executor syncWorker = syncThread;
    private TorrentFixture t;
    private Storage storage;
    private FinishPipeline pipeline;

    @AfterEach
    void close() {
        loop.shutdownNow();
        pool.shutdownNow();
        md5Thread.shutdownNow();
        syncThread.shutdownNow();
        if (storage != null) {
            storage.close();
        }
    }

    private void start(int size, Optional<String> md5) throws Exception {
        start(size, f -> md5);
    }

    private void start(int size, java.util.function.Function<TorrentFixture, Optional<String>> expectedMd5) throws Exception {
        t = TorrentFixture.create(tmp.resolve("src"), "r.bin", size, PIECE, List.of(), 7);
        Optional<String> md5 = expectedMd5.apply(t);
        storage = Storage.forDownload(t.meta(), Files.createDirectories(tmp.resolve("dl")));
        FinishPipeline.Events torrent = new FinishPipeline.Events() {
            @Override
            public void checked(int piece, PieceVerifier.Check check) {
                events.add((check.good() ? "good " : "bad ") + piece);
                if (check.good()) {
                    have.set(piece);
                    pipeline.pieceVerified(t.meta().pieceSize(piece), have.cardinality() == t.meta().pieceCount());
                }
            }

            @Override
            public void committed() {
                events.add("committed");
            }

            @Override
            public void failed(String message) {
                events.add("failed: " + message);
            }
        };
        pipeline = new FinishPipeline(t.meta(), storage, new PieceVerifier(t.meta(), storage, pool), md5, have::get, loop,
                new FinishPipeline.Workers(pool, md5Worker, syncWorker),
                torrent, "test");
    }

    private void write(int piece, byte[] data) throws Exception {
        long at = (long) piece * PIECE;
        int length = (int) t.meta().pieceSize(piece);
        storage.write(at, ByteBuffer.wrap(data, (int) at, length));
        loop.submit(() -> pipeline.verify(piece, false)).get();
    }

    private String next() throws InterruptedException {
        String e = events.poll(20, TimeUnit.SECONDS);
        return e == null ? "(nothing within 20 s)" : e;
    }

    @Test
    void piecesInAnyOrderAreVerifiedThenTheMd5IsCheckedAndTheFileMovedIntoPlace() throws Exception {
        start(10 * PIECE + 123, f -> Optional.of(f.md5().toUpperCase(java.util.Locale.ROOT))); // in capitals: still matches
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < t.meta().pieceCount(); i++) {
            order.add(i);
        }
        Collections.shuffle(order, new java.util.Random(3));
        for (int piece : order) {
            write(piece, t.data());
            assertEquals("good " + piece, next());
        }
        assertEquals("committed", next());
        assertArrayEquals(t.data(), Files.readAllBytes(tmp.resolve("dl/r.bin")));
        assertNull(events.poll(200, TimeUnit.MILLISECONDS), "one commit");
    }

    @Test
    void theMd5CatchesUpOnPiecesVerifiedOutOfOrderWhileTheDownloadRuns() throws Exception {
        start(6 * PIECE, f -> Optional.of(f.md5()));
        for (int piece : new int[] {2, 1, 0}) { // 1 and 2 come before 0: the md5 cannot take them as they pass
            write(piece, t.data());
            assertEquals("good " + piece, next());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        int at = 0;
        while (at < 3 && System.nanoTime() < deadline) { // bounded: the catch-up runs on the md5 thread
            at = loop.submit(pipeline::md5Next).get();
            if (at < 3) {
                Thread.onSpinWait();
            }
        }
        assertEquals(3, at, "pieces 0-2 are in the md5 before the download ends, not read back after it");
        for (int piece = 3; piece < 6; piece++) {
            write(piece, t.data());
        }
        assertEquals(java.util.Set.of("good 3", "good 4", "good 5"), java.util.Set.of(next(), next(), next()));
        assertEquals("committed", next());
    }

    /** Runs work on {@code thread} once {@code may} opens; {@code started} (if any) is counted down as work comes up. */
    private static Executor heldBy(CountDownLatch may, ExecutorService thread, CountDownLatch started) {
        return r -> thread.execute(() -> {
            if (started != null) {
                started.countDown();
            }
            try {
                may.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            r.run();
        });
    }

    @Test
    void theLastBytesGoToDiskWhileTheMd5CatchesUp() throws Exception {
        CountDownLatch md5May = new CountDownLatch(1);
        CountDownLatch flushed = new CountDownLatch(1);
        md5Worker = heldBy(md5May, md5Thread, null);
        syncWorker = r -> syncThread.execute(() -> {
            r.run();
            flushed.countDown();
        });
        start(6 * PIECE, f -> Optional.of(f.md5())); // far less than SYNC_EVERY: no flush while the download runs
        for (int piece = 5; piece >= 0; piece--) { // backwards: the md5 has every piece to read after the last
            write(piece, t.data());
            assertEquals("good " + piece, next());
        }
        assertTrue(flushed.await(20, TimeUnit.SECONDS), "a flush while the md5 is held back");
        assertNull(events.poll(100, TimeUnit.MILLISECONDS), "no commit before the md5");
        md5May.countDown();
        assertEquals("committed", next());
        assertArrayEquals(t.data(), Files.readAllBytes(tmp.resolve("dl/r.bin")));
    }

    @Test
    void theCommitWaitsForTheFlushUnderWay() throws Exception {
        CountDownLatch syncMay = new CountDownLatch(1);
        CountDownLatch syncStarted = new CountDownLatch(1);
        syncWorker = heldBy(syncMay, syncThread, syncStarted);
        start(3 * PIECE, Optional.empty()); // no md5: nothing else to wait for before the commit
        for (int piece = 0; piece < 3; piece++) {
            write(piece, t.data());
        }
        assertEquals(java.util.Set.of("good 0", "good 1", "good 2"), java.util.Set.of(next(), next(), next()));
        assertTrue(syncStarted.await(20, TimeUnit.SECONDS), "the last bytes are being flushed");
        assertNull(events.poll(200, TimeUnit.MILLISECONDS), "no commit while the flush runs: its error must come first");
        assertFalse(Files.exists(tmp.resolve("dl/r.bin")), "not moved into place yet");
        syncMay.countDown();
        assertEquals("committed", next());
        assertArrayEquals(t.data(), Files.readAllBytes(tmp.resolve("dl/r.bin")));
    }

    @Test
    void aCorruptPieceIsReportedAndCountsOnlyOnceGood() throws Exception {
        start(3 * PIECE, Optional.empty());
        byte[] bad = t.data().clone();
        bad[PIECE + 5] ^= 1;
        write(1, bad);
        assertEquals("bad 1", next());
        write(0, t.data());
        write(2, t.data());
        write(1, t.data());
        // the checks run in parallel: any order, then the commit
        assertEquals(java.util.Set.of("good 0", "good 2", "good 1"), java.util.Set.of(next(), next(), next()));
        assertEquals("committed", next());
    }

    @Test
    void aWrongMd5FailsAndLeavesNothingInPlace() throws Exception {
        start(2 * PIECE, Optional.of("00000000000000000000000000000000"));
        write(0, t.data());
        write(1, t.data());
        // the checks run in parallel: either order
        assertEquals(java.util.Set.of("good 0", "good 1"), java.util.Set.of(next(), next()));
        String failed = next();
        assertTrue(failed.startsWith("failed: md5 of r.bin is " + t.md5() + " (expected: 00000000000000000000000000000000)"),
                failed);
        assertFalse(Files.exists(tmp.resolve("dl/r.bin")), "not moved into place");
    }

    @Test
    void resultsAfterCloseAreDropped() throws Exception {
        start(2 * PIECE, Optional.empty());
        loop.submit(pipeline::close).get();
        write(0, t.data());
        write(1, t.data());
        assertNull(events.poll(500, TimeUnit.MILLISECONDS), "a stopped torrent hears nothing more");
    }
}
