package org.murder.peer.engine;

/**
 * How many requests (of {@code requestSize} bytes each) to keep in flight with one peer: enough for
 * {@code time} worth of data at the rate that peer delivered lately (plus, for a peer shown to
 * answer in batches, what it answers per batch); at least {@link #MIN_BYTES} worth (and two
 * requests) and at most {@code max}; {@link #INITIAL_BYTES} worth at first.
 *
 * <p>A fixed deep pipeline (it used to be 256 blocks, 4 MiB, to every peer) is right on an idle
 * 10 Gbit link and wrong when a peer's uplink is shared: the seed, serving 16 hosts, had 64 MiB of
 * requests queued, chosen ten seconds before their data came. Hosts then asked the seed for the
 * same pieces (nobody could tell yet that another host was fetching them) and pieces crawled from
 * host to host behind each uplink's queue. Sized by rate, a fast link still gets the full pipeline
 * after one {@link #WINDOW_NANOS} window, a slow one a few blocks. A murder peer is sized so, its
 * rate measured over windows of at least {@link #WINDOW_NANOS}: it answers each request as it comes
 * (TorrentSession.onRequest), so a window's rate is its rate.
 *
 * <p><b>Peers that answer in batches.</b> Other clients may not: transmission 3.00 answers all the
 * requests it holds once every 500 ms (16 in flight: 16 blocks every 500 ms; 256: 256). Sized by
 * windows, depth fell to rate x 250 ms = half the last batch, down to the floor: 4 blocks per
 * 500 ms, 128 KiB/s from a seed that answers 256 blocks (8 MiB/s) as readily. Any peer whose
 * batches are further apart than the pipeline time feeds that loop. Batches alone do not tell such
 * a peer from a shared uplink, though: there too our blocks can come all at once after a wait (the
 * other hosts' turn), and asking more there takes the others' share and queues at the seed, the
 * case above. In a 16-host swarm on 50 Mbit/s links, taking every such pattern for batches made
 * the origin send 1.35 x the file instead of 1.00. So for a peer that may answer in batches (not a
 * murder peer), depth grows past rate x time only once the peer showed that it waits for us:
 * <ul>
 * <li>The rate is measured per <em>round</em>: from a block, with the requests then in flight,
 *     to a block that follows a wait, once the round lasted {@link #WINDOW_NANOS} and brought
 *     as many blocks as were in flight at its start (Little's law: those were all answered; a
 *     batching peer's rounds run from the start of one batch to the start of the next), or holds
 *     {@link #BATCH} waits (a steady peer, measured within about a window as before); or inside a
 *     batch that brought more than we could have asked (it answers as we ask). A <em>wait</em> is
 *     a gap of at least a quarter of the longest of this round or the one before; the round's
 *     <em>cycle</em> is its length over its waits: one block's time for a steady peer, the batch
 *     interval for a batching one.
 * <li>Unproven, depth = rate x time, as for a murder peer.
 * <li>Probe: when two rounds in a row, with the same cycle (within a tenth) longer than
 *     {@code time}, each brought all that was in flight in one batch (at least {@link #BATCH}
 *     blocks), depth becomes twice that batch. The first round with that depth in flight must
 *     bring at least 1.5 x the rate with the same cycle (within a tenth): twice the requests, twice
 *     the rate, the same wait, so the wait is the peer's own, not a queue's. Then the cycle is the peer's, and depth = rate x (time +
 *     cycle) - 1 from then on (what it answers per batch beyond one block, on top of {@code time}
 *     at its rate); probes go on while batches bring all we ask. A probe that did not pay off is
 *     not repeated for {@link #BACKOFF_NANOS}.
 * </ul>
 * A probe can still be fooled by an uplink that serves requests first come, first served: more of
 * ours in its queue are a larger share of it, at nearly the same interval. Hence murder peers,
 * whose shared uplinks are the case above, are never probed.
 * Transmission on loopback: 16 requests, then 32, 64, 128 and the pipeline's 256 within 4.5 s
 * (RequestDepthTest, BatchingSeedTest). In virtual time, peers whose uplinks send everything they
 * hold every 500 ms, 1 s or 2 s (4, 3 and 1.5 MB/s) get all of it (by windows: 3, 2 and 13 %) with
 * 183, 228 and 205 requests in flight; one that sends at most 50 blocks per 500 ms gets them all
 * with 74; a steady 1 MB/s peer keeps 16, stalling for a second or not.
 *
 * <p><b>How long.</b> {@code time} is 100 ms for murder peers (EngineConfig.pipelineTime) and at
 * least {@link #BATCHING_PEER_TIME} for others (what their batching above was measured with).
 * Requests beyond what keeps a peer busy are pieces promised to its queue that another peer, idle
 * meanwhile, could have sent. In the 16-host benchmark (25 Mbit/s, 64 KiB pieces), 250 ms of
 * requests per peer left the hosts' uplinks 91-92 % busy and 1.6-2.0 s of tail after the origin's
 * last byte, 1.15-1.16 x F/C (three runs); 100 ms, 92-93 %, 1.4-1.6 s and 1.13-1.14 (five runs, the
 * same hour; bench/swarm.sh). Its simulator: 1.066 -> 1.040 x the framed bound over 40 seeds, worst
 * 1.12 -> 1.04. Sized by rate alone, a pipeline could not outgrow a round trip longer than
 * {@code time} (rate = depth / round trip, depth = rate x time: it shrinks to the floor, 2 requests
 * a round trip), so the time covers at least {@link #ROUND_TRIPS} of the connection's round trip
 * as TCP measures it ({@link #roundTrip}).
 *
 * <p>After {@link #idle()} (nothing was left to ask) the next block starts a new window or round,
 * so idle time does not read as a slow peer. Not thread-safe: owned by the session's event loop,
 * like the rest of a connection's state. Time is given in nanoseconds (any origin; a step back
 * starts a new window or round).
 */
