package org.murder.tracker.swarm;

/**
 * A cap was hit (swarms, peers per swarm, peers in all): the announce is refused, the tracker
 * carries on. The message is meant for the client's {@code failure reason}. No stack trace: this
 * is an expected refusal, not a bug.
 */
public final class CapacityException extends RuntimeException {
    private final String cap;

    CapacityException(String cap, String message) {
        super(message, null, false, false);
        this.cap = cap;
    }

    /** Which cap: {@code swarms}, {@code peers_per_swarm} or {@code peers}. */
    public String cap() {
        return cap;
    }
}
