package org.murder.orchestrator.release;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reads a stream on a thread of its own, a few chunks ahead of the reader: decompression runs
 * beside the thread that writes the files. An error on the reading thread reaches the reader at
 * the point where the data stops. Closing stops the thread and closes the source.
 */
final class ReadAhead extends InputStream {
    private static final int CHUNK = 1 << 20;
    private static final int AHEAD = 4;
    private static final int READ = 128 << 10;
    private static final byte[] END = new byte[0];

    private final InputStream source;
    private final BlockingQueue<byte[]> chunks = new ArrayBlockingQueue<>(AHEAD);
    /** Chunks the reader is done with: reused, since a fresh 1 MiB array per chunk cost page faults and zeroing. */
    private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(AHEAD + 2);
    private final Thread thread;
    private volatile IOException failure;
    private byte[] current = new byte[0];
    private int position;
    private boolean ended;

    ReadAhead(InputStream source, String name) {
        this.source = source;
        this.thread = new Thread(this::fill, name);
        thread.setDaemon(true);
        thread.start();
    }

    private void fill() {
        try {
            boolean more = true;
            while (more) {
                byte[] chunk = free.poll();
                try {
                    if (chunk == null) {
                        chunk = new byte[CHUNK];
                    }
                } catch (OutOfMemoryError e) {
                    failure = new IOException("out of memory reading ahead", e);
                    break;
                }
                int n = 0;
                try {
                    while (n < CHUNK) {
                        // small reads: a decoder that fails throws away what it decoded in that call
                        int r = source.read(chunk, n, Math.min(CHUNK - n, READ));
                        if (r < 0) {
                            more = false;
                            break;
                        }
                        n += r;
                    }
                } catch (IOException e) {
                    failure = e;
                    more = false;
                } catch (RuntimeException | Error e) { // a decoder's unchecked error on corrupt data, a native or link error
                    failure = new IOException(e.getMessage() == null ? e.toString() : e.getMessage(), e);
                    more = false;
                }
                if (n > 0) { // the good bytes before an error still reach the reader, so it knows where the data broke
                    chunks.put(n == CHUNK ? chunk : Arrays.copyOf(chunk, n));
                } else {
                    free.offer(chunk);
                }
            }
        } catch (InterruptedException e) {
            return; // closed: nobody reads END
        }
        // whatever ended the loop, the reader learns it (a thread that died silently would leave it waiting)
        try {
            chunks.put(END);
        } catch (InterruptedException e) {
            // closed
        }
    }

    private boolean next() throws IOException {
        if (ended) {
            return false;
        }
        if (current.length == CHUNK) {
            free.offer(current); // a full chunk, ours: the reading thread fills it again
        }
        try {
            current = chunks.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading ahead");
        }
        position = 0;
        if (current == END) {
            ended = true;
            if (failure != null) {
                throw failure;
            }
            return false;
        }
        return true;
    }

    @Override
    public int read() throws IOException {
        if (position == current.length && !next()) {
            return -1;
        }
        return current[position++] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (position == current.length && !next()) {
            return -1;
        }
        int n = Math.min(len, current.length - position);
        System.arraycopy(current, position, b, off, n);
        position += n;
        return n;
    }

    @Override
    public void close() throws IOException {
        thread.interrupt();
        // at most one chunk more: the source is never closed under its reader (zstd's is native), even
        // when the closing thread was itself interrupted
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        source.close();
    }
}
