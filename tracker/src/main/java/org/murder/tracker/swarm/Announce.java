package org.murder.tracker.swarm;

import java.net.InetAddress;
import java.util.Objects;
import org.murder.core.InfoHash;
import org.murder.core.PeerId;

/**
 * One validated announce: who (peer id, address, port), where it stands (left, counters), what
 * happened ({@link Event}) and how many peers it wants back.
 */
public record Announce(InfoHash infoHash, PeerId peerId, InetAddress address, int port,
                       long uploaded, long downloaded, long left, Event event, int numwant) {
    public Announce {
        Objects.requireNonNull(infoHash, "infoHash");
        Objects.requireNonNull(peerId, "peerId");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(event, "event");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1 to 65535)");
        }
        if (uploaded < 0 || downloaded < 0 || left < 0) {
            throw new IllegalArgumentException("uploaded/downloaded/left: " + uploaded + "/" + downloaded + "/" + left
                    + " (expected: >= 0)");
        }
        if (numwant < 0) {
            throw new IllegalArgumentException("numwant: " + numwant + " (expected: >= 0)");
        }
    }

    public boolean isSeeder() {
        return left == 0;
    }
}
