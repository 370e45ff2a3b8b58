package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.murder.peer.storage.BufferBudget;
import org.murder.peer.storage.PieceVerifier;
import org.murder.peer.storage.Storage;

/** Piece buffers come from a budget an engine's torrents share: several downloads at once no longer add up. */
@Timeout(60)
class PieceBuffersTest {
    private static final int PIECE = 128 * 1024;

    @TempDir
    Path tmp;

    private final ExecutorService pool = Executors.newFixedThreadPool(4);

    @AfterEach
    void close() {
        pool.shutdownNow();
    }

    @Test
    void torrentsSharingABudgetHoldNoMoreThanItButEachGetsOneBuffer() throws Exception {
        TorrentFixture a = TorrentFixture.create(tmp.resolve("a"), "a.bin", 16 * PIECE, PIECE, List.of(), 1);
        TorrentFixture b = TorrentFixture.create(tmp.resolve("b"), "b.bin", 16 * PIECE, PIECE, List.of(), 2);
        BufferBudget budget = new BufferBudget(2L * PIECE);
        PieceVerifier first = new PieceVerifier(a.meta(), Storage.forSeeding(a.meta(), a.file()), pool, budget);
        PieceVerifier second = new PieceVerifier(b.meta(), Storage.forSeeding(b.meta(), b.file()), pool, budget);

        // a whole-file check with 4 threads to run it: never more buffers than the budget
        AtomicInteger most = new AtomicInteger();
        assertEquals(16, first.verifyAll(n -> most.accumulateAndGet(first.buffersHeld(), Math::max)).get(30, TimeUnit.SECONDS)
                .cardinality());
        assertTrue(most.get() >= 1 && most.get() <= 2, most.get() + " buffers held at once");
        assertEquals(0, budget.taken(), "dropped after the whole-file check, their bytes back in the budget");

        // the budget full: a torrent holding no buffer still gets one
        assertTrue(first.verify(0).get(10, TimeUnit.SECONDS));
        assertTrue(first.verify(1).get(10, TimeUnit.SECONDS));
        assertTrue(second.verify(0).get(10, TimeUnit.SECONDS));
        assertEquals(1, second.buffersHeld());
        assertEquals(first.buffersHeld() + 1L, budget.taken() / PIECE);

        // a torrent that ends gives its bytes back; one still checking after that drops what it is given back
        first.close();
        assertEquals(0, first.buffersHeld());
        assertEquals(PIECE, budget.taken());
        assertTrue(first.verify(2).get(10, TimeUnit.SECONDS));
        assertEquals(0, first.buffersHeld());
        second.close();
        assertEquals(0, budget.taken());
    }
}
