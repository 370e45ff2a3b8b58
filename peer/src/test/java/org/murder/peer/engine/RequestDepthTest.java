package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class RequestDepthTest {
    private static final int BLOCK = 16 * 1024;
    private static final long MS = 1_000_000L;

    /** Blocks arriving every {@code gapMs} from {@code startMs}; returns the time after the last. */
    private static long feed(RequestDepth d, long startMs, int blocks, double gapMs) {
        long t = startMs * MS;
        for (int i = 0; i < blocks; i++) {
            t = startMs * MS + Math.round(i * gapMs * MS);
            d.onBlock(t, BLOCK);
        }
        return t;
    }

    @Test
    void startsAtTheInitialDepthCappedByTheMaximum() {
        assertEquals(16, new RequestDepth(256, 250 * MS, BLOCK).depth());
        assertEquals(8, new RequestDepth(8, 250 * MS, BLOCK).depth());
    }

    @Test
    void largerRequestsStartWithTheSameBytesInFlightAndFloorAtTwo() {
        RequestDepth d = new RequestDepth(256, 250 * MS, 4 * BLOCK);
        assertEquals(4, d.depth(), "256 KiB in 64 KiB requests");
        for (int i = 0; i < 10; i++) {
            d.onBlock(i * 90 * MS, 4 * BLOCK); // about 2.8 requests' worth per 250 ms
        }
        assertEquals(3, d.depth());
        for (int i = 0; i < 10; i++) {
            d.onBlock((1_000 + i * 400) * MS, 4 * BLOCK); // 0.6 requests per 250 ms
        }
        assertEquals(2, d.depth(), "the floor: 64 KiB would be one request, and one alone leaves the link idle between them");
    }

    @Test
    void aFastPeerGetsTheWholePipelineAfterOneWindow() {
        RequestDepth d = new RequestDepth(256, 250 * MS, BLOCK);
        // 16 KiB every 0.05 ms: 320 MB/s, 250 ms of it is far more than 256 blocks
        feed(d, 0, 2_100, 0.05);
        assertEquals(256, d.depth());
    }

    @Test
    void aSlowPeerGetsWhatItDeliversInThePipelineTime() {
        RequestDepth d = new RequestDepth(256, 250 * MS, BLOCK);
        // a block every 25 ms: 10 blocks in 250 ms
        feed(d, 0, 20, 25);
        assertEquals(10, d.depth());
    }

    @Test
    void neverBelowTheMinimumSoASlowPeerCanSpeedUpAgain() {
        RequestDepth d = new RequestDepth(256, 250 * MS, BLOCK);
        feed(d, 0, 10, 90); // about 2.8 blocks per 250 ms
        assertEquals(RequestDepth.MIN_BYTES / BLOCK, d.depth());
        long t = feed(d, 1_000, 2_100, 0.05) / MS;
        assertEquals(256, d.depth(), "after " + t + " ms");
    }

    @Test
    void timeWithNothingInFlightDoesNotReadAsASlowPeer() {
        RequestDepth d = new RequestDepth(256, 250 * MS, BLOCK);
        feed(d, 0, 2_100, 0.05);
        assertEquals(256, d.depth());
        d.idle();
        // nothing asked for 5 s, then the same fast rate: still 256, never measured as 5 s for a few blocks
        feed(d, 5_105, 3, 0.05);
        assertEquals(256, d.depth());
    }

    @Test
    void aLongRoundTripStillGrowsThePipeline() {
        RequestDepth d = new RequestDepth(256, 250 * MS, BLOCK);
        // 150 ms round trip, the pipeline the only limit: its blocks come in a burst every 150 ms
        long t = 0;
        for (int round = 0; round < 20; round++) {
            int depth = d.depth();
            for (int i = 0; i < depth; i++) {
                d.onBlock(t + i * 10_000L, BLOCK);
            }
            t += 150 * MS;
        }
        assertEquals(256, d.depth(), "rate x 250 ms exceeds what 150 ms of round trip lets through");
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new RequestDepth(0, 250 * MS, BLOCK));
        assertThrows(IllegalArgumentException.class, () -> new RequestDepth(256, 0, BLOCK));
    }
}
