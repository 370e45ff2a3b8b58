package org.murder.orchestrator.rollout;

/**
 * How one hook went on one host, as its report carries it.
 *
 * @param hook     {@code pre-activate}, ...
 * @param ok       it passed (exit 0; for health: passed before its deadline)
 * @param exitCode the last run's exit code (-1: killed at its timeout or not started; for a URL: the HTTP status)
 * @param seconds  time it took, retries included
 * @param attempts runs (health is retried)
 * @param output   the end of what it printed (stdout and stderr; for a URL the start of the body), at most
 *                 {@link HookRunner#OUTPUT_KEPT} bytes
 * @param why      why it failed, empty when ok
 */
public record HookResult(String hook, boolean ok, int exitCode, double seconds, int attempts, String output, String why) {
    public HookResult {
        output = output == null ? "" : output;
        why = why == null ? "" : why;
    }
}
