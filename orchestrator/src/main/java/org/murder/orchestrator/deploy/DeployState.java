package org.murder.orchestrator.deploy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.murder.orchestrator.job.HostReport;

/**
 * A deploy at one moment, as a person reads it at fleet size: each host's state and progress, the
 * counts by state, the throughput, the slowest running hosts and the failures grouped by reason.
 * Made from what the hosts reported; immutable. The texts in it (host names, states, errors) come
 * from the network: escape them wherever they are shown.
 *
 * @param job      the job id (empty before one was published)
 * @param tag      the release tag
 * @param result   {@link #RUNNING}, {@link #DONE} (every host succeeded) or {@link #FAILED}
 * @param elapsedMillis since the job was published
 * @param counts   hosts by state, in the order a deploy goes ({@link #WAITING}: no report yet); unknown states as {@code other}
 * @param bytes    bytes verified on every host together
 * @param totalBytes the release size times the hosts
 * @param rate     bytes per second the running hosts download together (the sum of their last-second rates)
 * @param hosts    every targeted host, in the job's order
 * @param slowest  the running hosts least far along, at most {@value #SLOWEST}
 * @param failures failed hosts grouped by reason, most hosts first, at most {@value #MAX_REASONS} groups
 * @param moreReasons reasons beyond those in {@code failures}
 * @param history  bytes per second, one point per second, oldest first (empty unless a {@link RateHistory} added it)
 */
