package org.murder.firewall;

import java.util.Optional;

/**
 * Accept TCP to one service's ports, from anywhere or from one source network. The comment is
 * unique within a rule set, so the installed rules can be told apart.
 */
public record Rule(Service service, Optional<Source> source) {
    /** {@code murder tracker}, or {@code murder tracker from 10.0.0.0/8}. */
    public String comment() {
        return "murder " + service.name() + source.map(s -> " from " + s.cidr()).orElse("");
    }
}
