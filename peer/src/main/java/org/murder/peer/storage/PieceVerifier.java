package org.murder.peer.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.function.LongConsumer;
import org.murder.core.crypto.Digests;
import org.murder.core.metainfo.MetaInfo;

/**
 * Checks pieces against their SHA-1 off the event loop: reads each piece back from storage
 * into a per-thread direct buffer and hashes it. Also re-checks a whole file in parallel for
 * resume and before seeding.
 */
public final class PieceVerifier {
    private final MetaInfo meta;
    private final Storage storage;
    private final ExecutorService pool;
    private final ThreadLocal<ByteBuffer> buffers;

    public PieceVerifier(MetaInfo meta, Storage storage, ExecutorService pool) {
        this.meta = meta;
        this.storage = storage;
        this.pool = pool;
        this.buffers = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect((int) meta.pieceLength()));
    }

    /** Completes with true when piece {@code index} on disk matches its hash. */
    public CompletableFuture<Boolean> verify(int index) {
        return verify(index, null);
    }

    /** Like {@link #verify(int)}, and offers a good piece's bytes to {@code md5} (may be null). */
    public CompletableFuture<Boolean> verify(int index, Md5Stream md5) {
        return verify(index, md5, (int) meta.pieceLength(), false).thenApply(Check::good);
    }

    /**
     * What a check found: whether the piece is good, and the SHA-1 of each of its blocks of
     * {@code blockSize} bytes as they were on disk when asked for (see {@link #verify(int, Md5Stream, int, boolean)}).
     */
    public record Check(boolean good, List<byte[]> blockHashes) {
        public Check {
            blockHashes = List.copyOf(blockHashes);
        }
    }

    /**
     * Like {@link #verify(int, Md5Stream)}; also hashes the piece block by block when it fails or
     * when {@code blocksAlways}, in the same read, so the bytes hashed are the ones checked (a new
     * copy may be written over a failed one as soon as the failure is known).
     */
    public CompletableFuture<Check> verify(int index, Md5Stream md5, int blockSize, boolean blocksAlways) {
        return CompletableFuture.supplyAsync(() -> {
            boolean ok = check(index);
            ByteBuffer buf = buffers.get();
            List<byte[]> blocks = List.of();
            if (!ok || blocksAlways) {
                blocks = new java.util.ArrayList<>();
                for (int at = 0; at < buf.limit(); at += blockSize) {
                    MessageDigest sha1 = Digests.sha1();
                    sha1.update(buf.duplicate().position(at).limit(Math.min(buf.limit(), at + blockSize)));
                    blocks.add(sha1.digest());
                }
            }
            if (ok && md5 != null) {
                buf.rewind();
                md5.offer(index, buf);
            }
            return new Check(ok, blocks);
        }, pool);
    }

    /** Which pieces on disk are good; {@code onBytes} sees each piece's size as it is checked. */
    public CompletableFuture<BitSet> verifyAll(LongConsumer onBytes) {
        BitSet good = new BitSet(meta.pieceCount());
        List<CompletableFuture<Void>> all = new java.util.ArrayList<>(meta.pieceCount());
        for (int i = 0; i < meta.pieceCount(); i++) {
            int piece = i;
            all.add(CompletableFuture.runAsync(() -> {
                boolean ok = check(piece);
                synchronized (good) {
                    if (ok) {
                        good.set(piece);
                    }
                }
                onBytes.accept(meta.pieceSize(piece));
            }, pool));
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(v -> {
            synchronized (good) {
                return (BitSet) good.clone();
            }
        });
    }

    private boolean check(int index) {
        ByteBuffer buf = buffers.get();
        buf.clear();
        buf.limit((int) meta.pieceSize(index));
        try {
            storage.read((long) index * meta.pieceLength(), buf);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("read piece " + index + ": " + e.getMessage(), e);
        }
        buf.flip();
        MessageDigest sha1 = Digests.sha1();
        sha1.update(buf.duplicate());
        return Arrays.equals(sha1.digest(), meta.pieceHash(index));
    }

    /** Reads piece {@code index} into {@code digest}. */
    void digestPiece(MessageDigest digest, int index) throws IOException {
        ByteBuffer buf = buffers.get();
        buf.clear();
        buf.limit((int) meta.pieceSize(index));
        storage.read((long) index * meta.pieceLength(), buf);
        buf.flip();
        digest.update(buf);
    }
}
