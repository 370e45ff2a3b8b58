package org.murder.maker;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Compresses a stream on every core as independent frames cut where the content says. A cut falls
 * where a rolling (gear) hash of the last 64 bytes has its top {@link #CUT_BITS} bits zero, at least
 * {@link #MIN_FRAME} and at most {@link #MAX_FRAME} bytes after the last cut (content-defined
 * chunking, as in FastCDC). An edit to one file moves the cuts around it only: the frames before
 * and after it have the same content, so the same compressed bytes, as in the release before; that
 * is what lets hosts reuse them (see {@link FrameIndex}). Frames are gathered in batches, each
 * batch compressed on the pool and written in order; {@link #index()} lists the frames once closed.
 *
 * <p>Nothing is allocated per frame: a batch's raw and compressed bytes live in two arrays that are
 * reused for a later batch once written. A fresh 1 MiB array per frame and a copy of each compressed
 * frame made a quarter of the allocation of a 1 GB release survive young collections, which then
 * cost 100-140 ms each, and the page faults of the fresh heap as much CPU again (async-profiler).
 */
public final class FrameWriter extends OutputStream {
    /** No cut before this many bytes of a frame: also the bytes per frame that are not hashed. */
    static final int MIN_FRAME = 64 << 10;
    /** A cut at this many bytes whatever the content. */
    static final int MAX_FRAME = 1 << 20;
    /**
     * Bits of the hash that must be zero: a cut every 2^16 = 64 KiB past the minimum, on average
     * (frames of 128 KiB). Each changed frame costs a host its bytes and the pieces it shares with
     * others: with frames of 256 KiB and pieces of 512 KiB, 1 % of a release's files changed cost
     * 4.4 % of the archive (bench/release.sh).
     */
    static final int CUT_BITS = 16;
    /** Raw bytes of frames handed to the pool at once (see {@link #submitBatch}). */
    static final int BATCH = 4 << 20;
    /** 256 fixed random values (splitmix64 from seed 0x6d75726465720001). Never change them: frames of releases made with other values would not match. */
    private static final long[] GEAR = gear(0x6d75726465720001L);

    private final OutputStream out;
    private final ExecutorService pool;
    private final Compression codec;
    private final int level;
    /** Batches compressed or being compressed and written, at most this many at once. */
    private final int maxInFlight;
    private final ArrayDeque<CompletableFuture<Void>> inFlight = new ArrayDeque<>();
    /**
     * One thread writes the batches to {@code out}, in order: {@code out} digests what it writes (the
     * archive's md5, serial by nature), and on the caller's thread that digest held up the reading and
     * cutting of the next frames.
     */
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "make-torrent-writer");
        t.setDaemon(true);
        return t;
    });
    private CompletableFuture<Void> lastWrite = CompletableFuture.completedFuture(null);
    /** Written by the writer thread only; read once every write completed. */
    private final List<FrameIndex.Frame> frames = new ArrayList<>();
    /** Batches written, ready for reuse; at most {@code maxInFlight + 1} are ever made. */
    private final ConcurrentLinkedQueue<Batch> freeBatches = new ConcurrentLinkedQueue<>();
    private int batchesMade;
    /** The batch being filled; the frame being filled is its bytes from {@code frameStart} to {@code used}. */
    private Batch batch;
    private int frameStart;
    private long hash;
    private boolean closed;

    public FrameWriter(OutputStream out, ExecutorService pool, int threads, Compression codec, int level) {
        this.out = out;
        this.pool = pool;
        this.codec = codec;
        this.level = level;
        this.maxInFlight = Math.max(2, threads * 2);
    }

    /**
     * Frames cut from the stream and, once compressed, their bytes. Room for {@link #BATCH} bytes plus
     * one whole frame, so a frame always ends in the batch it started in.
     */
    private static final class Batch {
        /** At most one frame per {@link #MIN_FRAME} bytes, plus one shorter frame where the stream was flushed. */
        private static final int MAX_FRAMES = (BATCH + MAX_FRAME) / MIN_FRAME + 1;

        final byte[] raw = new byte[BATCH + MAX_FRAME];
        int used;
        final int[] rawEnds = new int[MAX_FRAMES];
        int count;
        byte[] packed = new byte[0];
        final int[] packedEnds = new int[MAX_FRAMES];
        final int[] crcs = new int[MAX_FRAMES];

        void clear() {
            used = 0;
            count = 0;
        }

        /** Compresses every frame into {@code packed}, each a whole frame of its own. */
        void compress(Compression codec, int level) throws IOException {
            long bound = 0;
            for (int i = 0, start = 0; i < count; start = rawEnds[i++]) {
                bound += codec.bound(rawEnds[i] - start);
            }
            if (packed.length < bound) {
                packed = new byte[(int) bound];
            }
            int at = 0;
            for (int i = 0, start = 0; i < count; start = rawEnds[i++]) {
                int n = codec.compress(raw, start, rawEnds[i] - start, level, packed, at);
                crcs[i] = FrameIndex.crc(packed, at, n);
                at += n;
                packedEnds[i] = at;
            }
        }
    }

    private static long[] gear(long seed) {
        long[] g = new long[256];
        long x = seed;
        for (int i = 0; i < g.length; i++) {
            x += 0x9E3779B97F4A7C15L;
            long z = x;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            g[i] = z ^ (z >>> 31);
        }
        return g;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("stream closed");
        }
        int end = off + len;
        while (off < end) {
            if (batch == null) {
                batch = takeBatch();
                frameStart = 0;
            }
            byte[] raw = batch.raw;
            int used = batch.used;
            int inFrame = used - frameStart;
            if (inFrame < MIN_FRAME) {
                int n = Math.min(MIN_FRAME - inFrame, end - off);
                System.arraycopy(b, off, raw, used, n);
                batch.used = used + n;
                off += n;
                continue;
            }
            // scan for a cut, at most up to MAX_FRAME
            int limit = Math.min(end, off + (MAX_FRAME - inFrame));
            long h = hash;
            int i = scanFast(b, off, limit, h);
            if (i > off) {
                h = hashAt(b, off, i, h);
            }
            boolean cut = false;
            while (i < limit) {
                h = (h << 1) + GEAR[b[i++] & 0xFF];
                if ((h >>> (64 - CUT_BITS)) == 0) {
                    cut = true;
                    break;
                }
            }
            int n = i - off;
            System.arraycopy(b, off, raw, used, n);
            batch.used = used + n;
            off = i;
            hash = h;
            if (cut || batch.used - frameStart == MAX_FRAME) {
                cutFrame();
            }
        }
    }

    /**
     * How far from {@code from} the hash runs, 8 bytes at a time, without a cut: the cut, if any, is
     * within the 8 bytes at the returned index (or the last 7 before {@code limit}), for the byte loop.
     * Unrolled by hand because C1, which compiles make-torrent, does not: 0.84 ns a byte against 1.35-2.0
     * for the byte loop, and this scan was a third of the thread that reads and cuts the tar.
     */
    private static int scanFast(byte[] b, int from, int limit, long h) {
        long[] g = GEAR;
        int i = from;
        while (i + 8 <= limit) {
            long h1 = (h << 1) + g[b[i] & 0xFF];
            long h2 = (h1 << 1) + g[b[i + 1] & 0xFF];
            long h3 = (h2 << 1) + g[b[i + 2] & 0xFF];
            long h4 = (h3 << 1) + g[b[i + 3] & 0xFF];
            long h5 = (h4 << 1) + g[b[i + 4] & 0xFF];
            long h6 = (h5 << 1) + g[b[i + 5] & 0xFF];
            long h7 = (h6 << 1) + g[b[i + 6] & 0xFF];
            long h8 = (h7 << 1) + g[b[i + 7] & 0xFF];
            if ((h1 >>> (64 - CUT_BITS)) == 0 || (h2 >>> (64 - CUT_BITS)) == 0 || (h3 >>> (64 - CUT_BITS)) == 0
                    || (h4 >>> (64 - CUT_BITS)) == 0 || (h5 >>> (64 - CUT_BITS)) == 0 || (h6 >>> (64 - CUT_BITS)) == 0
                    || (h7 >>> (64 - CUT_BITS)) == 0 || (h8 >>> (64 - CUT_BITS)) == 0) {
                return i;
            }
            h = h8;
            i += 8;
        }
        return i;
    }

    /** The hash after bytes {@code from} to {@code to} (a multiple of 8 apart) from {@code h}: the last 64 bytes decide it. */
    private static long hashAt(byte[] b, int from, int to, long h) {
        long[] g = GEAR;
        for (int i = Math.max(from, to - 64); i < to; i++) {
            h = (h << 1) + g[b[i] & 0xFF];
        }
        return h;
    }

    /** Ends the frame being filled; a batch that holds {@link #BATCH} bytes goes to the pool. */
    private void cutFrame() throws IOException {
        batch.rawEnds[batch.count++] = batch.used;
        frameStart = batch.used;
        hash = 0;
        if (batch.used >= BATCH) {
            submitBatch();
        }
    }

    /** A batch to fill: a written one, or a new one while fewer than {@code maxInFlight + 1} exist. */
    private Batch takeBatch() throws IOException {
        while (true) {
            Batch b = freeBatches.poll();
            if (b != null) {
                b.clear();
                return b;
            }
            if (batchesMade <= maxInFlight) {
                batchesMade++;
                return new Batch();
            }
            // every batch is in flight: the oldest one's write returns it (or fails this stream)
            awaitHead();
        }
    }

    /**
     * The batch goes to the pool and then to the writer: each hand-over wakes a thread, and on the
     * virtual machines measured a wake-up cost as much as compressing 50 KiB (one hand-over per
     * 256 KiB frame spent a third of the time waking threads).
     */
    private void submitBatch() throws IOException {
        Batch b = batch;
        batch = null;
        if (b == null || b.count == 0) {
            if (b != null) {
                freeBatches.offer(b);
            }
            return;
        }
        CompletableFuture<Batch> compressed = CompletableFuture.supplyAsync(() -> {
            try {
                b.compress(codec, level);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return b;
        }, pool);
        lastWrite = lastWrite.thenCombineAsync(compressed, (previous, done) -> {
            try {
                out.write(done.packed, 0, done.packedEnds[done.count - 1]);
                for (int i = 0, start = 0; i < done.count; start = done.packedEnds[i++]) {
                    frames.add(new FrameIndex.Frame(done.packedEnds[i] - start, done.crcs[i]));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            freeBatches.offer(done); // before this write completes: takeBatch counts on it
            return null;
        }, writer);
        inFlight.add(lastWrite);
        while (inFlight.size() >= maxInFlight) {
            awaitHead();
        }
    }

    /** Waits until the oldest batch in flight is written; its failure (or an earlier one's) is this stream's. */
    private void awaitHead() throws IOException {
        if (inFlight.isEmpty()) {
            throw new IllegalStateException("no batch in flight and none free");
        }
        try {
            inFlight.removeFirst().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while compressing");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof UncheckedIOException u ? u.getCause() : e.getCause();
            throw cause instanceof IOException io ? io : new IOException("compress a frame: " + cause, cause);
        }
    }

    /** Writes every pending frame, then flushes; the next bytes start a new frame. */
    @Override
    public void flush() throws IOException {
        if (closed) {
            throw new IOException("stream closed");
        }
        if (batch != null && batch.used > frameStart) {
            cutFrame();
        }
        submitBatch();
        while (!inFlight.isEmpty()) {
            awaitHead();
        }
        out.flush();
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            flush();
        } finally {
            closed = true;
            inFlight.forEach(f -> f.cancel(true));
            writer.shutdownNow();
            out.close();
        }
    }

    /** The frames written, in order (complete once closed). */
    public FrameIndex index() {
        return new FrameIndex(frames);
    }
}
