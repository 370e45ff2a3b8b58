package org.murder.orchestrator.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import org.murder.orchestrator.rollout.HookResult;

/**
 * What one host says about one job, at {@code /reports/<job>/<bucket>/<host>} (see ZkPaths#host).
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
 *                   downloaded it before its agent restarted; for a rollback job, {@link #LEFT_AS_IT_WAS}
 *                   when it switched nothing
 * @param downloaded bytes that came from peers in this run
 * @param rebuilt    bytes that were good on disk when the download began: rebuilt from the releases
 *                   the host holds (see ReleaseDelta), or resumed
 * @param uploaded   bytes this host sent to other hosts
 * @param hooks      the activation hooks run so far, in order, with their output's end
 * @param current    the release {@code current} points at on this host after this job (empty: unknown, or no activation)
 * @param switched   whether this job switched {@code current} (a rollback of the wave undoes only those)
 */
public record HostReport(String state, long bytes, long total, long rate, int peers, String error, long startedAt,
        long finishedAt, String reused, long downloaded, long rebuilt, long uploaded,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<HookResult> hooks, String current, boolean switched) {
    public static final String ACCEPTED = "accepted";
    public static final String DOWNLOADING = "downloading";
    public static final String DONE = "done";
    public static final String FAILED = "failed";
    /** Downloaded and unpacked, waiting for its wave to be released (a deploy with waves). */
    public static final String READY = "ready";
    /** Running its activation hooks. */
    /**
     * The most of an error a report keeps: every report of a job is read by its deploy each second, and an
     * error can carry text from outside (a tracker's reason, a file name), so a megabyte went into ZooKeeper.
     */
    public static final int MAX_ERROR_CHARS = 2000;
    public static final String ACTIVATING = "activating";
    public static final String ALREADY_THERE = "already-there";
    public static final String BEFORE_RESTART = "before-restart";
    /** A rollback job's host left as it was: its {@code current} was not the release the job was about (or no target). */
    public static final String LEFT_AS_IT_WAS = "left-as-it-was";

    public HostReport {
        if (state == null || state.isEmpty()) { // a node anyone wrote: the deploy and 'jobs' read every report's state
            throw new IllegalArgumentException("state: missing (expected: " + ACCEPTED + ", " + DOWNLOADING + ", " + DONE + ", ...)");
        }
        error = error == null ? "" : error.length() <= MAX_ERROR_CHARS ? error
                : error.substring(0, Character.isHighSurrogate(error.charAt(MAX_ERROR_CHARS - 1)) ? MAX_ERROR_CHARS - 1 : MAX_ERROR_CHARS)
                        + "...";
        reused = reused == null ? "" : reused;
        hooks = hooks == null ? List.of() : List.copyOf(hooks);
        current = current == null ? "" : current;
    }

    public HostReport(String state, long bytes, long total, long rate, int peers, String error, long startedAt, long finishedAt,
            String reused, long downloaded, long rebuilt, long uploaded) {
        this(state, bytes, total, rate, peers, error, startedAt, finishedAt, reused, downloaded, rebuilt, uploaded, List.of(), "", false);
    }

    /** The same report in {@code newState} (ready, activating), with the activation so far. */
    public HostReport in(String newState, List<HookResult> results, String currentNow, boolean switchedNow) {
        return new HostReport(newState, bytes, total, 0, peers, error, startedAt, finishedAt, reused, downloaded, rebuilt, uploaded,
                results, currentNow, switchedNow);
    }

    /** The same report with how the activation went. */
    public HostReport withActivation(List<HookResult> results, String currentNow, boolean switchedNow) {
        return new HostReport(state, bytes, total, rate, peers, error, startedAt, finishedAt, reused, downloaded, rebuilt, uploaded,
                results, currentNow, switchedNow);
    }

    /** How far {@code r} got, for a host not done by a deadline: "downloading at 43%", or "never accepted the job" (null). */
    public static String howFar(HostReport r) {
        return r == null ? "never accepted the job" : r.state() + " at " + (r.total() <= 0 ? 0 : r.bytes() * 100 / r.total()) + "%";
    }

    /** Whether the agent rewrites this report as it goes (accepted, downloading); ready and activating wait, unchanged. */
    public boolean isMoving() {
        return ACCEPTED.equals(state) || DOWNLOADING.equals(state);
    }

    public boolean isFinished() {
        return DONE.equals(state) || FAILED.equals(state);
    }

    public static HostReport accepted(long total, long now) {
        return new HostReport(ACCEPTED, 0, total, 0, 0, "", now, 0, "", 0, 0, 0);
    }

    /** The same report with {@code verified} bytes (a resumed job's, from before its agent's restart). */
    public HostReport withBytes(long verified) {
        return new HostReport(state, verified, total, rate, peers, error, startedAt, finishedAt, reused, downloaded, rebuilt,
                uploaded, hooks, current, switched);
    }

    public HostReport progress(long verified, long rateNow, int peersNow) {
        return progress(verified, rateNow, peersNow, downloaded, uploaded);
    }

    /** Downloading: verified so far, the rate and peers now, the bytes moved each way in this run. */
    public HostReport progress(long verified, long rateNow, int peersNow, long down, long up) {
        return new HostReport(DOWNLOADING, verified, total, rateNow, peersNow, "", startedAt, 0, "", down, rebuilt, up);
    }

    /** The same report, with {@code bytes} found good on disk as the download began. */
    public HostReport withRebuilt(long bytes) {
        return new HostReport(state, this.bytes, total, rate, peers, error, startedAt, finishedAt, reused, downloaded, bytes,
                uploaded, hooks, current, switched);
    }

    /** Done; {@code how} is empty when this run downloaded it, else {@link #ALREADY_THERE} or {@link #BEFORE_RESTART}. */
    public HostReport done(long now, String how) {
        return new HostReport(DONE, total, total, rate, peers, "", startedAt, now, how, downloaded, rebuilt, uploaded, hooks, current,
                switched);
    }

    /** The same report with the bytes it uploaded by now (a host goes on seeding after it is done). */
    public HostReport withUploaded(long up) {
        return new HostReport(state, bytes, total, rate, peers, error, startedAt, finishedAt, reused, downloaded, rebuilt, up, hooks,
                current, switched);
    }

    /** Failed with {@code why}; the bytes stay those of the last progress (what is verified on disk). */
    public HostReport failed(String why, long now) {
        return new HostReport(FAILED, bytes, total, 0, peers, why, startedAt, now, "", downloaded, rebuilt, uploaded, hooks, current,
                switched);
    }
}
