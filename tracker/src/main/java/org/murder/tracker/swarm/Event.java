package org.murder.tracker.swarm;

import java.util.Optional;

/** The {@code event} of an announce (BEP 3; {@code paused} from BEP 21 counts as a regular announce). */
public enum Event {
    NONE, STARTED, COMPLETED, STOPPED;

    public static final String EXPECTED = "started, completed, stopped, paused or empty";

    /** The event named {@code text} as clients send it, or empty when the name is unknown. */
    public static Optional<Event> parse(String text) {
        return switch (text) {
            case "", "empty", "paused" -> Optional.of(NONE);
            case "started" -> Optional.of(STARTED);
            case "completed" -> Optional.of(COMPLETED);
            case "stopped" -> Optional.of(STOPPED);
            default -> Optional.empty();
        };
    }

    /** Lower-case name for logs and metric labels. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
