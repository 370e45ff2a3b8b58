package org.murder.orchestrator.deploy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import org.murder.orchestrator.release.ClaimedDir;

/**
 * The directory {@code .<tag>.pending-<random>} in the deploy host's work directory where a deploy
 * packs its release before moving it into place: a {@link ClaimedDir}, so what a killed deploy left
 * is removed by the next one and what a live deploy packs into is not.
 */
final class PendingDir {
    static final String LEFT_BY = "a deploy that was stopped before it finished packing";

    private PendingDir() {
    }

    /** Makes a new pending directory for {@code tag} in {@code workDir}, locked by this process. */
    static ClaimedDir create(Path workDir, String tag) throws IOException {
        return ClaimedDir.create(workDir, "." + tag + ".pending-");
    }

    /** Removes the pending directories in {@code workDir} whose deploy is gone ({@link ClaimedDir#sweep}). */
    static int sweep(Path workDir, Clock clock) {
        return ClaimedDir.sweep(workDir, ".*.pending-*", LEFT_BY, clock);
    }
}
