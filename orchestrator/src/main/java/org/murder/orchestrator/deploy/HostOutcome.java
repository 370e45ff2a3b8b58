package org.murder.orchestrator.deploy;

/**
 * How one targeted host ended.
 *
 * @param host    agent name
 * @param result  done, failed, timed out or vanished
 * @param seconds from accepting the job to finishing it (or to now)
 * @param bytes   bytes it verified
 * @param skipped it already had the release
 * @param error   why it did not succeed
 */
public record HostOutcome(String host, String result, double seconds, long bytes, boolean skipped, String error) {
    public boolean succeeded() {
        return "done".equals(result);
    }

    /** Download rate in MB/s, or 0 when nothing was downloaded. */
    public double megabytesPerSecond() {
        return skipped || seconds <= 0 ? 0 : bytes / 1e6 / seconds;
    }
}
