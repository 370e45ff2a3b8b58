package org.murder.tracker.swarm;

import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;
import org.murder.core.InfoHash;
import org.murder.core.PeerId;
import org.murder.core.RackName;

/**
 * One validated announce: who (peer id, address, port), where it stands (left, counters), what
 * happened ({@link Event}), how many peers it wants back and, from murder peers that were given
 * one, its rack (the tracker then hands out mostly same-rack peers, see {@code PeerChoice}).
 * {@code source} is where the request came from (the connection's address), which a full cap's
 * places are shared by (see {@code Sources}); {@code address} is the one handed to other peers,
 * which a client may name itself with {@code ip}.
 */
public record Announce(InfoHash infoHash, PeerId peerId, InetAddress address, int port,
                       long uploaded, long downloaded, long left, Event event, int numwant, Optional<RackName> rack,
                       InetAddress source) {
    /** An announce that came from the address it gives. */
    public Announce(InfoHash infoHash, PeerId peerId, InetAddress address, int port, long uploaded, long downloaded, long left,
                    Event event, int numwant, Optional<RackName> rack) {
        this(infoHash, peerId, address, port, uploaded, downloaded, left, event, numwant, rack, address);
    }

    /** An announce without a rack, as every client but a murder peer given {@code --rack} sends. */
    public Announce(InfoHash infoHash, PeerId peerId, InetAddress address, int port, long uploaded, long downloaded, long left,
                    Event event, int numwant) {
        this(infoHash, peerId, address, port, uploaded, downloaded, left, event, numwant, Optional.empty());
    }

    public Announce {
        Objects.requireNonNull(rack, "rack");
        Objects.requireNonNull(infoHash, "infoHash");
        Objects.requireNonNull(peerId, "peerId");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(source, "source");
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
