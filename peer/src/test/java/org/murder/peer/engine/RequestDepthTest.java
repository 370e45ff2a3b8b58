package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.PriorityQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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

    @ParameterizedTest(name = "may batch: {0}")
    @ValueSource(booleans = {false, true})
    void startsAtTheInitialDepthCappedByTheMaximum(boolean mayBatch) {
        assertEquals(16, new RequestDepth(256, 250 * MS, BLOCK, mayBatch).depth());
        assertEquals(8, new RequestDepth(8, 250 * MS, BLOCK, mayBatch).depth());
    }

    @ParameterizedTest(name = "may batch: {0}")
    @ValueSource(booleans = {false, true})
    void largerRequestsStartWithTheSameBytesInFlightAndFloorAtTwo(boolean mayBatch) {
        RequestDepth d = new RequestDepth(256, 250 * MS, 4 * BLOCK, mayBatch);
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

    @ParameterizedTest(name = "may batch: {0}")
    @ValueSource(booleans = {false, true})
    void aFastPeerGetsTheWholePipelineAfterOneWindow(boolean mayBatch) {
        RequestDepth d = new RequestDepth(256, 250 * MS, BLOCK, mayBatch);
        // 16 KiB every 0.05 ms: 320 MB/s, 250 ms of it is far more than 256 blocks
        feed(d, 0, 2_100, 0.05);
        assertEquals(256, d.depth());
    }

    @ParameterizedTest(name = "may batch: {0}")
    @ValueSource(booleans = {false, true})
    void aSlowPeerGetsWhatItDeliversInThePipelineTime(boolean mayBatch) {
        RequestDepth d = new RequestDepth(256, 250 * MS, BLOCK, mayBatch);
        // a block every 25 ms: 10 blocks in 250 ms
        feed(d, 0, 20, 25);
        assertEquals(10, d.depth());
    }

    @ParameterizedTest(name = "may batch: {0}")
    @ValueSource(booleans = {false, true})
    void neverBelowTheMinimumSoASlowPeerCanSpeedUpAgain(boolean mayBatch) {
        RequestDepth d = new RequestDepth(256, 250 * MS, BLOCK, mayBatch);
        feed(d, 0, 10, 90); // about 2.8 blocks per 250 ms
        assertEquals(RequestDepth.MIN_BYTES / BLOCK, d.depth());
        long t = feed(d, 1_000, 2_100, 0.05) / MS;
        assertEquals(256, d.depth(), "after " + t + " ms");
    }

    @ParameterizedTest(name = "may batch: {0}")
    @ValueSource(booleans = {false, true})
    void timeWithNothingInFlightDoesNotReadAsASlowPeer(boolean mayBatch) {
        RequestDepth d = new RequestDepth(256, 250 * MS, BLOCK, mayBatch);
        feed(d, 0, 2_100, 0.05);
        assertEquals(256, d.depth());
        d.idle();
        // nothing asked for 5 s, then the same fast rate: still 256, never measured as 5 s for a few blocks
        feed(d, 5_105, 3, 0.05);
        assertEquals(256, d.depth());
    }

    @ParameterizedTest(name = "may batch: {0}")
    @ValueSource(booleans = {false, true})
    void aLongRoundTripStillGrowsThePipeline(boolean mayBatch) {
        RequestDepth d = new RequestDepth(256, 250 * MS, BLOCK, mayBatch);
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

    @ParameterizedTest(name = "may batch: {0}")
    @ValueSource(booleans = {false, true})
    void rejectsNonsense(boolean mayBatch) {
        assertThrows(IllegalArgumentException.class, () -> new RequestDepth(0, 250 * MS, BLOCK, mayBatch));
        assertThrows(IllegalArgumentException.class, () -> new RequestDepth(256, 0, BLOCK, mayBatch));
    }

    // ---- peers in virtual time, against a session that keeps depth() requests in flight

    private static final long S = 1_000_000_000L;
    /** One way, peer to us: a loopback-like hop. */
    private static final long HOP = 50_000L;

    /**
     * A simulated peer: requests (of {@code requestBytes}) reach it at once; its answers leave over an
     * uplink of {@code bytesPerSecond}.
     */
    private abstract static class SimPeer {
        final PriorityQueue<Long> arrivals = new PriorityQueue<>();
        final int requestBytes;
        double nanosPerAnswer;
        /** One way, peer to us. */
        long hop = HOP;
        private long uplinkFree;

        SimPeer(double bytesPerSecond, int requestBytes) {
            this.requestBytes = requestBytes;
            nanosPerAnswer = requestBytes * 1e9 / bytesPerSecond;
        }

        /** A request reaches the peer at {@code now}. */
        abstract void asked(long now);

        /** When the peer acts next of its own accord (Long.MAX_VALUE: never). */
        long nextTick() {
            return Long.MAX_VALUE;
        }

        void tick(long now) {
        }

        /** Puts one answer on the uplink no earlier than {@code now}. */
        void send(long now) {
            uplinkFree = Math.max(uplinkFree, now) + Math.round(nanosPerAnswer);
            arrivals.add(uplinkFree + hop);
        }
    }

    /** Answers every request it holds each {@code periodNanos} (transmission 3.00: 500 ms), at most {@code perTick}. */
    private static final class BatchingPeer extends SimPeer {
        private final long period;
        private final int perTick;
        private int held;
        private long next;

        BatchingPeer(long periodNanos, double bytesPerSecond, int perTick) {
            super(bytesPerSecond, BLOCK);
            this.period = periodNanos;
            this.perTick = perTick;
            this.next = periodNanos / 3; // its ticks do not line up with our first request
        }

        @Override
        void asked(long now) {
            held++;
        }

        @Override
        long nextTick() {
            return next;
        }

        @Override
        void tick(long now) {
            int n = Math.min(held, perTick);
            for (int i = 0; i < n; i++) {
                send(now);
            }
            held -= n;
            next += period;
        }
    }

    /** Answers each request as it comes, in order, as fast as its uplink goes; pauses once if told. */
    private static final class SteadyPeer extends SimPeer {
        private long stallAt;
        private final long stall;

        SteadyPeer(double bytesPerSecond, int requestBytes, long stallAtNanos, long stallNanos) {
            super(bytesPerSecond, requestBytes);
            this.stallAt = stallAtNanos;
            this.stall = stallNanos;
        }

        @Override
        void asked(long now) {
            if (now >= stallAt) {
                stallAt = Long.MAX_VALUE;
                send(now + stall);
            } else {
                send(now);
            }
        }
    }

    /** Answers each request as it comes, as fast as its uplink goes, {@code oneWayNanos} away each way. */
    private static final class FarPeer extends SimPeer {
        FarPeer(double bytesPerSecond, int requestBytes, long oneWayNanos) {
            super(bytesPerSecond, requestBytes);
            hop = oneWayNanos;
        }

        @Override
        void asked(long now) {
            send(now + hop);
        }
    }

    /** Answers as it is asked, at {@code before} bytes per second until {@code atNanos}, then at {@code after}. */
    private static final class ChangingPeer extends SimPeer {
        private final long at;
        private final double after;

        ChangingPeer(double before, long atNanos, double after) {
            super(before, BLOCK);
            this.at = atNanos;
            this.after = after;
        }

        @Override
        void asked(long now) {
            if (now >= at) {
                nanosPerAnswer = BLOCK * 1e9 / after;
            }
            send(now);
        }
    }

    /** What a simulation saw: bytes received in {@code nanos}, and the least and most depth. */
    private record Run(long bytes, int minDepth, int maxDepth, long nanos) {
        double bytesPerSecond() {
            return bytes * (double) S / nanos;
        }
    }

    /** A session with one peer, in virtual time: keeps depth() requests in flight, as TorrentSession.fill does. */
    private static final class Session {
        private final RequestDepth d;
        private final SimPeer peer;
        private int inFlight;
        private long now;

        Session(RequestDepth d, SimPeer peer) {
            this.d = d;
            this.peer = peer;
            fill();
        }

        private void fill() {
            for (; inFlight < d.depth(); inFlight++) {
                peer.asked(now);
            }
        }

        /** Runs until {@code untilNanos}; what it saw from now on. */
        Run until(long untilNanos) {
            long from = now;
            long bytes = 0;
            int minDepth = d.depth();
            int maxDepth = d.depth();
            while (true) {
                Long arrival = peer.arrivals.peek();
                long next = Math.min(arrival == null ? Long.MAX_VALUE : arrival, peer.nextTick());
                if (next > untilNanos) {
                    now = untilNanos;
                    return new Run(bytes, minDepth, maxDepth, untilNanos - from);
                }
                now = next;
                if (arrival != null && arrival == next) {
                    peer.arrivals.poll();
                    inFlight--;
                    d.onBlock(now, peer.requestBytes);
                    bytes += peer.requestBytes;
                    minDepth = Math.min(minDepth, d.depth());
                    maxDepth = Math.max(maxDepth, d.depth());
                    fill();
                } else {
                    peer.tick(now);
                }
            }
        }
    }

    private static void assertGetsItsUplink(long periodNanos, double uplink) {
        Session session = new Session(new RequestDepth(256, 250 * MS, BLOCK, true),
                new BatchingPeer(periodNanos, uplink, Integer.MAX_VALUE));
        long warm = Math.max(10 * S, 12 * periodNanos); // 16 to the pipeline: 9 batches and the round before
        session.until(warm);
        Run run = session.until(warm + 50 * S);
        String what = "every " + periodNanos / MS + " ms, uplink " + uplink / 1e6 + " MB/s: " + run;
        assertTrue(run.bytesPerSecond() >= 0.8 * uplink, what + " got " + run.bytesPerSecond() / 1e6 + " MB/s");
        assertTrue(run.minDepth() * (double) BLOCK >= 0.5 * uplink * periodNanos / S, what);
    }

    @Test
    void aPeerThatAnswersEverythingEvery500MsGetsItsUplink() {
        assertGetsItsUplink(500 * MS, 4e6); // 122 blocks per batch
    }

    @Test
    void aPeerThatAnswersEverythingEverySecondGetsItsUplink() {
        assertGetsItsUplink(S, 3e6); // 183 blocks per batch
    }

    @Test
    void aPeerThatAnswersEverythingEveryTwoSecondsGetsItsUplink() {
        assertGetsItsUplink(2 * S, 1.5e6); // 183 blocks per batch
    }

    @Test
    void aBatchingPeerOnLoopbackGetsTheWholePipelineWithinFiveSeconds() {
        // transmission 3.00 on loopback: everything it holds every 500 ms, at once
        RequestDepth d = new RequestDepth(256, 250 * MS, BLOCK, true);
        Session session = new Session(d, new BatchingPeer(500 * MS, 1e9, Integer.MAX_VALUE));
        session.until(4_300 * MS);
        assertEquals(256, d.depth(), "16, 32, 64, 128, 256: doubled every other batch, each time twice the rate");
        Run run = session.until(60 * S);
        assertEquals(256, run.minDepth(), run.toString());
        assertTrue(run.bytesPerSecond() >= 0.99 * 256 * BLOCK * 2, run.toString());
    }

    @Test
    void aBatchingPeerThatCapsItsBatchesGetsItsRateAndNoHugeQueue() {
        // at most 50 blocks per 500 ms (an upload limit of 1.6 MB/s): asking more only queues at the peer
        Session session = new Session(new RequestDepth(256, 250 * MS, BLOCK, true), new BatchingPeer(500 * MS, 1e9, 50));
        session.until(10 * S);
        Run run = session.until(60 * S);
        assertTrue(run.bytesPerSecond() >= 0.95 * 100 * BLOCK, run + " got " + run.bytesPerSecond() / 1e6 + " MB/s");
        assertTrue(run.maxDepth() <= 100, "a batch and a half is enough, two at most: " + run);
    }

    @Test
    void aMurderPeerFurtherAwayThanThePipelineTimeGetsItsUplinkOnceTheRoundTripIsKnown() {
        // 10 MB/s, 300 ms round trip, 64 KiB requests, 100 ms of pipeline
        long oneWay = 150 * MS;
        RequestDepth unknown = new RequestDepth(64, 100 * MS, 4 * BLOCK, false);
        Session starved = new Session(unknown, new FarPeer(10e6, 4 * BLOCK, oneWay));
        starved.until(5 * S);
        Run shrunk = starved.until(35 * S);
        // rate x 100 ms is a third of what the round trip needs: each window measures less, down to the floor
        assertEquals(2, shrunk.maxDepth(), shrunk.toString());
        assertTrue(shrunk.bytesPerSecond() < 0.5e6, shrunk.toString());

        RequestDepth known = new RequestDepth(64, 100 * MS, 4 * BLOCK, false);
        known.roundTrip(2 * oneWay);
        assertEquals(600 * MS, known.windowNanos());
        Session session = new Session(known, new FarPeer(10e6, 4 * BLOCK, oneWay));
        session.until(5 * S);
        Run run = session.until(35 * S);
        assertTrue(run.bytesPerSecond() >= 0.95 * 10e6, run + " got " + run.bytesPerSecond() / 1e6 + " MB/s");
    }

    @Test
    void theWindowFollowsTheShortestRoundTripTcpReported() {
        RequestDepth d = new RequestDepth(64, 100 * MS, 4 * BLOCK, false);
        assertEquals(100 * MS, d.windowNanos(), "unknown: the time");
        d.roundTrip(0);
        assertEquals(100 * MS, d.windowNanos(), "0 is unknown");
        d.roundTrip(300 * MS);
        assertEquals(600 * MS, d.windowNanos());
        d.roundTrip(40 * MS); // queues drained: the path is shorter than it read
        assertEquals(100 * MS, d.windowNanos());
        d.roundTrip(200 * MS); // a queue or a delayed acknowledgement, a while
        assertEquals(100 * MS, d.windowNanos(), "the shortest one counts");
    }

    @Test
    void aNearMurderPeerGetsAHundredMillisecondsOfRequests() {
        // 3 MB/s (25 Mbit/s), 1 ms round trip: 100 ms of it is 300 KB, 5 requests of 64 KiB
        RequestDepth d = new RequestDepth(64, 100 * MS, 4 * BLOCK, false);
        d.roundTrip(MS);
        assertEquals(100 * MS, d.windowNanos(), "a round trip shorter than the time leaves the time");
        Session session = new Session(d, new FarPeer(3e6, 4 * BLOCK, MS / 2));
        session.until(2 * S);
        Run run = session.until(12 * S);
        assertEquals(5, run.minDepth(), run.toString());
        assertEquals(5, run.maxDepth(), run.toString());
        assertTrue(run.bytesPerSecond() >= 0.99 * 3e6, run.toString());
    }

    @Test
    void onlyAMurderPeerWhoseRoundTripIsKnownGetsLessThanTheBatchingTime() {
        java.time.Duration hundred = java.time.Duration.ofMillis(100);
        java.time.Duration fourHundred = java.time.Duration.ofMillis(400);
        assertEquals(hundred, TorrentSession.pipelineTime(hundred, true, true));
        assertEquals(RequestDepth.BATCHING_PEER_TIME, TorrentSession.pipelineTime(hundred, true, false),
                "NIO: a round trip longer than 100 ms would shrink its pipeline to the floor");
        assertEquals(RequestDepth.BATCHING_PEER_TIME, TorrentSession.pipelineTime(hundred, false, true), "another client");
        assertEquals(fourHundred, TorrentSession.pipelineTime(fourHundred, false, false), "a longer time is kept for everyone");
    }

    @Test
    void aSteadySlowPeerStillGetsASmallDepth() {
        // 1 MB/s, block after block: 250 ms of it is 15.3 blocks, as before
        Session session = new Session(new RequestDepth(256, 250 * MS, BLOCK, true),
                new SteadyPeer(1e6, BLOCK, Long.MAX_VALUE, 0));
        session.until(S);
        Run run = session.until(30 * S);
        assertEquals(16, run.minDepth(), run.toString());
        assertEquals(16, run.maxDepth(), run.toString());
        assertTrue(run.bytesPerSecond() >= 0.99e6, run.toString());
    }

    @Test
    void oneStallOfASteadyPeerDoesNotReadAsBatches() {
        // 1 MB/s that stops for a second once: one round sees a burst after a long wait, the next does not
        RequestDepth d = new RequestDepth(256, 250 * MS, BLOCK, true);
        Session session = new Session(d, new SteadyPeer(1e6, BLOCK, 5 * S, S));
        session.until(5 * S);
        assertEquals(16, d.depth());
        Run run = session.until(30 * S);
        assertTrue(run.maxDepth() <= 32, "doubled once at most, for the round of the stall: " + run);
        assertEquals(16, d.depth());
    }

    @Test
    void aSlowPeerWithLargerRequestsKeepsTheFloor() {
        // a murder seed whose 50 Mbit/s uplink 16 hosts share: 0.39 MB/s each, 64 KiB requests
        Session session = new Session(new RequestDepth(64, 250 * MS, 4 * BLOCK, true),
                new SteadyPeer(0.39e6, 4 * BLOCK, Long.MAX_VALUE, 0));
        session.until(S);
        Run run = session.until(30 * S);
        assertEquals(2, run.maxDepth(), run.toString());
    }

    @Test
    void aPeerThatSlowsDownIsSeenWithinAWindow() {
        // 100 MB/s for 2 s (the whole pipeline), then 1 MB/s: the 256 requests in flight drain in 4 s,
        // but none is added after about 100 ms of the slow rate
        RequestDepth d = new RequestDepth(256, 250 * MS, BLOCK, true);
        Session session = new Session(d, new ChangingPeer(100e6, 2 * S, 1e6));
        session.until(2 * S);
        assertEquals(256, d.depth());
        session.until(2_300 * MS);
        assertEquals(16, d.depth());
    }

    @Test
    void aMurderPeerIsNotTakenForABatchingOne() {
        // murder answers each request as it comes: from a murder peer, all our requests at once after a
        // wait are its uplink's other hosts' turn (more requests would take their share), so rate x time
        RequestDepth d = new RequestDepth(256, 250 * MS, BLOCK, false);
        Session session = new Session(d, new BatchingPeer(500 * MS, 1e9, Integer.MAX_VALUE));
        session.until(5 * S);
        Run run = session.until(30 * S);
        assertEquals(RequestDepth.MIN_BYTES / BLOCK, run.maxDepth(), run.toString());
    }
}
