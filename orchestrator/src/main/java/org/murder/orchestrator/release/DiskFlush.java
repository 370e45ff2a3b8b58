package org.murder.orchestrator.release;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts an unpacked release on the disk before {@code current} is switched to it. The files were written without
 * a flush, while the switch itself is flushed (the directory of {@code current} is synced after the rename): after a
 * power loss, ext4 (delayed allocation) or XFS could keep the new {@code current} and lose the files it points at,
 * leaving the application empty files. One {@code syncfs(2)} of the file system ({@code sync -f}, coreutils) costs
 * one flush however many files the release has; a {@code force} per file cost one journal commit each.
 */
final class DiskFlush {
    private static final Logger LOG = LoggerFactory.getLogger(DiskFlush.class);
    /** Longer than any flush of a release should take: a hung disk is reported, not waited for without end. */
    private static final long LIMIT_SECONDS = 600;
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private DiskFlush() {
    }

    /** Flushes the file system that holds {@code dir}; a failure is a warning (once a process): the release stays usable. */
    static void fileSystemOf(Path dir) {
        try {
            Process p = new ProcessBuilder("sync", "-f", dir.toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(LIMIT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                warn("sync -f " + dir + " still running after " + LIMIT_SECONDS + " s");
            } else if (p.exitValue() != 0) {
                warn("sync -f " + dir + " exited " + p.exitValue());
            }
        } catch (IOException e) {
            warn("sync -f " + dir + ": " + e.getMessage() + " (coreutils' sync not found?)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void warn(String what) {
        if (WARNED.compareAndSet(false, true)) {
            LOG.warn("{}: unpacked releases are not flushed to disk before current is switched (a power loss could leave"
                    + " current on files not written yet); later failures are not logged", what);
        }
    }
}
