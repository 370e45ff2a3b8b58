package org.murder.maker;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.murder.core.crypto.Digests;

/**
 * Hashes one sequential byte stream in a single pass: the MD5 of the whole stream on the
 * caller's thread, and the SHA-1 of every piece on a pool, so that MD5 (inherently serial) is
 * the only limit. Piece buffers are direct and recycled; at most {@code buffers} are in flight.
 * Not thread-safe: one producer feeds it.
 */
public final class PieceHasher {
    /** Files are mapped this much at a time: a whole number of pieces, well under the 2 GiB buffer limit. */

    private final long pieceLength;
    private final ExecutorService pool;
    private final MessageDigest md5 = Digests.md5();
    private final BlockingQueue<ByteBuffer> free;
    private final List<Future<byte[]>> pieceHashes = new ArrayList<>();
    private final ArrayDeque<ByteBuffer> allocated = new ArrayDeque<>();
    private final int maxBuffers;
    private ByteBuffer current;
    private long length;

    public PieceHasher(long pieceLength, ExecutorService pool, int buffers) {
        if (pieceLength <= 0 || pieceLength > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("pieceLength: " + pieceLength + " (expected: 1 to 2^31-1)");
        }
        this.pieceLength = pieceLength;
        this.pool = pool;
        this.maxBuffers = Math.max(2, buffers);
        this.free = new ArrayBlockingQueue<>(this.maxBuffers);
    }

    /** Hashes bytes copied from {@code src}. */
    public void update(ByteBuffer src) {
        while (src.hasRemaining()) {
            ByteBuffer piece = currentPiece();
            int n = Math.min(piece.remaining(), src.remaining());
            ByteBuffer slice = src.slice();
            slice.limit(n);
            piece.put(slice);
            src.position(src.position() + n);
            if (!piece.hasRemaining()) {
                submitCurrent();
            }
        }
    }

    /** Reads {@code channel} to its end straight into piece buffers; calls {@code onBytes} with each count read. */
    public void readFully(ReadableByteChannel channel, java.util.function.LongConsumer onBytes) throws IOException {
        while (true) {
            ByteBuffer piece = currentPiece();
            int n = channel.read(piece);
            if (n < 0) {
                return;
            }
            onBytes.accept(n);
            if (!piece.hasRemaining()) {
                submitCurrent();
            }
        }
    }

    private ByteBuffer currentPiece() {
        if (current == null) {
            ByteBuffer b = free.poll();
            if (b == null && allocated.size() < maxBuffers) {
                b = ByteBuffer.allocateDirect((int) pieceLength);
                allocated.add(b);
            }
            if (b == null) {
                try {
                    b = free.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while hashing", e);
                }
            }
            b.clear();
            current = b;
        }
        return current;
    }

    private void submitCurrent() {
        ByteBuffer piece = current;
        current = null;
        piece.flip();
        length += piece.remaining();
        md5.update(piece.duplicate());
        pieceHashes.add(pool.submit(() -> {
            try {
                MessageDigest sha1 = Digests.sha1();
                sha1.update(piece);
                return sha1.digest();
            } finally {
                free.add(piece);
            }
        }));
    }

    /** Completes the last piece and returns every digest. */
    public Hashes finish() throws IOException {
        if (current != null && current.position() > 0) {
            submitCurrent();
        }
        byte[] pieces = new byte[pieceHashes.size() * 20];
        try {
            for (int i = 0; i < pieceHashes.size(); i++) {
                System.arraycopy(pieceHashes.get(i).get(), 0, pieces, i * 20, 20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while hashing", e);
        } catch (ExecutionException e) {
            throw new IOException("hash piece: " + e.getCause(), e.getCause());
        }
        return new Hashes(md5.digest(), pieces, length);
    }

    /** The result of one pass. {@code pieces} is the concatenated 20-byte SHA-1 of every piece. */
    public record Hashes(byte[] md5, byte[] pieces, long length) {
        public Hashes {
            md5 = md5.clone();
            pieces = pieces.clone();
        }

        @Override
        public byte[] md5() {
            return md5.clone();
        }

        @Override
        public byte[] pieces() {
            return pieces.clone();
        }

        public String md5Hex() {
            return org.murder.core.Hex.encode(md5);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Hashes h && java.util.Arrays.equals(md5, h.md5) && java.util.Arrays.equals(pieces, h.pieces)
                    && length == h.length;
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(md5) * 31 + java.util.Arrays.hashCode(pieces);
        }

        @Override
        public String toString() {
            return "Hashes[md5=" + md5Hex() + ", pieces=" + pieces.length / 20 + ", length=" + length + "]";
        }
    }
}
