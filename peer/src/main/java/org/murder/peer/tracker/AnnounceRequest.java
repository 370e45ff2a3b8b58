package org.murder.peer.tracker;

import java.util.Optional;
import org.murder.core.InfoHash;
import org.murder.core.PeerId;
import org.murder.core.RackName;

/**
 * One announce (BEP 3). {@code event} is empty for a regular reannounce; {@code rack} is murder's
 * own parameter (our tracker hands out mostly same-rack peers; other trackers ignore it).
 */
public record AnnounceRequest(InfoHash infoHash, PeerId peerId, int port, long uploaded, long downloaded, long left,
        Optional<Event> event, Optional<String> ip, int numWant, String key, Optional<RackName> rack) {

    public enum Event {
        STARTED, COMPLETED, STOPPED;

        String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
