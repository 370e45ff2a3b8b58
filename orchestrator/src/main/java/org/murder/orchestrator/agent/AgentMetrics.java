package org.murder.orchestrator.agent;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The agent's own metrics ({@code murder_agent_*}): jobs by result, jobs running, and how long
 * each step of a deploy took. Touched once or twice per job, from the job's thread.
 */
public final class AgentMetrics {
    /** How a job this agent ran ended (the label {@code result}). */
    public enum Result {
        /** Downloaded and verified (or found already here), activated when asked; a rollback switched. */
        DONE,
        /** An error: no space, bad data, activation refused, ZooKeeper unreadable when resuming... */
        FAILED,
        /** The job's deadline passed before it was done. */
        TIMEOUT;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final double[] DOWNLOAD_BUCKETS = {0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600};
    private static final double[] STEP_BUCKETS = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};

    private final Map<Result, CounterDataPoint> jobs = new EnumMap<>(Result.class);
    private final AtomicInteger running = new AtomicInteger();
    private final Histogram download;
    private final Histogram verify;
    private final Histogram activation;

    public AgentMetrics(PrometheusRegistry registry) {
        Counter jobsTotal = Counter.builder().name("murder_agent_jobs_total")
                .help("Jobs this agent ran to the end, by result (done, failed, timeout).").labelNames("result")
                .withoutExemplars().register(registry);
        for (Result r : Result.values()) {
            jobs.put(r, jobsTotal.labelValues(r.label()));
        }
        GaugeWithCallback.builder().name("murder_agent_jobs_running").help("Jobs this agent is running now.")
                .callback(cb -> cb.call(running.get())).register(registry);
        download = histogram(registry, "murder_agent_download_seconds",
                "Time from a job's start to every piece verified (the check of a resumed .part included).", DOWNLOAD_BUCKETS);
        verify = histogram(registry, "murder_agent_verify_seconds",
                "Time to finish the md5 of the whole file after the last piece and move it into place, or to check the md5 of"
                        + " a file already here.", STEP_BUCKETS);
        activation = histogram(registry, "murder_agent_activation_seconds",
                "Time to unpack a release and switch current (jobs with --activate, and rollbacks).", STEP_BUCKETS);
    }

    private static Histogram histogram(PrometheusRegistry registry, String name, String help, double[] buckets) {
        return Histogram.builder().name(name).help(help).classicOnly().classicUpperBounds(buckets).withoutExemplars()
                .register(registry);
    }

    void jobStarted() {
        running.incrementAndGet();
    }

    void jobEnded(Result result) {
        running.decrementAndGet();
        jobs.get(result).inc();
    }

    /** A job that ends without a result of its own (it was already finished, or is retried later). */
    void jobLeft() {
        running.decrementAndGet();
    }

    void downloaded(long nanos) {
        download.observe(nanos / 1e9);
    }

    void verified(long nanos) {
        verify.observe(nanos / 1e9);
    }

    void activated(long nanos) {
        activation.observe(nanos / 1e9);
    }
}
