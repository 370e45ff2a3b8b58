package org.murder.peer.engine;

/**
 * How many requests (of {@code requestSize} bytes each) to keep in flight with one peer: enough for
 * {@code time} worth of data at the rate that peer delivered lately, plus what it answers in one of
 * its batches if it answers in batches; at least {@link #MIN_BYTES} worth (and two requests) and at
 * most {@code max}; {@link #INITIAL_BYTES} worth at first.
 *
 * <p>A fixed deep pipeline (it used to be 256 blocks, 4 MiB, to every peer) is right on an idle
 * 10 Gbit link and wrong when a peer's uplink is shared: the seed, serving 16 hosts, had 64 MiB of
 * requests queued, chosen ten seconds before their data came. Hosts then asked the seed for the
 * same pieces (nobody could tell yet that another host was fetching them) and pieces crawled from
 * host to host behind each uplink's queue. Sized by rate, a fast link still gets the full pipeline
 * after one {@link #WINDOW_NANOS} window, a slow one a few blocks.
 *
 * <p><b>Peers that answer in batches.</b> Rate alone starved a peer whose answers come in bursts:
 * transmission 3.00 answers all the requests it holds once every 500 ms (16 in flight: 16 blocks
 * every 500 ms; 256: 256). In a 100 ms window without a burst its rate read as zero, and each
 * burst was only what had been in flight, so depth = rate x 250 ms = half the last burst, down to
 * the floor: 4 blocks per 500 ms, 128 KiB/s from a seed that answers 256 blocks (8 MiB/s) as
 * readily. Any peer whose bursts are further apart than the pipeline time does this to a rate
 * (a round trip over 250 ms is one). So the rate is measured per <em>round</em>, and the gaps in it
 * say what it means:
 * <ul>
 * <li>A round starts at a block, with the requests then in flight, and ends once it lasted
 *     {@link #WINDOW_NANOS}, at a block that follows a wait, when it brought as many blocks as were
 *     in flight at its start (Little's law: those have all been answered; rounds of a batching
 *     peer then run from the start of one batch to the start of the next) or when it holds
 *     {@link #BATCH} waits (a steady peer's rate over four of its cycles, seen within a window as
 *     before). It ends inside a batch that has brought more than we could have asked: that
 *     peer answers as we ask.
 * <li>A <em>wait</em> is a gap of at least a quarter of the longest gap of this round or the one
 *     before. The peer's <em>cycle</em> is the round's length over its waits: a steady peer's every
 *     gap is a wait, so its cycle is one block's time; a batching peer has one wait per batch, so
 *     its cycle is its batch interval.
 * <li>depth = rate x (time + cycle) - 1 request: {@code time} at the peer's rate on top of what it
 *     answers per cycle beyond one block. For a steady peer that is rate x time, as before (1 MB/s
 *     in 16 KiB blocks: 16 requests); for one whose uplink sends 4 MB/s in batches every 500 ms,
 *     183, so that each tick finds the next batch already asked for.
 * <li>A round in which one batch brought all that was in flight (at least {@link #BATCH} blocks)
 *     was limited by our depth, not by the peer, and its rate says nothing about the peer's: depth
 *     at least doubles, as TCP's slow start does. 16 requests to transmission on loopback are 256
 *     two seconds later. A seed whose uplink 16 hosts share (the case above) sends our blocks
 *     between theirs, not all we asked at once: it is sized by its rate.
 * <li>Once depth covers a batching peer's cycle its batches merge and the waits are gone, so the
 *     cycle is remembered: from a round with at least {@link #BATCH} blocks per wait, if the last
 *     such round (within 3 x {@link #MEMORY_NANOS}) saw at least half of it. So one stall of a
 *     steady peer is not taken for batches (two within 30 s are: depth then grows by the rate x the
 *     stall). Unconfirmed for {@link #MEMORY_NANOS}, the remembered cycle shrinks by a
 *     quarter, and again every {@link #MEMORY_NANOS}; when depth falls short of a batching peer's
 *     cycle its batches show again and restore it.
 * </ul>
 * In virtual time (RequestDepthTest), peers whose uplink sends everything they hold every 500 ms,
 * 1 s or 2 s (4, 3 and 1.5 MB/s) get 100, 98 and 96 % of it (the rate alone: 3, 2 and 13 %); one
 * that sends at most 50 blocks per 500 ms gets them all with 74 requests in flight; a steady 1 MB/s
 * peer keeps 16, stalling for a second once or not.
 *
 * <p>After {@link #idle()} (nothing was left to ask) the next block starts a new round, so idle
 * time does not read as a slow peer. Not thread-safe: owned by the session's event loop, like the
 * rest of a connection's state. Time is given in nanoseconds (any origin; a step back starts a new
 * round).
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
    /** The shortest round. */
    static final long WINDOW_NANOS = 100_000_000L;
    /** Blocks per wait from which a peer answers in batches; also the waits that end a round early. */
    static final int BATCH = 4;
    /** How long a batching peer's cycle is kept without batches to confirm it; then it shrinks by a quarter. */
    static final long MEMORY_NANOS = 10_000_000_000L;

    private final int max;
    private final int min;
    private final long timeNanos;
    private final int requestSize;
    private int depth;

    // the round being measured
    private boolean measuring;
    private long roundStart;
    private long last;
    private int target; // requests in flight when it started
    private int blocks;
    private long bytes;
    private long longestGap;
    private long previousLongestGap; // of the round before, so that a batch's own gaps are not waits from its start
    private int waits;
    private int batch; // blocks since the last wait (or the round's start, whose block opens a batch)
    private int largestBatch;

    // the peer's batch interval: of the last round that showed batches, and the one two rounds agree on
    private long lastBatchCycle;
    private long lastBatchAt;
    private long cycle;
    private long cycleAt;

    RequestDepth(int max, long timeNanos, int requestSize) {
        if (max < 1 || timeNanos <= 0 || requestSize < 1) {
            throw new IllegalArgumentException("max " + max + ", time " + timeNanos + " ns, request " + requestSize
                    + " bytes (expected: all positive)");
        }
        this.max = max;
        this.min = Math.min(max, Math.max(2, requests(MIN_BYTES, requestSize)));
        this.timeNanos = timeNanos;
        this.requestSize = requestSize;
        this.depth = Math.min(max, Math.max(min, requests(INITIAL_BYTES, requestSize)));
    }

    private static int requests(int bytes, int requestSize) {
        return (bytes + requestSize - 1) / requestSize;
    }

    /** Requests to keep in flight now. */
    int depth() {
        return depth;
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
        last = nowNanos;
        blocks++;
        this.bytes += bytes;
        long elapsed = nowNanos - roundStart;
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
        roundStart = nowNanos;
        last = nowNanos;
        target = inFlight;
        blocks = 0;
        bytes = 0;
        longestGap = 0;
        previousLongestGap = previousLongest;
        waits = 0;
        batch = 1;
        largestBatch = 0;
    }

    private void endRound(long nowNanos, long elapsed) {
        int cycles = waits > 0 ? waits : blocks; // no wait at all: a stream, every block its own
        long roundCycle = elapsed / cycles;
        if (blocks >= BATCH * cycles) { // answers come in batches, roundCycle apart
            long agreed = nowNanos - lastBatchAt <= 3 * MEMORY_NANOS ? Math.min(roundCycle, 2 * lastBatchCycle) : 0;
            if (agreed >= cycle) {
                cycle = agreed;
                cycleAt = nowNanos;
            }
            lastBatchCycle = roundCycle;
            lastBatchAt = nowNanos;
        }
        if (nowNanos - cycleAt > MEMORY_NANOS) { // not seen lately: maybe no longer so, or its batches merged
            cycle = cycle * 3 / 4;
            cycleAt = nowNanos;
        }
        double requestsPerNano = (double) bytes / elapsed / requestSize;
        double wanted = requestsPerNano * (timeNanos + Math.max(roundCycle, cycle)) - 1;
        if (largestBatch >= Math.max(BATCH, Math.min(target, depth))) {
            wanted = Math.max(wanted, 2.0 * depth); // it answered all we had asked at once: our depth was its limit
        }
        int inFlight = depth; // the session tops up to the new depth after this block, from this many
        depth = (int) Math.max(min, Math.min(max, Math.ceil(wanted - 1e-9)));
        begin(nowNanos, inFlight, longestGap);
    }
}
