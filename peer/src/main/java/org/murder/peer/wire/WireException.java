package org.murder.peer.wire;

/** A peer broke the wire protocol; it closes that one connection and nothing else. */
public final class WireException extends RuntimeException {
    public WireException(String message) {
        super(message);
    }
}
