package org.murder.orchestrator.job;

/**
 * What one host says about one job, at {@code /jobs/<id>/hosts/<host>}.
 *
 * @param state      accepted, downloading, done or failed
 * @param bytes      bytes verified
 * @param total      bytes in all
 * @param rate       bytes per second over the last second
 * @param peers      connected peers
 * @param error      why it failed
 * @param startedAt  epoch milliseconds
 * @param finishedAt epoch milliseconds, 0 while running
 * @param reused     done without downloading in this run: empty when this run downloaded it,
 *                   {@link #ALREADY_THERE} when the archive was on the host before the job came (an
 *                   earlier job, or put there by hand), {@link #BEFORE_RESTART} when this job
 *                   downloaded it before its agent restarted
 */
public record HostReport(String state, long bytes, long total, long rate, int peers, String error, long startedAt,
        long finishedAt, String reused) {
    public static final String ACCEPTED = "accepted";
    public static final String DOWNLOADING = "downloading";
    public static final String DONE = "done";
    public static final String FAILED = "failed";
    public static final String ALREADY_THERE = "already-there";
    public static final String BEFORE_RESTART = "before-restart";

    public HostReport {
        error = error == null ? "" : error;
        reused = reused == null ? "" : reused;
    }

    public boolean isFinished() {
        return DONE.equals(state) || FAILED.equals(state);
    }

    public static HostReport accepted(long total, long now) {
        return new HostReport(ACCEPTED, 0, total, 0, 0, "", now, 0, "");
    }

    public HostReport progress(long verified, long rateNow, int peersNow) {
        return new HostReport(DOWNLOADING, verified, total, rateNow, peersNow, "", startedAt, 0, "");
    }

    /** Done; {@code how} is empty when this run downloaded it, else {@link #ALREADY_THERE} or {@link #BEFORE_RESTART}. */
    public HostReport done(long now, String how) {
        return new HostReport(DONE, total, total, rate, peers, "", startedAt, now, how);
    }

    /** Failed with {@code why}; the bytes stay those of the last progress (what is verified on disk). */
    public HostReport failed(String why, long now) {
        return new HostReport(FAILED, bytes, total, 0, peers, why, startedAt, now, "");
    }
}