final class RequestDepth {
    /** The floor, as bytes: 4 requests of 16 KiB; at least 2 requests whatever their size. */
    static final int MIN_BYTES = 64 * 1024;
    /**
     * The start, as bytes: 16 requests of 16 KiB. The same bytes whatever the request size: 16
     * requests of 64 KiB from each of 16 hosts queued 16 MiB at the origin at once (the origin then
     * sent 1.03 x F instead of 1.00, at 50 Mbit/s).
     */
    static final int INITIAL_BYTES = 256 * 1024;
    /** The shortest window or round. */
    static final long WINDOW_NANOS = 100_000_000L;
    /** The fewest blocks that make a batch; also the waits that end a round early. */
    static final int BATCH = 4;
    /** After a probe that did not pay off, none for this long. */
    static final long BACKOFF_NANOS = 10_000_000_000L;
    /** The least time for a peer that may answer in batches (another client): what its batching was measured with. */
    static final java.time.Duration BATCHING_PEER_TIME = java.time.Duration.ofMillis(250);
    /** The time covers at least this many of the connection's round trips. */
    static final int ROUND_TRIPS = 2;

    private final int max;
    private final int min;
    private final long timeNanos;
    private final int requestSize;
    private final boolean mayBatch;
    private int depth;
    /** The shortest round trip TCP reported for the connection, 0 until known (see {@link #roundTrip}). */
    private long roundTripNanos;

    // the window (a murder peer) or round (another) being measured
    private boolean measuring;
    private long start;
    private long last;
    private long bytes;
    private int target; // requests in flight when the round started
    private int blocks;
    private long longestGap;
    private long previousLongestGap; // of the round before, so that a batch's own gaps are not waits at its start
    private int waits;
    private int batch; // blocks since the last wait (the round's first block opens a batch)
    private int largestBatch;

    private long drainedCycle; // of the last round, if all in flight came in one batch; else 0
    private int probe; // the doubled depth being checked; 0 when none
    private double probeRate;
    private long probeCycle;
    private long noProbeUntil = Long.MIN_VALUE;
    /** The peer's own batch interval, once a probe showed it; 0 until then. */
    private long cycle;

    /**
     * @param mayBatch whether the peer may answer in batches: false for a murder peer, which
     *                 answers each request as it comes
     */
    RequestDepth(int max, long timeNanos, int requestSize, boolean mayBatch) {
        if (max < 1 || timeNanos <= 0 || requestSize < 1) {
            throw new IllegalArgumentException("max " + max + ", time " + timeNanos + " ns, request " + requestSize
                    + " bytes (expected: all positive)");
        }
        this.max = max;
        this.min = Math.min(max, Math.max(2, requests(MIN_BYTES, requestSize)));
        this.timeNanos = timeNanos;
        this.requestSize = requestSize;
        this.mayBatch = mayBatch;
        this.depth = Math.min(max, Math.max(min, requests(INITIAL_BYTES, requestSize)));
    }

    private static int requests(int bytes, int requestSize) {
        return (bytes + requestSize - 1) / requestSize;
    }

    /** Requests to keep in flight now. */
    int depth() {
        return depth;
    }

