package org.murder.peer.engine;

/** Hears about a session: progress about once a second, and state changes. Called on the session's loop: keep it quick. */
public interface SessionListener {
    default void onProgress(Snapshot snapshot) {
    }

    default void onStateChange(SessionState state, Snapshot snapshot) {
    }

    SessionListener NONE = new SessionListener() {
    };
}
