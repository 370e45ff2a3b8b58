package org.murder.firewall;

import java.util.List;
import org.murder.core.PortRange;

/**
 * One thing of ours that listens on TCP: its name (used in rule comments), its ports and, when it
 * is to be reached from other networks than the rest (a daemon's metrics, from the Prometheus host
 * only), those.
 *
 * @param name  {@code tracker}, {@code peers}, {@code zookeeper} or {@code metrics-PORT}
 * @param ports the TCP ports it listens on
 * @param only  the sources it accepts from; empty: the rule set's
 */
public record Service(String name, PortRange ports, List<Source> only) {
    public Service {
        if (name == null || !name.matches("[a-z][a-z0-9-]*")) {
            throw new IllegalArgumentException("service name '" + name + "' (expected: lower-case letters, digits and '-')");
        }
        only = List.copyOf(only);
    }

    /** A service reached from the rule set's sources. */
    public Service(String name, PortRange ports) {
        this(name, ports, List.of());
    }
}
