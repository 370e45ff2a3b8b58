package org.murder.orchestrator.deploy;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.murder.orchestrator.job.HostReport;
import org.murder.peer.engine.Engine;
import org.murder.peer.engine.EngineStats;
import org.murder.peer.metrics.EngineMetrics;

/**
 * What {@code murder deploy} exposes while it runs ({@code murder_deploy_*}): hosts by state, the
 * time since it started, and its embedded seeder (the {@code murder_peer_*} metrics: bytes it served).
 * The deploy's thread publishes each change as an immutable value; scrapes read the latest.
 */
public final class DeployMetrics {
    /**
     * Every state a host is shown in, so that each series exists from the start; a state not listed counts as "other". The
     * states always add up to the hosts followed: a host activating or ready for its wave (hours, with --pause) was in no
     * series, and a host rolled back after its wave failed neither, so a failed deploy ended with failed 0.
     */
    public static final List<String> STATES = List.of("pending", HostReport.ACCEPTED, HostReport.DOWNLOADING, HostReport.READY,
            HostReport.ACTIVATING, HostReport.DONE, HostReport.FAILED, "vanished", "timeout", "rolled-back", "rollback-failed", "other");

    private final long startedNanos = System.nanoTime();
    private volatile long finishedNanos;
    private volatile Map<String, Integer> hostsByState = Map.of();
    private volatile Engine seeder;
    private volatile String tag;

    public DeployMetrics(PrometheusRegistry registry) {
        GaugeWithCallback.builder().name("murder_deploy_info").help("Always 1: the tag this deploy publishes (or rolls back).")
                .labelNames("tag").callback(cb -> {
                    String t = tag;
                    if (t != null) {
                        cb.call(1, t);
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("murder_deploy_hosts")
                .help("Hosts followed, by state: pending (no report yet), accepted, downloading, ready (for its wave), activating, done,"
                        + " failed, vanished, timeout, rolled-back, rollback-failed (after a failed wave), other. While a failed wave's"
                        + " rollback runs, the hosts of the rollback job.")
                .labelNames("state").callback(cb -> {
                    Map<String, Integer> now = hostsByState;
                    for (String state : STATES) {
                        cb.call(now.getOrDefault(state, 0), state);
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("murder_deploy_elapsed_seconds")
                .help("Seconds since the deploy started (frozen once every host finished or the deadline passed).")
                .callback(cb -> cb.call(((finishedNanos != 0 ? finishedNanos : System.nanoTime()) - startedNanos) / 1e9))
                .register(registry);
        EngineMetrics.register(registry, this::seederStats, false);
    }

    /** For deploys that nobody scrapes. */
    public static DeployMetrics unregistered() {
        return new DeployMetrics(new PrometheusRegistry());
    }

    void started(String deployTag) {
        tag = deployTag;
    }

    void seeding(Engine engine) {
        seeder = engine;
    }

    /** The hosts' states now: a host without a report is pending. */
    void hosts(List<String> hosts, Map<String, HostReport> reports) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String h : hosts) {
            HostReport r = reports.get(h);
            counts.merge(r == null ? "pending" : labelOf(r.state()), 1, Integer::sum);
        }
        hostsByState = Map.copyOf(counts);
    }

    /** The outcome of every host: the deploy is over. */
    void finished(List<HostOutcome> outcomes) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        outcomes.forEach(o -> counts.merge(labelOf(o.result()), 1, Integer::sum));
        hostsByState = Map.copyOf(counts);
        finishedNanos = System.nanoTime();
    }

    private static String labelOf(String state) {
        return STATES.contains(state) ? state : "other";
    }

    private EngineStats seederStats() {
        Engine e = seeder;
        return e == null ? EngineStats.NONE : e.stats();
    }
}
