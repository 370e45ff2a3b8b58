package org.murder.firewall;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.murder.core.PortRange;

/**
 * What {@code murder firewall} opens: TCP to each service's ports, from anywhere or only from the
 * given source networks, or from a service's own (one rule per service and source). Immutable and
 * validated.
 */
public record RuleSet(List<Service> services, List<Source> sources) {
    public RuleSet {
        services = List.copyOf(services);
        sources = List.copyOf(sources);
        if (services.isEmpty()) {
            throw new IllegalArgumentException("services: none (expected: at least one)");
        }
        for (int i = 0; i < services.size(); i++) {
            for (int j = i + 1; j < services.size(); j++) {
                PortRange a = services.get(i).ports();
                PortRange b = services.get(j).ports();
                if (a.first() <= b.last() && b.first() <= a.last()) {
                    throw new IllegalArgumentException(services.get(i).name() + " port " + a + " overlaps " + services.get(j).name()
                            + " port " + b + " (expected: separate ports)");
                }
            }
        }
    }

    /** The tracker, the peers' range and, when given, ZooKeeper. */
    public static RuleSet of(PortRange peers, int trackerPort, Integer zkPort, List<Source> sources) {
        return of(peers, trackerPort, zkPort, sources, List.of(), List.of());
    }

    /**
     * As {@link #of(PortRange, int, Integer, List)}, and each of {@code metricsPorts} (the daemons'
     * {@code --metrics-port}) from {@code metricsSources}, or from {@code sources} when that is empty.
     */
    public static RuleSet of(PortRange peers, int trackerPort, Integer zkPort, List<Source> sources, List<Integer> metricsPorts,
                             List<Source> metricsSources) {
        if (!metricsSources.isEmpty() && metricsPorts.isEmpty()) {
            throw new IllegalArgumentException("metrics sources " + metricsSources.stream().map(Source::cidr).toList()
                    + " without a metrics port (expected: --metrics-port PORT with --metrics-source)");
        }
        List<Service> s = new ArrayList<>();
        s.add(new Service("tracker", port("tracker", trackerPort)));
        s.add(new Service("peers", peers));
        if (zkPort != null) {
            s.add(new Service("zookeeper", port("zookeeper", zkPort)));
        }
        for (int metrics : new java.util.TreeSet<>(metricsPorts)) {
            s.add(new Service("metrics-" + metrics, port("metrics", metrics), metricsSources));
        }
        return new RuleSet(s, sources);
    }

    /** The sources {@code service} accepts from: its own, or the rule set's. */
    private List<Source> sourcesOf(Service service) {
        return service.only().isEmpty() ? sources : service.only();
    }

    /** Every source some rule names (what a backend checks it can match). */
    public List<Source> allSources() {
        java.util.LinkedHashSet<Source> all = new java.util.LinkedHashSet<>(sources);
        services.forEach(s -> all.addAll(s.only()));
        return List.copyOf(all);
    }

    private static PortRange port(String name, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(name + " port " + port + " (expected: 1 to 65535)");
        }
        return new PortRange(port, port);
    }

    /** One rule per service and source, services in order, then sources in order. */
    public List<Rule> rules() {
        List<Rule> out = new ArrayList<>();
        for (Service service : services) {
            List<Source> from = sourcesOf(service);
            if (from.isEmpty()) {
                out.add(new Rule(service, Optional.empty()));
            }
            for (Source source : from) {
                out.add(new Rule(service, Optional.of(source)));
            }
        }
        return out;
    }

    /**
     * {@code the tracker (8998) and the peers (6881-6889) from anywhere}; services with sources of their own
     * follow: {@code ...; the metrics-9481 (9481) from 10.0.0.5/32}.
     */
    public String describe() {
        java.util.Map<List<Source>, List<Service>> bySources = new java.util.LinkedHashMap<>();
        services.forEach(s -> bySources.computeIfAbsent(sourcesOf(s), k -> new ArrayList<>()).add(s));
        List<String> groups = new ArrayList<>();
        bySources.forEach((from, group) -> {
            List<String> parts = group.stream().map(s -> "the " + s.name() + " (" + s.ports() + ")").toList();
            String what = parts.size() == 1 ? parts.get(0)
                    : String.join(", ", parts.subList(0, parts.size() - 1)) + " and " + parts.get(parts.size() - 1);
            groups.add(what + " from " + (from.isEmpty() ? "anywhere" : from.stream().map(Source::cidr).collect(Collectors.joining(", "))));
        });
        return String.join("; ", groups);
    }
}