    /**
     * The connection's round trip now (TCP's smoothed estimate, which our requests queued at the
     * peer do not lengthen; 0: unknown): the time covers at least {@link #ROUND_TRIPS} of the
     * shortest one reported. The shortest, for queues in the network and delayed acknowledgements
     * lengthen it a while (16 hosts behind 25 Mbit/s shapers read 17-72 ms, and twice that made
     * the pipelines longer than the 100 ms wanted there: 1.14-1.16 x F/C again).
     */
    void roundTrip(long nanos) {
        if (nanos > 0) {
            roundTripNanos = roundTripNanos == 0 ? nanos : Math.min(roundTripNanos, nanos);
        }
    }

    /** What the depth covers at the measured rate: {@code time}, or {@link #ROUND_TRIPS} round trips if longer. */
    long windowNanos() {
        return Math.max(timeNanos, ROUND_TRIPS * roundTripNanos);
    }

    /** Nothing is in flight: the time until the next request is answered is not the peer's. */
    void idle() {
        measuring = false;
    }

    /** A block (the answer to one request) of {@code bytes} arrived at {@code nowNanos}. */
    void onBlock(long nowNanos, int bytes) {
        if (!measuring || nowNanos < last) { // idle before, or the clock stepped back
            begin(nowNanos, depth, 0);
            return;
        }
        long gap = nowNanos - last;
        long elapsed = nowNanos - start;
        last = nowNanos;
        this.bytes += bytes;
        if (!mayBatch) {
            if (elapsed >= WINDOW_NANOS) {
                depth = clamp(rate(elapsed) * windowNanos());
                begin(nowNanos, depth, 0);
            }
            return;
        }
        blocks++;
        long reference = Math.max(longestGap, previousLongestGap);
        if (gap > 4 * reference) { // every gap before is below a quarter of this one: all one batch
            longestGap = gap;
            waits = 1;
            batch = blocks;
        } else if (gap * 4 >= reference) {
            longestGap = Math.max(longestGap, gap);
            waits++;
        } else { // inside a batch: a round ends where one starts, unless the batch is a stream
            batch++;
            if (elapsed >= WINDOW_NANOS && batch > Math.max(target, depth)) {
                endRound(nowNanos, elapsed); // more than all we could have asked: it answers as we ask
            }
            return;
        }
        largestBatch = Math.max(largestBatch, batch);
        batch = 1;
        if (elapsed >= WINDOW_NANOS && (blocks >= target || waits >= BATCH)) {
            endRound(nowNanos, elapsed);
        }
    }

    private void begin(long nowNanos, int inFlight, long previousLongest) {
        measuring = true;
        start = nowNanos;
        last = nowNanos;
        bytes = 0;
        target = inFlight;
        blocks = 0;
        longestGap = 0;
        previousLongestGap = previousLongest;
        waits = 0;
        batch = 1;
        largestBatch = 0;
    }

    /** Requests per nanosecond over {@code elapsed}. */
    private double rate(long elapsed) {
        return (double) bytes / elapsed / requestSize;
    }

    private int clamp(double wanted) {
        return (int) Math.max(min, Math.min(max, Math.ceil(wanted - 1e-9)));
    }

    private static boolean near(long a, long b) { // within a tenth of b
        return Math.abs(a - b) <= b / 10;
    }

    private void endRound(long nowNanos, long elapsed) {
        int cycles = waits > 0 ? waits : blocks; // no wait at all: a stream, every block its own cycle
        long roundCycle = elapsed / cycles;
        double rate = rate(elapsed);
        if (probe > 0 && target >= probe) { // the first round with the probed depth in flight
            long before = cycle > 0 ? cycle : probeCycle;
            if (rate >= 1.5 * probeRate && near(roundCycle, before)) {
                cycle = before; // twice the requests, twice the rate, the same wait: the peer's own
            } else {
                noProbeUntil = nowNanos + BACKOFF_NANOS;
            }
            probe = 0;
        }
        long window = windowNanos();
        double wanted = cycle > 0 ? rate * (window + cycle) - 1 : rate * window;
        boolean drained = largestBatch >= Math.max(BATCH, Math.min(target, depth)) && roundCycle > window;
        if (probe > 0) {
            wanted = Math.max(wanted, probe); // until it is checked
        } else if (drained && near(roundCycle, drainedCycle) && nowNanos >= noProbeUntil && 2 * largestBatch > depth
                && depth < max) {
            probe = Math.min(max, 2 * largestBatch); // all it was asked, at once, twice at the same interval: probe
            probeRate = rate;
            probeCycle = roundCycle;
            wanted = Math.max(wanted, probe);
        }
        drainedCycle = drained ? roundCycle : 0;
        int inFlight = depth; // the session tops up to the new depth after this block, from this many
        depth = clamp(wanted);
        begin(nowNanos, inFlight, longestGap);
    }
}
