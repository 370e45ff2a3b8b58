package org.murder.peer.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.murder.core.metainfo.MetaInfo;
import org.murder.peer.storage.Md5Stream;
import org.murder.peer.storage.PieceVerifier;
import org.murder.peer.storage.Storage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to a download's bytes after they are written: each piece's SHA-1 check, the whole
 * file's md5 streamed in order as pieces are verified (when one is expected), flushes to disk
 * while the download runs, and at the end the commit that moves the files into place. Hashing,
 * md5, flushes and the commit run on their executors; their results come back through
 * {@code owner}, the thread that owns the torrent, as {@link Events}.
 */
final class FinishPipeline {
    private static final Logger LOG = LoggerFactory.getLogger(FinishPipeline.class);
    /**
     * Verified bytes after which a download's data is flushed to disk while it runs. The commit at
     * the end syncs the file before it is moved into place; left to then, a GiB took 0.2-0.5 s
     * after the last piece here (the kernel starts writing back on its own only after 30 s).
     */
    static final long SYNC_EVERY = 32L << 20;

    /** What the pipeline tells the torrent, on the owner's thread. */
    interface Events {
        /** A piece's SHA-1 check is done (good or not), with its blocks' hashes when they were asked for. */
        void checked(int piece, PieceVerifier.Check check);

        /** Every piece is verified, the md5 (when expected) matched and the files are in place. */
        void committed();

        /** Something went wrong that ends the download; {@code message} names it. */
        void failed(String message);
    }

    /** Where the work runs: commits, the md5 (one thread, in order) and flushes (one thread). */
    record Workers(Executor commit, Executor md5, Executor sync) {
    }

    private final MetaInfo meta;
    private final Storage storage;
    private final PieceVerifier verifier;
    private final Optional<String> expectedMd5;
    private final Md5Stream md5;
    private final java.util.function.IntPredicate have;
    private final Executor owner;
    private final Workers workers;
    private final Events events;
    private final String logId;
    private boolean md5Busy;
    private long unsyncedBytes;
    private boolean syncing;
    private boolean finishing;
    private boolean committing;
    private boolean committed;
    private boolean closed;
    /** System.nanoTime() when the last piece was verified (for the finishing times logged). */
    private long lastPieceAt;

    FinishPipeline(MetaInfo meta, Storage storage, PieceVerifier verifier, Optional<String> expectedMd5,
            java.util.function.IntPredicate have, Executor owner, Workers workers, Events events, String logId) {
        this.meta = meta;
        this.storage = storage;
        this.verifier = verifier;
        this.expectedMd5 = expectedMd5.map(m -> m.toLowerCase(Locale.ROOT));
        this.md5 = expectedMd5.isPresent() ? new Md5Stream(meta.pieceCount()) : null;
        this.have = have;
        this.owner = owner;
        this.workers = workers;
        this.events = events;
        this.logId = logId;
    }

    /** Checks a piece whose every block is written; {@code blockHashes}: also hash each block (for SmartBan). */
    void verify(int piece, boolean blockHashes) {
        verifier.verify(piece, md5, EngineConfig.BLOCK_SIZE, blockHashes).whenComplete((check, err) -> back(() -> {
            if (err != null) {
                events.failed("read back piece " + piece + ": " + Failures.rootMessage(err));
            } else {
                events.checked(piece, check);
            }
        }));
    }

    /** A piece passed its check and counts as had; {@code last}: it was the last one missing. */
    void pieceVerified(long bytes, boolean last) {
        unsyncedBytes += bytes;
        if (last) {
            allVerified();
        } else {
            advanceMd5(); // pieces verified out of order are read back while the download runs, not after it
        }
        syncSome();
    }

    /** The piece the md5 reads next (pieceCount when it has read them all; 0 without an md5). */
    int md5Next() {
        return md5 == null ? 0 : md5.next();
    }

