package org.murder.tracker.http;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.murder.tracker.swarm.Event;
import org.murder.tracker.swarm.ScrapeStats;
import org.murder.tracker.swarm.SwarmRegistry;
import org.murder.tracker.whitelist.Whitelist;

/**
 * The tracker's metrics on the Prometheus client, in the registry it is given. What every
 * announce touches is resolved once here (a data point per event and per path), so an announce
 * costs two adder increments and a bucket search, no label lookup; the gauges are read from the
 * registry and whitelist at scrape time.
 */
public final class TrackerMetrics {
    private static final double[] LATENCY_BUCKETS = {
        0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1};
    /** Reasons and caps shown at 0 before they first happen, so that rate() sees their first one. */
    private static final String[] REASONS = {"bad_request", "not_found", "method_not_allowed", "not_whitelisted", "capacity",
        "forbidden", "too_large", "timeout", "unread", "internal"};
    private static final String[] CAPS = {"swarms", "peers_per_swarm", "peers", "connections", "connections_per_source"};

    private final PrometheusRegistry registry;
    /**
     * Holds the gauge {@code murder_tracker_connections} alone: the client refuses it in the
     * registry of the counter {@code murder_tracker_connections_total} (one family in OpenMetrics).
     * Both names are older than the client and dashboards use them; this page is the text format,
     * where they are two families, so the gauge is written after the registry.
     */
    private final PrometheusRegistry openConnectionsRegistry = new PrometheusRegistry();
    private final CounterDataPoint[] announces = new CounterDataPoint[Event.values().length];
    private final CounterDataPoint scrapes;
    private final Counter errors;
    private final Counter capsHit;
    private final Map<String, CounterDataPoint> errorsByReason = new ConcurrentHashMap<>();
    private final Map<String, CounterDataPoint> capsByName = new ConcurrentHashMap<>();
    private final DistributionDataPoint announceLatency;
    private final DistributionDataPoint scrapeLatency;
    private final CounterDataPoint connectionsAccepted;
    private final AtomicInteger connectionsOpen = new AtomicInteger();

    public TrackerMetrics(PrometheusRegistry registry) {
        this.registry = registry;
        Counter announced = Counter.builder().name("murder_tracker_announces_total").help("Announces served, by event.")
                .labelNames("event").withoutExemplars().register(registry);
        for (Event e : Event.values()) {
            announces[e.ordinal()] = announced.labelValues(e.label());
        }
        scrapes = Counter.builder().name("murder_tracker_scrapes_total").help("Scrapes served.").withoutExemplars()
                .register(registry);
        errors = Counter.builder().name("murder_tracker_errors_total").help("Requests refused, by reason.").labelNames("reason")
                .withoutExemplars().register(registry);
        for (String reason : REASONS) {
            errorsByReason.put(reason, errors.labelValues(reason));
        }
        capsHit = Counter.builder().name("murder_tracker_caps_hit_total")
                .help("Times a configured cap refused a swarm, peer or connection.").labelNames("cap").withoutExemplars()
                .register(registry);
        for (String cap : CAPS) {
            capsByName.put(cap, capsHit.labelValues(cap));
        }
        Histogram latency = Histogram.builder().name("murder_tracker_request_duration_seconds")
                .help("Time to handle announces and scrapes.").labelNames("path").classicOnly()
                .classicUpperBounds(LATENCY_BUCKETS).withoutExemplars().register(registry);
        announceLatency = latency.labelValues("announce");
        scrapeLatency = latency.labelValues("scrape");
        GaugeWithCallback.builder().name("murder_tracker_connections").help("Open client connections.")
                .callback(cb -> cb.call(connectionsOpen.get())).register(openConnectionsRegistry);
        connectionsAccepted = Counter.builder().name("murder_tracker_connections_total").help("Client connections accepted.")
                .withoutExemplars().register(registry);
        Gauge started = Gauge.builder().name("murder_tracker_start_time_seconds")
                .help("Start time of the tracker, seconds since the epoch.").withoutExemplars().register(registry);
        started.set(System.currentTimeMillis() / 1000);
    }

    /** Registers the swarm, peer and whitelist gauges, read from {@code swarms} and {@code whitelist} at scrape time. */
    public void gauges(SwarmRegistry swarms, Whitelist whitelist) {
        GaugeWithCallback.builder().name("murder_tracker_swarms").help("Swarms tracked.")
                .callback(cb -> cb.call(swarms.swarmCount())).register(registry);
        GaugeWithCallback.builder().name("murder_tracker_peers").help("Peers tracked, by state.").labelNames("state")
                .callback(cb -> {
                    long seeders = 0;
                    long leechers = 0;
                    for (ScrapeStats s : swarms.scrapeAll().values()) {
                        seeders += s.complete();
                        leechers += s.incomplete();
                    }
                    cb.call(seeders, "seeder");
                    cb.call(leechers, "leecher");
                }).register(registry);
        CounterWithCallback.builder().name("murder_tracker_displaced_total")
                .help("Places given up by the source holding the most to a newcomer from one holding fewer, when a cap was full:"
                        + " peers (of a swarm, or of the tracker) and swarms.")
                .labelNames("what").callback(cb -> {
                    cb.call(swarms.peersDisplaced(), "peers");
                    cb.call(swarms.swarmsDisplaced(), "swarms");
                }).register(registry);
        GaugeWithCallback.builder().name("murder_tracker_whitelist_size")
                .help("Infohashes whitelisted (directory and registrations); -1 in open mode.")
                .callback(cb -> cb.call(whitelist.isOpen() ? -1 : whitelist.size())).register(registry);
    }

    public void announce(Event event, long nanos) {
        announces[event.ordinal()].inc();
        announceLatency.observe(nanos / 1e9);
    }

    public void scrape(long nanos) {
        scrapes.inc();
        scrapeLatency.observe(nanos / 1e9);
    }

    public void error(String reason) {
        errorsByReason.computeIfAbsent(reason, errors::labelValues).inc();
    }

    public void capHit(String cap) {
        capsByName.computeIfAbsent(cap, capsHit::labelValues).inc();
    }

    public void connectionOpened() {
        connectionsAccepted.inc();
        connectionsOpen.incrementAndGet();
    }

    public void connectionClosed() {
        connectionsOpen.decrementAndGet();
    }

    public int openConnections() {
        return connectionsOpen.get();
    }

    public long announces() {
        long n = 0;
        for (CounterDataPoint a : announces) {
            n += a.getLongValue();
        }
        return n;
    }

    public long errors(String reason) {
        CounterDataPoint a = errorsByReason.get(reason);
        return a == null ? 0 : a.getLongValue();
    }

    /** Every metric of the registry (the tracker's, its build, the JVM's), in the Prometheus text format 0.0.4. */
    public String render() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16384);
        try {
            PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
            // the JVM's metrics from the first scrape on: a deploy's tracker that nobody scrapes does not pay for them
            writer.write(out, org.murder.metrics.DaemonMetrics.withJvm(registry).scrape(), EscapingScheme.ALLOW_UTF8);
            writer.write(out, openConnectionsRegistry.scrape(), EscapingScheme.ALLOW_UTF8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
