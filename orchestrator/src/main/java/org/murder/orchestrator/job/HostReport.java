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
 * @param skipped    done without downloading: the same md5 was already there
 */
public record HostReport(String state, long bytes, long total, long rate, int peers, String error, long startedAt,
        long finishedAt, boolean skipped) {
    public static final String ACCEPTED = "accepted";
    public static final String DOWNLOADING = "downloading";
    public static final String DONE = "done";
    public static final String FAILED = "failed";

    public HostReport {
        error = error == null ? "" : error;
    }

    public boolean isFinished() {
        return DONE.equals(state) || FAILED.equals(state);
    }

    public static HostReport accepted(long total, long now) {
        return new HostReport(ACCEPTED, 0, total, 0, 0, "", now, 0, false);
    }

    public HostReport progress(long verified, long rateNow, int peersNow) {
        return new HostReport(DOWNLOADING, verified, total, rateNow, peersNow, "", startedAt, 0, false);
    }

    public HostReport done(long now, boolean wasSkipped) {
        return new HostReport(DONE, total, total, rate, peers, "", startedAt, now, wasSkipped);
    }

    public HostReport failed(String why, long now) {
        return new HostReport(FAILED, bytes, total, 0, peers, why, startedAt, now, false);
    }
}
