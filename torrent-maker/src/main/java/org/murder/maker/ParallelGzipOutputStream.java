package org.murder.maker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * gzip on every core: the input is cut into blocks, each block is compressed on the pool as a
 * complete gzip member, and the members are written in order. RFC 1952 allows concatenated
 * members, so {@code gzip -t}, {@code tar xzf} and {@code GZIPInputStream} read the result as one
 * stream. Costs a little ratio (no shared dictionary across blocks) for a speed-up by the number of cores.
 */
public final class ParallelGzipOutputStream extends OutputStream {
    static final int DEFAULT_BLOCK_SIZE = 1 << 20;

    private final OutputStream out;
    private final ExecutorService pool;
    private final int level;
    private final int maxInFlight;
    private final ArrayDeque<Future<byte[]>> inFlight = new ArrayDeque<>();
    private byte[] block;
    private int used;
    private boolean closed;

    public ParallelGzipOutputStream(OutputStream out, ExecutorService pool, int threads, int level, int blockSize) {
        if (level < Deflater.BEST_SPEED || level > Deflater.BEST_COMPRESSION) {
            throw new IllegalArgumentException("level: " + level + " (expected: 1 to 9)");
        }
        this.out = out;
        this.pool = pool;
        this.level = level;
        this.maxInFlight = Math.max(2, threads * 2);
        this.block = new byte[blockSize];
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ensureOpen();
        while (len > 0) {
            int n = Math.min(len, block.length - used);
            System.arraycopy(b, off, block, used, n);
            used += n;
            off += n;
            len -= n;
            if (used == block.length) {
                submitBlock();
            }
        }
    }

    private void submitBlock() throws IOException {
        byte[] data = block;
        int size = used;
        block = new byte[block.length];
        used = 0;
        inFlight.add(pool.submit(() -> compress(data, size, level)));
        while (inFlight.size() >= maxInFlight) {
            writeHead();
        }
    }

    private void writeHead() throws IOException {
        try {
            out.write(inFlight.removeFirst().get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while compressing");
        } catch (ExecutionException e) {
            throw new IOException("compress block: " + e.getCause(), e.getCause());
        }
    }

    static byte[] compress(byte[] data, int size, int level) throws IOException {
        ByteArrayOutputStream member = new ByteArrayOutputStream(size / 3 + 64);
        try (GZIPOutputStream gz = new LeveledGzip(member, level)) {
            gz.write(data, 0, size);
        }
        return member.toByteArray();
    }

    /** Writes every pending member, then flushes; does not end the stream. */
    @Override
    public void flush() throws IOException {
        ensureOpen();
        if (used > 0) {
            submitBlock();
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

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("stream closed");
        }
    }

    private static final class LeveledGzip extends GZIPOutputStream {
        LeveledGzip(OutputStream out, int level) throws IOException {
            super(out, 64 * 1024);
            def.setLevel(level);
        }
    }
}
