package org.murder.orchestrator.deploy;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.murder.orchestrator.release.ClaimedDir;
import org.murder.core.MurderException;
import org.murder.maker.MakeTorrentResult;
import org.murder.maker.ReleaseDelta;

/**
 * A release being packed ahead ({@link Deployer#packAhead}): its archive, md5 and torrent are made on
 * a thread of their own while the deploy connects to ZooKeeper, takes its locks and starts its
 * tracker (a deploy of 64 MiB published its job 0.16 s sooner: bench/deploy-start.sh). Closed before
 * {@link #finish} (the deploy failed meanwhile: no agent matched, its lock was taken, its tracker
 * port busy), it stops the packing and removes what it wrote; a process stopped meanwhile (Ctrl-C)
 * removes it as it exits. Nothing of it is left in the work directory; what a killed deploy left
 * (SIGKILL: no hook runs) the next deploy removes ({@link PendingDir#sweep}).
 */
public final class PackAhead implements AutoCloseable {
    /** How long {@link #close} waits for a packing it interrupted to stop. */
    private static final long STOP_WAIT_SECONDS = 30;
    private final String announce;
    private final Path workDir;
    private final ClaimedDir pending;
    private final ExecutorService thread;
    private final Future<MakeTorrentResult> made;
    /** A ready archive's check (see SafeExtractor#check); null for a release packed here. */
    private final Future<?> checked;
    private final Clock clock;

    PackAhead(String announce, Path workDir, ClaimedDir pending, ExecutorService thread, Future<MakeTorrentResult> made,
            Future<?> checked, Clock clock) {
        this.announce = announce;
        this.workDir = workDir;
        this.pending = pending;
        this.thread = thread;
        this.made = made;
        this.checked = checked;
        this.clock = clock;
    }

    /** The announce URL its torrent was made with. */
    String announce() {
        return announce;
    }

    /**
     * Waits for the archive, md5 and torrent, lets {@code check} refuse them, then moves them beside
     * the others: a refused deploy leaves the work directory as it was.
     */
    MakeTorrentResult finish(ReleasePacker.Check check) throws Exception {
        MakeTorrentResult packed;
        try {
            if (checked != null) {
                checked.get(); // a ready archive no host could unpack: refused before its tag is bound to it
            }
            packed = made.get();
        } catch (ExecutionException e) {
            throw rethrown(e.getCause());
        }
        check.accept(packed.md5(), packed.size());
        MakeTorrentResult moved = ReleasePacker.moveInto(workDir, packed);
        pending.close(); // empty now but for its lock
        if (moved.packed()) {
            ReleaseDelta.prune(workDir, ReleasePacker.WORK_DIR_KEEP, Set.of(moved.archive().getFileName().toString()), clock);
        }
        return moved;
    }

    /** Whether {@link #close} stopped the packing before it was done (rather than finding it done). */
    boolean stoppedEarly() {
        return made.isCancelled();
    }

    @Override
    public void close() {
        made.cancel(true);
        if (checked != null) {
            checked.cancel(true);
        }
        try {
            if (!thread.awaitTermination(STOP_WAIT_SECONDS, TimeUnit.SECONDS)) {
                return; // still writing after being told to stop: removed at exit (ClaimedDir's hook) rather than pulled from under it
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        pending.close();
    }

    /** What the packing thread threw, as the caller would have seen it packing itself. */
    private static Exception rethrown(Throwable cause) {
        if (cause instanceof Exception e) {
            return e;
        }
        if (cause instanceof Error e) {
            throw e;
        }
        return MurderException.failure("packing: " + cause, cause);
    }
}
