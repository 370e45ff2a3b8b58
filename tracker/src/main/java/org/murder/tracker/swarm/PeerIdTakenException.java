package org.murder.tracker.swarm;

/**
 * An announce named a peer id that a peer of the swarm holds from another source: it is refused
 * (its {@code failure reason} says why), and the peer that holds it keeps its place. No stack trace:
 * an expected refusal, not a bug.
 */
public final class PeerIdTakenException extends RuntimeException {
    PeerIdTakenException(String message) {
        super(message, null, false, false);
    }
}
