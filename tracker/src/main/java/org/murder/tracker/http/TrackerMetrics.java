package org.murder.tracker.http;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.murder.tracker.swarm.Event;

/**
 * The tracker's counters, cheap to bump from every event loop ({@link LongAdder}s), rendered in
 * the Prometheus text format by {@link #render}.
 */
public final class TrackerMetrics {
    private static final double[] LATENCY_BUCKETS = {
        0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1};

    private final LongAdder[] announces = new LongAdder[Event.values().length];
    private final LongAdder scrapes = new LongAdder();
    private final LongAdder connectionsAccepted = new LongAdder();
    private final AtomicInteger connectionsOpen = new AtomicInteger();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> capsHit = new ConcurrentHashMap<>();
    private final Histogram announceLatency = new Histogram();
    private final Histogram scrapeLatency = new Histogram();
    private final long startMillis = System.currentTimeMillis();

    public TrackerMetrics() {
        for (int i = 0; i < announces.length; i++) {
            announces[i] = new LongAdder();
        }
    }

    /** The gauges read from the registry and whitelist at render time. */
    public record Gauges(int swarms, long seeders, long leechers, int whitelisted, boolean open) {
    }

    private static final class Histogram {
        final LongAdder[] buckets = new LongAdder[LATENCY_BUCKETS.length];
        final LongAdder count = new LongAdder();
        final LongAdder sumNanos = new LongAdder();

        Histogram() {
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new LongAdder();
            }
        }

        void observe(long nanos) {
            double seconds = nanos / 1e9;
            for (int i = 0; i < LATENCY_BUCKETS.length; i++) {
                if (seconds <= LATENCY_BUCKETS[i]) {
                    buckets[i].increment();
                    break;
                }
            }
            count.increment();
            sumNanos.add(nanos);
        }
    }

    public void announce(Event event, long nanos) {
        announces[event.ordinal()].increment();
        announceLatency.observe(nanos);
    }

    public void scrape(long nanos) {
        scrapes.increment();
        scrapeLatency.observe(nanos);
    }

    public void error(String reason) {
        errors.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    public void capHit(String cap) {
        capsHit.computeIfAbsent(cap, c -> new LongAdder()).increment();
    }

    public void connectionOpened() {
        connectionsAccepted.increment();
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
        for (LongAdder a : announces) {
            n += a.sum();
        }
        return n;
    }

    public long errors(String reason) {
        LongAdder a = errors.get(reason);
        return a == null ? 0 : a.sum();
    }

    /** Prometheus text exposition format 0.0.4. */
    public String render(Gauges g) {
        StringBuilder sb = new StringBuilder(4096);
        header(sb, "murder_tracker_announces_total", "counter", "Announces served, by event.");
        for (Event e : Event.values()) {
            sb.append("murder_tracker_announces_total{event=\"").append(e.label()).append("\"} ")
                    .append(announces[e.ordinal()].sum()).append('\n');
        }
        header(sb, "murder_tracker_scrapes_total", "counter", "Scrapes served.");
        sb.append("murder_tracker_scrapes_total ").append(scrapes.sum()).append('\n');
        header(sb, "murder_tracker_errors_total", "counter", "Requests refused, by reason.");
        for (String reason : new String[] {"bad_request", "not_found", "method_not_allowed", "not_whitelisted",
            "capacity", "forbidden", "too_large", "timeout", "internal"}) {
            errors.computeIfAbsent(reason, r -> new LongAdder());
        }
        errors.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e ->
                sb.append("murder_tracker_errors_total{reason=\"").append(e.getKey()).append("\"} ")
                        .append(e.getValue().sum()).append('\n'));
        header(sb, "murder_tracker_caps_hit_total", "counter", "Times a configured cap refused a swarm, peer or connection.");
        for (String cap : new String[] {"swarms", "peers_per_swarm", "peers", "connections"}) {
            LongAdder a = capsHit.get(cap);
            sb.append("murder_tracker_caps_hit_total{cap=\"").append(cap).append("\"} ").append(a == null ? 0 : a.sum())
                    .append('\n');
        }
        header(sb, "murder_tracker_request_duration_seconds", "histogram", "Time to handle announces and scrapes.");
        histogram(sb, "announce", announceLatency);
        histogram(sb, "scrape", scrapeLatency);
        header(sb, "murder_tracker_swarms", "gauge", "Swarms tracked.");
        sb.append("murder_tracker_swarms ").append(g.swarms()).append('\n');
        header(sb, "murder_tracker_peers", "gauge", "Peers tracked, by state.");
        sb.append("murder_tracker_peers{state=\"seeder\"} ").append(g.seeders()).append('\n');
        sb.append("murder_tracker_peers{state=\"leecher\"} ").append(g.leechers()).append('\n');
        header(sb, "murder_tracker_whitelist_size", "gauge", "Infohashes whitelisted (directory and registrations); -1 in open mode.");
        sb.append("murder_tracker_whitelist_size ").append(g.open() ? -1 : g.whitelisted()).append('\n');
        header(sb, "murder_tracker_connections", "gauge", "Open client connections.");
        sb.append("murder_tracker_connections ").append(connectionsOpen.get()).append('\n');
        header(sb, "murder_tracker_connections_total", "counter", "Client connections accepted.");
        sb.append("murder_tracker_connections_total ").append(connectionsAccepted.sum()).append('\n');
        header(sb, "murder_tracker_start_time_seconds", "gauge", "Start time of the tracker, seconds since the epoch.");
        sb.append("murder_tracker_start_time_seconds ").append(startMillis / 1000).append('\n');
        return sb.toString();
    }

    private static void header(StringBuilder sb, String name, String type, String help) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void histogram(StringBuilder sb, String path, Histogram h) {
        long cumulative = 0;
        for (int i = 0; i < LATENCY_BUCKETS.length; i++) {
            cumulative += h.buckets[i].sum();
            sb.append("murder_tracker_request_duration_seconds_bucket{path=\"").append(path).append("\",le=\"")
                    .append(java.math.BigDecimal.valueOf(LATENCY_BUCKETS[i]).stripTrailingZeros().toPlainString()).append("\"} ").append(cumulative).append('\n');
        }
        long count = h.count.sum();
        sb.append("murder_tracker_request_duration_seconds_bucket{path=\"").append(path).append("\",le=\"+Inf\"} ")
                .append(count).append('\n');
        sb.append("murder_tracker_request_duration_seconds_sum{path=\"").append(path).append("\"} ")
                .append(String.format(Locale.ROOT, "%.6f", h.sumNanos.sum() / 1e9)).append('\n');
        sb.append("murder_tracker_request_duration_seconds_count{path=\"").append(path).append("\"} ").append(count).append('\n');
    }
}
