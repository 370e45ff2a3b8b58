package org.murder.firewall;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.murder.core.PortRange;

/**
 * What {@code murder firewall} opens: TCP to each service's ports, from anywhere or only from the
 * given source networks (one rule per service and source). Immutable and validated.
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
        List<Service> s = new ArrayList<>();
        s.add(new Service("tracker", port("tracker", trackerPort)));
        s.add(new Service("peers", peers));
        if (zkPort != null) {
            s.add(new Service("zookeeper", port("zookeeper", zkPort)));
        }
        return new RuleSet(s, sources);
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
            if (sources.isEmpty()) {
                out.add(new Rule(service, Optional.empty()));
            }
            for (Source source : sources) {
                out.add(new Rule(service, Optional.of(source)));
            }
        }
        return out;
    }

    /** {@code the tracker (8998) and the peers (6881-6889) from anywhere}. */
    public String describe() {
        List<String> parts = services.stream().map(s -> "the " + s.name() + " (" + s.ports() + ")").toList();
        String what = parts.size() == 1 ? parts.get(0)
                : String.join(", ", parts.subList(0, parts.size() - 1)) + " and " + parts.get(parts.size() - 1);
        return what + " from " + (sources.isEmpty() ? "anywhere" : sources.stream().map(Source::cidr).collect(Collectors.joining(", ")));
    }
}
