package org.murder.peer.engine;

/**
 * How many block requests to keep in flight with one peer: enough for {@code time} worth of data at
 * the rate that peer delivered lately, at least {@link #MIN} and at most {@code max}.
 *
 * <p>A fixed deep pipeline (it used to be 256 blocks, 4 MiB, to every peer) is right on an idle
 * 10 Gbit link and wrong when a peer's uplink is shared: the seed, serving 16 hosts, had 64 MiB of
 * requests queued, chosen ten seconds before their data came. Hosts then asked the seed for the
 * same pieces (nobody could tell yet that another host was fetching them) and pieces crawled from
 * host to host behind each uplink's queue. Sized by rate, a fast link still gets the full pipeline
 * after one {@link #WINDOW_NANOS} window, a slow one a few blocks.
 *
 * <p>The rate is measured over windows of at least {@link #WINDOW_NANOS} while requests are
 * outstanding: after {@link #idle()} (nothing was left to ask) the next block starts a new window,
 * so idle time does not read as a slow peer. A link whose round trip exceeds the pipeline time
 * gets less than it could carry (datacenter links are far below it; raise
 * {@code EngineConfig.pipelineTime} for others). Not thread-safe: owned by the session's event
 * loop, like the rest of a connection's state.
 */
final class RequestDepth {
    static final int MIN = 4;
    static final int INITIAL = 16;
    static final long WINDOW_NANOS = 100_000_000L;

    private final int max;
    private final long timeNanos;
    private final int blockSize;
    private int depth;
    private boolean measuring;
    private long windowStart;
    private long windowBytes;

    RequestDepth(int max, long timeNanos, int blockSize) {
        if (max < 1 || timeNanos <= 0 || blockSize < 1) {
            throw new IllegalArgumentException("max " + max + ", time " + timeNanos + " ns, block " + blockSize
                    + " (expected: all positive)");
        }
        this.max = max;
        this.timeNanos = timeNanos;
        this.blockSize = blockSize;
        this.depth = Math.min(max, INITIAL);
    }

    /** Requests to keep in flight now. */
    int depth() {
        return depth;
    }

    /** Nothing is in flight: the time until the next request is answered is not the peer's. */
    void idle() {
        measuring = false;
    }

    /** A block of {@code bytes} arrived at {@code nowNanos}. */
    void onBlock(long nowNanos, int bytes) {
        if (!measuring || nowNanos < windowStart) { // idle before, or the clock stepped back
            measuring = true;
            windowStart = nowNanos;
            windowBytes = 0;
        } else {
            windowBytes += bytes;
            long elapsed = nowNanos - windowStart;
            if (elapsed >= WINDOW_NANOS) {
                double bytesPerNano = (double) windowBytes / elapsed;
                long wanted = (long) Math.ceil(bytesPerNano * timeNanos / blockSize);
                depth = (int) Math.max(Math.min(max, MIN), Math.min(max, wanted));
                windowStart = nowNanos;
                windowBytes = 0;
            }
        }
    }
}
