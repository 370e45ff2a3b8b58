package org.murder.maker;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

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
    static final int MIN_FRAME = 128 << 10;
    /** A cut at this many bytes whatever the content. */
    static final int MAX_FRAME = 1 << 20;
    /** Bits of the hash that must be zero: a cut every 2^17 = 128 KiB past the minimum, on average. */
    static final int CUT_BITS = 17;
    /** 256 fixed random values (splitmix64 from seed 0x6d75726465720001). Never change them: frames of releases made with other values would not match. */
    private static final long[] GEAR = gear(0x6d75726465720001L);

    private final OutputStream out;
    private final ExecutorService pool;
    private final Compression codec;
    private final int level;
    private final int maxInFlight;
    private final ArrayDeque<Future<Encoded>> inFlight = new ArrayDeque<>();
    private final List<FrameIndex.Frame> frames = new ArrayList<>();
    private byte[] frame = new byte[MAX_FRAME];
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

    private void submitFrame() throws IOException {
        byte[] data = frame;
        int size = used;
        frame = new byte[MAX_FRAME];
        used = 0;
        hash = 0;
        inFlight.add(pool.submit(() -> {
            byte[] c = codec.compress(data, size, level);
            return new Encoded(c, FrameIndex.crc(c, 0, c.length));
        }));
        while (inFlight.size() >= maxInFlight) {
            writeHead();
        }
    }

    private void writeHead() throws IOException {
        Encoded compressed;
        try {
            compressed = inFlight.removeFirst().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while compressing");
        } catch (ExecutionException e) {
            throw new IOException("compress a frame: " + e.getCause(), e.getCause());
        }
        frames.add(new FrameIndex.Frame(compressed.bytes().length, compressed.crc()));
        out.write(compressed.bytes());
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
        while (!inFlight.isEmpty()) {
            writeHead();
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
            out.close();
        }
    }

    /** The frames written, in order (complete once closed). */
    public FrameIndex index() {
        return new FrameIndex(frames);
    }
}