    /** Every piece is here (downloaded, or found on disk): the md5 and the commit are left. */
    void allVerified() {
        if (finishing) {
            return;
        }
        finishing = true;
        lastPieceAt = System.nanoTime();
        LOG.debug("[torrent={}] every piece verified; the md5 is at piece {} of {}", logId, md5 == null ? "-" : md5.next(),
                meta.pieceCount());
        syncSome();
        advanceMd5();
    }

    /** Results still on their way are dropped from now on. */
    void close() {
        closed = true;
    }

    private void back(Runnable r) {
        owner.execute(() -> {
            if (!closed) {
                r.run();
            }
        });
    }

    /**
     * Starts flushing what was written, off the loop, once {@link #SYNC_EVERY} bytes wait and no
     * flush runs; once every piece is here, whatever waits, at once: the last bytes then go to disk
     * while the md5 catches up, and the commit's sync finds little left. With the two one after the
     * other, a 16-host swarm's hosts spent 136-417 ms syncing after 0-800 ms of md5 (64 MiB, 2 cores).
     * The commit waits for a flush under way ({@link #commit}): a flush's error always comes before the
     * files are moved, and fails the download (an fsync reports a writeback error once per open file,
     * so the commit's own sync, run at the same time, could pass a file that lost data).
     */
    private void syncSome() {
        if (syncing || committing || unsyncedBytes < (finishing ? 1 : SYNC_EVERY)) {
            return; // a commit under way syncs what is left itself
        }
        syncing = true;
        unsyncedBytes = 0;
        off(storage::flush, workers.sync()).whenComplete((v, err) -> back(() -> {
            syncing = false;
            if (err != null) {
                events.failed("write " + meta.name() + " to disk: " + Failures.rootMessage(err));
                return;
            }
            syncSome();
            if (!syncing && finishing) {
                advanceMd5(); // commits if the md5 is done (or none is expected) and waited for this flush
            }
        }));
    }

    /** Feeds the md5 the verified pieces that follow what it has, in order, one batch at a time. */
    private void advanceMd5() {
        if (md5 == null || md5.isDone()) {
            if (finishing) {
                commit();
            }
            return;
        }
        if (md5Busy) {
            return;
        }
        int to = md5.next();
        while (to < meta.pieceCount() && have.test(to)) {
            to++;
        }
        if (to == md5.next()) {
            return;
        }
        md5Busy = true;
        int end = to;
        off(() -> md5.catchUp(end, verifier), workers.md5()).whenComplete((v, err) -> back(() -> {
            md5Busy = false;
            if (err != null) {
                events.failed("md5 of " + meta.name() + ": " + Failures.rootMessage(err));
                return;
            }
            advanceMd5();
        }));
    }

    private void commit() {
        if (committing || syncing) {
            return; // a flush under way: the commit follows it (see syncSome)
        }
        if (md5 != null) {
            String got = md5.hex();
            String expected = expectedMd5.orElseThrow();
            if (!got.equals(expected)) {
                events.failed("md5 of " + meta.name() + " is " + got + " (expected: " + expected
                        + "); the file was not moved into place");
                return;
            }
        }
        committing = true;
        long started = System.nanoTime();
        off(storage::commit, workers.commit()).whenComplete((v, err) -> back(() -> {
            if (err != null) {
                events.failed("move " + meta.name() + " into place: " + Failures.rootMessage(err));
                return;
            }
            committed = true;
            LOG.debug("[torrent={}] after the last piece: md5 {} ms, then sync and rename {} ms", logId,
                    (started - lastPieceAt) / 1_000_000, (System.nanoTime() - started) / 1_000_000);
            events.committed();
        }));
    }

    private interface IoWork {
        void run() throws IOException;
    }

    private static CompletableFuture<Void> off(IoWork work, Executor executor) {
        return CompletableFuture.runAsync(() -> {
            try {
                work.run();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, executor);
    }
}
