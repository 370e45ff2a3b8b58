package org.murder.maker;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Compresses a stream on every core as independent frames cut where the content says. A cut falls
 * where a rolling (gear) hash of the last 64 bytes has its top {@link #CUT_BITS} bits zero, at least
 * {@link #MIN_FRAME} and at most {@link #MAX_FRAME} bytes after the last cut (content-defined
 * chunking, as in FastCDC). An edit to one file moves the cuts around it only: the frames before
 * and after it have the same content, so the same compressed bytes, as in the release before; that
 * is what lets hosts reuse them (see {@link FrameIndex}). Each frame is compressed on the pool and
 * written in order; {@link #index()} lists them once closed.
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
    /** Raw bytes of frames handed to the pool at once (see submitBatch). */
    static final int BATCH = 4 << 20;
    /** 256 fixed random values (splitmix64 from seed 0x6d75726465720001). Never change them: frames of releases made with other values would not match. */
    private static final long[] GEAR = gear(0x6d75726465720001L);

    private final OutputStream out;
    private final ExecutorService pool;
    private final Compression codec;
    private final int level;
    private final int maxInFlight;
    /** Frames compressed or being compressed, each written once it and the frame before it are: see submitFrame. */
    private final ArrayDeque<CompletableFuture<Void>> inFlight = new ArrayDeque<>();
    /**
     * One thread writes the frames to {@code out}, in order: {@code out} digests what it writes (the
     * archive's md5, serial by nature), and on the caller's thread that digest held up the reading and
     * cutting of the next frames.
     */
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "make-torrent-writer");
        t.setDaemon(true);
        return t;
    });
    private CompletableFuture<Void> lastWrite = CompletableFuture.completedFuture(null);
    private final List<FrameIndex.Frame> frames = new ArrayList<>();
    /** Frame buffers the pool is done with (at most as many as are ever in flight, plus the one being filled). */
    private final java.util.concurrent.ConcurrentLinkedQueue<byte[]> freeFrames = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private byte[] frame = new byte[MAX_FRAME];
    private List<byte[]> batchData = new ArrayList<>();
    private List<Integer> batchSizes = new ArrayList<>();
    private long batchBytes;
    private int used;
    private long hash;
    private boolean closed;

    public FrameWriter(OutputStream out, ExecutorService pool, int threads, Compression codec, int level) {
        this.out = out;
        this.pool = pool;
        this.codec = codec;
        this.level = level;
        this.maxInFlight = Math.max(2, threads * 2);
    }

    private record Encoded(byte[] bytes, int crc) {
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
            if (used < MIN_FRAME) {
                int n = Math.min(MIN_FRAME - used, end - off);
                System.arraycopy(b, off, frame, used, n);
                used += n;
                off += n;
                continue;
            }
            // scan for a cut, at most up to MAX_FRAME
            int limit = Math.min(end, off + (MAX_FRAME - used));
            long h = hash;
            int i = off;
            boolean cut = false;
            while (i < limit) {
                h = (h << 1) + GEAR[b[i++] & 0xFF];
                if ((h >>> (64 - CUT_BITS)) == 0) {
                    cut = true;
                    break;
                }
            }
            int n = i - off;
            System.arraycopy(b, off, frame, used, n);
            used += n;
            off = i;
            hash = h;
            if (cut || used == MAX_FRAME) {
                submitFrame();
            }
        }
    }

    /** The frame cut: into the batch, which goes to the pool once it holds {@link #BATCH} bytes. */
    private void submitFrame() throws IOException {
        batchData.add(frame);
        batchSizes.add(used);
        batchBytes += used;
        frame = freeFrames.isEmpty() ? new byte[MAX_FRAME] : freeFrames.poll();
        used = 0;
        hash = 0;
        if (batchBytes >= BATCH) {
            submitBatch();
        }
    }

    /**
     * Frames go to the pool and to the writer by batches: each hand-over wakes a thread, and on the
     * virtual machines measured a wake-up cost as much as compressing 50 KiB (one hand-over per
     * 256 KiB frame spent a third of the time waking threads).
     */
    private void submitBatch() throws IOException {
        if (batchData.isEmpty()) {
            return;
        }
        List<byte[]> data = batchData;
        List<Integer> sizes = batchSizes;
        batchData = new ArrayList<>();
        batchSizes = new ArrayList<>();
        batchBytes = 0;
        CompletableFuture<List<Encoded>> compressed = CompletableFuture.supplyAsync(() -> {
            List<Encoded> encoded = new ArrayList<>(data.size());
            try {
                for (int i = 0; i < data.size(); i++) {
                    byte[] c = codec.compress(data.get(i), sizes.get(i), level);
                    freeFrames.offer(data.get(i)); // reused for a later frame: fresh 1 MiB arrays cost page faults here
                    encoded.add(new Encoded(c, FrameIndex.crc(c, 0, c.length)));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return encoded;
        }, pool);
        lastWrite = lastWrite.thenCombineAsync(compressed, (previous, batch) -> {
            try {
                for (Encoded e : batch) {
                    out.write(e.bytes());
                    frames.add(new FrameIndex.Frame(e.bytes().length, e.crc()));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return null;
        }, writer);
        inFlight.add(lastWrite);
        while (inFlight.size() >= maxInFlight) {
            awaitHead();
        }
    }

    /** Waits until the oldest frame in flight is written; its failure (or an earlier one's) is this stream's. */
    private void awaitHead() throws IOException {
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
        if (used > 0) {
            submitFrame();
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
