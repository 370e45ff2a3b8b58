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
 * into a direct buffer of a piece and hashes it. Also re-checks a whole file in parallel for
 * resume and before seeding.
 *
 * <p>The buffers are few: at most {@link #BUFFER_BUDGET} bytes of them (one at least, whatever the piece length), taken
 * and given back by each check, and dropped once a whole-file check ends; the bytes come from a {@link BufferBudget}
 * the engine's torrents share. One per hashing thread (a thread per core)
 * ran past the peers' 256 MiB of direct memory on a 64-core host with 4 MiB pieces, or on any host with 128 MiB
 * pieces, and the check failed with the JVM's "Cannot reserve ... bytes of direct buffer memory".
 */
public final class PieceVerifier {
    /**
     * The most direct memory one torrent's piece buffers take (a single buffer of a larger piece is still made), and by
     * default an engine's torrents together ({@link BufferBudget#forEngine}).
     */
    static final long BUFFER_BUDGET = 64L << 20;
    /** What the md5's catching up reads a piece through, a part at a time. */
    private static final int CHUNK = 1 << 20;

    private final MetaInfo meta;
    private final Storage storage;
    private final ExecutorService pool;
    /** Buffers not in use; {@link #made} of them exist at most {@link #maxBuffers}. */
    private final java.util.concurrent.LinkedBlockingDeque<ByteBuffer> idle = new java.util.concurrent.LinkedBlockingDeque<>();
    private final int maxBuffers;
    private final BufferBudget budget;
    private int made;
    /** Closed: buffers given back are dropped, not kept idle. */
    private boolean closed;
    /** The md5's read-back buffer (see {@link #digestPiece}), made when first needed; guarded by {@link #chunkLock}. */
    private ByteBuffer chunk;
    private final Object chunkLock = new Object();

    /** With a budget of its own ({@link #BUFFER_BUDGET}). */
    public PieceVerifier(MetaInfo meta, Storage storage, ExecutorService pool) {
        this(meta, storage, pool, BufferBudget.forEngine());
    }

    /** Its buffers' bytes taken from {@code budget}, shared with other torrents. */
    public PieceVerifier(MetaInfo meta, Storage storage, ExecutorService pool, BufferBudget budget) {
        this.meta = meta;
        this.storage = storage;
        this.pool = pool;
        this.budget = budget;
        this.maxBuffers = (int) Math.max(1, Math.min(1024, BUFFER_BUDGET / meta.pieceLength()));
    }

    /**
     * A piece buffer: an idle one, a new one while fewer than {@link #maxBuffers} exist and the budget has room (the
     * first one whatever it has), else the next one given back.
     */
    private ByteBuffer take() {
        while (true) {
            ByteBuffer b = idle.pollFirst();
            if (b != null) {
                return b;
            }
            synchronized (this) {
                if (made < maxBuffers && budget.tryTake(meta.pieceLength(), made == 0)) {
                    made++;
                    try {
                        return ByteBuffer.allocateDirect((int) meta.pieceLength());
                    } catch (OutOfMemoryError e) {
                        made--;
                        budget.giveBack(meta.pieceLength());
                        throw e;
                    }
                }
            }
            try {
                // the next one given back; looked at again now and then: one given back while dropIdle() ran may have gone,
                // and there is room to make one then
                b = idle.pollFirst(100, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.util.concurrent.CancellationException("interrupted waiting for a piece buffer");
            }
            if (b != null) {
                return b;
            }
        }
    }

    private void give(ByteBuffer b) {
        synchronized (this) { // with close(): a buffer given back as it closes is dropped, never left idle for good
            if (closed) {
                made--;
                budget.giveBack(meta.pieceLength());
            } else {
                idle.offerFirst(b);
            }
        }
    }

    /**
     * Drops the idle buffers (a seed checks its files once, then reads none back; a download that
     * completed reads none back either, and an agent's sessions seeding after their jobs held up
     * to {@link #BUFFER_BUDGET} each): the JDK frees them when it needs the room. A later check makes
     * new ones.
     */
    public void dropIdle() {
        synchronized (this) {
            while (idle.pollFirst() != null) {
                made--;
                budget.giveBack(meta.pieceLength());
            }
        }
    }

    /**
     * The torrent ended: its idle buffers are dropped, and so is each one in use when its check gives it back, their bytes
     * back in the budget for the engine's other torrents. A check that still runs makes what it needs, as before.
     */
    public void close() {
        synchronized (this) {
            closed = true;
        }
        dropIdle();
    }

    /** The buffers this verifier could use now: its idle ones and those the budget has room for (one at least). */
    private synchronized int buffersAvailable() {
        return (int) Math.max(1, Math.min(1024, idle.size() + budget.free() / meta.pieceLength()));
    }

    /** The piece buffers this verifier holds now, idle or in use (tests). */
    public synchronized int buffersHeld() {
        return made;
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
            ByteBuffer buf = take();
            try {
                boolean ok = check(index, buf);
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
                    md5.offer(index, buf); // never waits for a buffer under the md5's lock: see digestPiece
                }
                return new Check(ok, blocks);
            } finally {
                give(buf);
            }
        }, pool);
    }

    /** The most tasks a whole-file check runs as: a task a piece held 800,000 futures for a torrent of as many pieces (100 MB). */
    static final int CHECK_TASKS = 64;

    /** Which pieces on disk are good; {@code onBytes} sees each piece's size as it is checked. */
    public CompletableFuture<BitSet> verifyAll(LongConsumer onBytes) {
        BitSet good = new BitSet(meta.pieceCount());
        int pieces = meta.pieceCount();
        // no more tasks than buffers it may have now (a task waiting for one parks a thread the engine's other torrents
        // share), taking the pieces in order between them (the file is read front to back, as by a task a piece)
        int tasks = Math.max(1, Math.min(Math.min(pieces, CHECK_TASKS), Math.min(maxBuffers, buffersAvailable())));
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        List<CompletableFuture<Void>> all = new java.util.ArrayList<>(tasks);
        for (int t = 0; t < tasks; t++) {
            all.add(CompletableFuture.runAsync(() -> {
                ByteBuffer buf = take();
                try {
                    for (int piece = next.getAndIncrement(); piece < pieces; piece = next.getAndIncrement()) {
                        boolean ok = check(piece, buf);
                        if (ok) {
                            synchronized (good) {
                                good.set(piece);
                            }
                        }
                        onBytes.accept(meta.pieceSize(piece));
                    }
                } finally {
                    give(buf);
                }
            }, pool));
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> dropIdle()).thenApply(v -> {
            synchronized (good) {
                return (BitSet) good.clone();
            }
        });
    }

    private boolean check(int index, ByteBuffer buf) {
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

    /**
     * Reads piece {@code index} into {@code digest}, a part at a time through a buffer of its own: the md5 catches up under
     * its lock, which a check holding a piece buffer may be waiting for (md5.offer), so it never waits for a piece buffer.
     */
    void digestPiece(MessageDigest digest, int index) throws IOException {
        synchronized (chunkLock) {
            if (chunk == null) {
                chunk = ByteBuffer.allocateDirect((int) Math.min(CHUNK, meta.pieceLength()));
            }
            long at = (long) index * meta.pieceLength();
            long end = at + meta.pieceSize(index);
            while (at < end) {
                chunk.clear();
                chunk.limit((int) Math.min(chunk.capacity(), end - at));
                storage.read(at, chunk);
                chunk.flip();
                at += chunk.remaining();
                digest.update(chunk);
            }
        }
    }
}
