package org.murder.firewall;

import org.murder.core.PortRange;

/**
 * One thing of ours that listens on TCP: its name (used in rule comments) and its ports.
 *
 * @param name  {@code tracker}, {@code peers} or {@code zookeeper}
 * @param ports the TCP ports it listens on
 */
public record Service(String name, PortRange ports) {
    public Service {
        if (name == null || !name.matches("[a-z][a-z0-9-]*")) {
            throw new IllegalArgumentException("service name '" + name + "' (expected: lower-case letters, digits and '-')");
        }
    }
}
