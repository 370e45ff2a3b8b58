package org.murder.orchestrator.deploy;

import org.murder.orchestrator.job.HostReport;

/**
 * How one targeted host ended.
 *
 * @param host    agent name
 * @param result  done, failed, timed out or vanished
 * @param seconds from accepting the job to finishing it (or to now)
 * @param bytes   bytes it verified
 * @param reused  done without downloading in its last run: empty, {@link HostReport#ALREADY_THERE} or
 *                {@link HostReport#BEFORE_RESTART} (see {@link HostReport})
 * @param error   why it did not succeed
 * @param downloaded bytes it got from peers, {@code rebuilt} bytes it had on disk already (see HostReport),
 *                   {@code uploaded} bytes it sent to other hosts
 */
public record HostOutcome(String host, String result, double seconds, long bytes, String reused, String error, long downloaded,
        long rebuilt, long uploaded) {
    public HostOutcome {
        reused = reused == null ? "" : reused;
    }

    public HostOutcome(String host, String result, double seconds, long bytes, String reused, String error) {
        this(host, result, seconds, bytes, reused, error, 0, 0, 0);
    }

    public boolean succeeded() {
        return "done".equals(result);
    }

    /** The archive was on the host before the job came: this deploy sent it nothing. */
    public boolean alreadyThere() {
        return HostReport.ALREADY_THERE.equals(reused);
    }

    /** The label of the summary: the result, marked when nothing was downloaded in the host's last run. */
    public String label() {
        return switch (reused) {
            case HostReport.ALREADY_THERE -> result + "*";
            case HostReport.BEFORE_RESTART -> result + "+";
            case HostReport.LEFT_AS_IT_WAS -> result + "=";
            default -> result;
        };
    }

    /** Download rate in MB/s, or 0 when nothing was downloaded in one run. */
    public double megabytesPerSecond() {
        return !reused.isEmpty() || seconds <= 0 ? 0 : bytes / 1e6 / seconds;
    }
}
