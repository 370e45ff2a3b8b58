package org.murder.orchestrator.deploy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.murder.orchestrator.job.HostReport;

/**
 * How followed hosts end, as pure rules over their reports: no ZooKeeper and no clock ({@code now}
 * is given, epoch milliseconds). A host is finished when its report says done or failed, or when
 * its agent's registration has been gone for {@link #VANISH_GRACE}; a host not finished at the
 * deadline timed out.
 */
final class Outcomes {
    /** An agent whose registration is gone this long, unfinished, has vanished (a restart is quicker). */
    static final Duration VANISH_GRACE = Duration.ofSeconds(30);

    private Outcomes() {
    }

    /** Unregistered since {@code missingSince} (null: registered) and for at least the grace. */
    static boolean vanished(Long missingSince, long now) {
        return missingSince != null && now - missingSince >= VANISH_GRACE.toMillis();
    }

    /** Done or failed by its own report, or vanished. */
    static boolean isFinished(HostReport r, Long missingSince, long now) {
        return (r != null && r.isFinished()) || vanished(missingSince, now);
    }

    /**
     * One outcome per host, in the order of {@code hosts}: as its report says when it finished,
     * else vanished, else timed out (at the deadline: call this when the deploy stops following).
     * A host that timed out while its last report is older than {@link #silentAfter}
     * says so: its agent stopped reporting (hung, cut off from ZooKeeper, or its download stalled).
     * {@code reportSeenAt}: when the deploy last saw each host's report change (epoch milliseconds).
     */
    static List<HostOutcome> of(List<String> hosts, Map<String, HostReport> reports, Map<String, Long> missingSince,
            Map<String, Long> reportSeenAt, long now) {
        return of(hosts, reports, missingSince, reportSeenAt, now, "not done by the deadline");
    }

    /** {@link #of(List, Map, Map, Map, long)}, a host not finished described as {@code unfinished} ("not done when the seed stopped"). */
    static List<HostOutcome> of(List<String> hosts, Map<String, HostReport> reports, Map<String, Long> missingSince,
            Map<String, Long> reportSeenAt, long now, String unfinished) {
        long silent = silentAfter(hosts.size()).toMillis();
        List<HostOutcome> out = new ArrayList<>();
        for (String h : hosts) {
            HostOutcome o = of(h, reports.get(h), missingSince.get(h), now, unfinished);
            Long seen = reportSeenAt.get(h);
            HostReport r = reports.get(h);
            // only a report the agent keeps rewriting can be stale: ready and activating hosts wait without a word
            if ("timeout".equals(o.result()) && r != null && r.isMoving() && seen != null && now - seen >= silent) {
                o = new HostOutcome(o.host(), o.result(), o.seconds(), o.bytes(), o.reused(), o.error() + "; no report from its agent for the last "
                        + (now - seen) / 1000 + " s", o.downloaded(), o.rebuilt(), o.uploaded());
            }
            out.add(o);
        }
        return out;
    }

    /**
     * How long a running host's report may stay unchanged before its silence is worth naming: two of
     * the agents' longest progress intervals for a job of {@code hosts} hosts, and 5 s more.
     */
    static Duration silentAfter(int hosts) {
        return Duration.ofMillis(2 * org.murder.orchestrator.agent.ReportCadence.maxIntervalMillis(hosts) + 5000);
    }

    /** The outcome of {@code host} with report {@code r} (null: none yet), unregistered since {@code missingSince} (null: registered). */
    static HostOutcome of(String host, HostReport r, Long missingSince, long now) {
        return of(host, r, missingSince, now, "not done by the deadline");
    }

    private static HostOutcome of(String host, HostReport r, Long missingSince, long now, String unfinished) {
        long end = r == null ? 0 : r.finishedAt() > 0 ? r.finishedAt() : now;
        // the agent's own clock for both ends (hosts' clocks differ); a start after the end, or a job of more than a week, is
        // none (a report anyone wrote gave years)
        double seconds = r == null || r.startedAt() <= 0 || end < r.startedAt() || end - r.startedAt() > 7L * 24 * 3600 * 1000 ? 0
                : (end - r.startedAt()) / 1000.0;
        if (r != null && r.isFinished()) {
            return new HostOutcome(host, r.state(), seconds, r.bytes(), r.reused(), r.error(), r.downloaded(), r.rebuilt(),
                    r.uploaded());
        }
        if (vanished(missingSince, now)) {
            return new HostOutcome(host, "vanished", seconds, r == null ? 0 : r.bytes(), "",
                    "agent unregistered (stopped, or lost its ZooKeeper session) before finishing");
        }
        String where = HostReport.howFar(r);
        return new HostOutcome(host, "timeout", seconds, r == null ? 0 : r.bytes(), "", unfinished + " (" + where + ")");
    }

    /** The result of a host whose automatic rollback failed. */
    static final String ROLLBACK_FAILED = "rollback-failed";

    /**
     * The deploy's {@code outcomes} after the rollback job's {@code rolled} ones: a host rolled
     * back successfully is {@code rolled-back} (to the release {@code currentByHost} names), one
     * whose rollback failed is {@code rollback-failed} with both errors, the others are as they were.
     */
    static List<HostOutcome> afterRollback(List<HostOutcome> outcomes, List<HostOutcome> rolled, Map<String, String> currentByHost) {
        Map<String, HostOutcome> byHost = new HashMap<>();
        rolled.forEach(o -> byHost.put(o.host(), o));
        List<HostOutcome> merged = new ArrayList<>();
        for (HostOutcome o : outcomes) {
            HostOutcome r = byHost.get(o.host());
            if (r == null) {
                merged.add(o);
            } else if (r.succeeded() && HostReport.LEFT_AS_IT_WAS.equals(r.reused())) { // it switched nothing: not rolled back
                String was = o.error().isEmpty() ? "" : o.error() + "; ";
                merged.add(new HostOutcome(o.host(), o.result(), o.seconds(), o.bytes(), o.reused(),
                        was + "the rollback left it as it was", o.downloaded(), o.rebuilt(), o.uploaded()));
            } else if (r.succeeded()) {
                String was = o.error().isEmpty() ? "" : o.error() + "; ";
                merged.add(new HostOutcome(o.host(), "rolled-back", o.seconds(), o.bytes(), o.reused(),
                        was + "rolled back to " + currentByHost.getOrDefault(o.host(), "?"), o.downloaded(), o.rebuilt(), o.uploaded()));
            } else { // failed, whatever it was before: a host done in an earlier wave counted as done, its error starting "; "
                String was = o.error().isEmpty() ? "" : o.error() + "; ";
                merged.add(new HostOutcome(o.host(), ROLLBACK_FAILED, o.seconds(), o.bytes(), o.reused(),
                        was + "ROLLBACK FAILED: " + r.error(), o.downloaded(), o.rebuilt(), o.uploaded()));
            }
        }
        return merged;
    }
}
