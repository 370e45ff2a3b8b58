package org.murder.peer.engine;

/**
 * How many requests (of {@code requestSize} bytes each) to keep in flight with one peer: enough for
 * {@code time} worth of data at the rate that peer delivered lately, at least {@link #MIN_BYTES}
 * worth (and two requests) and at most {@code max}; {@link #INITIAL_BYTES} worth at first.
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
    /** The floor, as bytes: 4 requests of 16 KiB; at least 2 requests whatever their size. */
    static final int MIN_BYTES = 64 * 1024;
    /**
     * The start, as bytes: 16 requests of 16 KiB. The same bytes whatever the request size: 16
     * requests of 64 KiB from each of 16 hosts queued 16 MiB at the origin at once (the origin then
     * sent 1.03 x F instead of 1.00, at 50 Mbit/s).
     */
    static final int INITIAL_BYTES = 256 * 1024;
    static final long WINDOW_NANOS = 100_000_000L;

    private final int max;
    private final int min;
    private final long timeNanos;
    private final int requestSize;
    private int depth;
    private boolean measuring;
    private long windowStart;
    private long windowBytes;

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
                long wanted = (long) Math.ceil(bytesPerNano * timeNanos / requestSize);
                depth = (int) Math.max(min, Math.min(max, wanted));
                windowStart = nowNanos;
                windowBytes = 0;
            }
        }
    }
}
