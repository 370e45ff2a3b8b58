package org.murder.peer.tracker;

import java.util.Optional;
import org.murder.core.InfoHash;
import org.murder.core.PeerId;

/** One announce (BEP 3). {@code event} is empty for a regular reannounce. */
public record AnnounceRequest(InfoHash infoHash, PeerId peerId, int port, long uploaded, long downloaded, long left,
        Optional<Event> event, Optional<String> ip, int numWant, String key) {

    public enum Event {
        STARTED, COMPLETED, STOPPED;

        String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