public record DeployState(String job, String tag, String result, long elapsedMillis, Map<String, Integer> counts, long bytes,
        long totalBytes, long rate, List<Host> hosts, List<Host> slowest, List<Failure> failures, int moreReasons,
        List<Long> history) {
    public static final String RUNNING = "running";
    public static final String DONE = "done";
    public static final String FAILED = "failed";
    /** A host that has not reported yet. */
    public static final String WAITING = "waiting";
    /** A host in a state this version does not know. */
    public static final String OTHER = "other";
    static final List<String> STATES = List.of(WAITING, HostReport.ACCEPTED, HostReport.DOWNLOADING, HostReport.READY,
            HostReport.ACTIVATING, HostReport.DONE, HostReport.FAILED, OTHER);
    static final int SLOWEST = 10;
    static final int MAX_REASONS = 10;
    static final int EXAMPLES = 5;
    /** The reason of a failed host that gave none. */
    static final String NO_REASON = "(no reason given)";

    /**
     * One host.
     *
     * @param percent of the release verified, 0 to 100
     * @param rate    bytes per second over the last second
     */
    public record Host(String name, String state, int percent, long rate, String error) {
        boolean running() {
            return !WAITING.equals(state) && !HostReport.DONE.equals(state) && !HostReport.FAILED.equals(state);
        }
    }

    /**
     * Failed hosts that gave one reason.
     *
     * @param examples the first hosts (in the job's order) that failed so, at most {@value #EXAMPLES}
     */
    public record Failure(String reason, int count, List<String> examples) {
        public Failure {
            examples = List.copyOf(examples);
        }
    }

    public DeployState {
        counts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(counts));
        hosts = List.copyOf(hosts);
        slowest = List.copyOf(slowest);
        failures = List.copyOf(failures);
        history = List.copyOf(history);
    }

    /** Before a job was published: no hosts. */
    public static DeployState none() {
        return of("", "", List.of(), 0, Map.of(), 0);
    }

    /** A running deploy of a release of {@code size} bytes to {@code hosts}, from their {@code reports}. */
    public static DeployState of(String job, String tag, List<String> hosts, long size, Map<String, HostReport> reports,
            long elapsedMillis) {
        return build(job, tag, hosts, size, reports, elapsedMillis, Map.of(), false);
    }

    /**
     * The end of a deploy: {@link #DONE} when every outcome succeeded, else {@link #FAILED}. A host
     * whose outcome failed while its report did not say so (a timeout, a vanished agent, a rollback)
     * shows as failed with the outcome's reason.
     */
    public static DeployState finished(String job, String tag, List<String> hosts, long size, Map<String, HostReport> reports,
            long elapsedMillis, List<HostOutcome> outcomes) {
        Map<String, HostOutcome> byHost = new LinkedHashMap<>();
        outcomes.forEach(o -> byHost.put(o.host(), o));
        return build(job, tag, hosts, size, reports, elapsedMillis, byHost, true);
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    private static DeployState build(String job, String tag, List<String> names, long size, Map<String, HostReport> reports,
            long elapsedMillis, Map<String, HostOutcome> outcomes, boolean finished) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        STATES.forEach(s -> counts.put(s, 0));
        List<Host> hosts = new ArrayList<>(names.size());
        long bytes = 0;
        long rate = 0;
        boolean allOk = true;
        for (String name : names) {
            HostReport r = reports.get(name);
            HostOutcome o = outcomes.get(name);
            Host h = host(name, r);
            if (o != null && !o.succeeded()) {
                allOk = false;
                if (!HostReport.FAILED.equals(h.state())) {
                    // a timeout's reason says how far each host got: one reason for all of them
                    h = new Host(name, HostReport.FAILED, h.percent(), 0, "timeout".equals(o.result())
                            ? "timeout: not done by the deadline" : o.label() + ": " + o.error());
                }
            }
            hosts.add(h);
            counts.merge(STATES.contains(h.state()) ? h.state() : OTHER, 1, Integer::sum);
            if (r != null) { // a host has at most the job's bytes, whatever a report says (a sum past Long.MAX_VALUE went negative)
                bytes += size > 0 ? Math.min(size, Math.max(0, r.bytes())) : Math.max(0, Math.min(r.bytes(), Long.MAX_VALUE / 1024 / names.size()));
            }
            if (h.running()) {
                rate = saturatedAdd(rate, Math.max(0, h.rate()));
            }
        }
        String result = !finished ? RUNNING : allOk && outcomes.size() >= names.size() ? DONE : FAILED;
        List<Host> slowest = hosts.stream().filter(Host::running)
                .sorted(Comparator.comparingInt(Host::percent).thenComparingLong(Host::rate)).limit(SLOWEST).toList();
        Map<String, List<String>> byReason = new LinkedHashMap<>();
        for (Host h : hosts) {
            if (HostReport.FAILED.equals(h.state())) {
                byReason.computeIfAbsent(h.error().isEmpty() ? NO_REASON : h.error(), k -> new ArrayList<>()).add(h.name());
            }
        }
        List<Failure> failures = byReason.entrySet().stream()
                .sorted(Comparator.comparingInt((Map.Entry<String, List<String>> e) -> -e.getValue().size())
                        .thenComparing(Map.Entry::getKey))
                .limit(MAX_REASONS)
                .map(e -> new Failure(e.getKey(), e.getValue().size(), e.getValue().subList(0, Math.min(EXAMPLES, e.getValue().size()))))
                .toList();
        return new DeployState(job, tag, result, elapsedMillis, counts, bytes, Math.max(0, size) * names.size(), rate, hosts, slowest,
                failures, Math.max(0, byReason.size() - MAX_REASONS), List.of());
    }

    private static Host host(String name, HostReport r) {
        if (r == null) {
            return new Host(name, WAITING, 0, 0, "");
        }
        int percent = r.total() <= 0 ? (r.isFinished() ? 100 : 0) : (int) Math.max(0, Math.min(100, (double) r.bytes() * 100 / r.total())); // a report's bytes may be anything: no overflow
        return new Host(name, r.state() == null ? OTHER : r.state(), percent, Math.max(0, r.rate()), r.error());
    }

    /** Whether the deploy ended. */
    @com.fasterxml.jackson.annotation.JsonProperty("finished")
    public boolean finished() {
        return !RUNNING.equals(result);
    }

    /** Hosts in {@code state} ({@link #WAITING}, a report state, or {@link #OTHER}). */
    public int count(String state) {
        return counts.getOrDefault(state, 0);
    }

    /** Failed hosts, every reason together. */
    public int failed() {
        return count(HostReport.FAILED);
    }

    /** Hosts with a report that are neither done nor failed. */
    public int running() {
        return hosts.size() - count(WAITING) - count(HostReport.DONE) - count(HostReport.FAILED);
    }

    /** The same state with {@code points} (bytes per second, one a second, oldest first) as its history. */
    public DeployState withHistory(List<Long> points) {
        return new DeployState(job, tag, result, elapsedMillis, counts, bytes, totalBytes, rate, hosts, slowest, failures, moreReasons,
                points);
    }
}
