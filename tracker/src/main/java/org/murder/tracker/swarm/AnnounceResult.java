package org.murder.tracker.swarm;

import java.net.InetAddress;
import java.util.List;

/**
 * The answer to an announce: the swarm's counts (requester included), the peers handed out
 * (never the requester; seeders first when the requester is a leecher), and the addresses of the
 * live peers of the requester's rack (empty when it gave none; at most {@link #MAX_RACK_MATES}),
 * so that it can tell which of its peers share its rack (murder's engine spares the rack's uplink),
 * and, for one of its rack's gateways, which ({@code gateway}, from 0) of how many
 * ({@code gateways}; 0 when it is none): the gateways of a rack share out what each fetches from
 * other racks.
 */
public record AnnounceResult(int complete, int incomplete, long downloaded, List<PeerEntry> peers, List<InetAddress> rackMates,
        int gateway, int gateways) {
    /** The most rack-mates one answer lists (4 bytes each in IPv4: 4 KiB). */
    public static final int MAX_RACK_MATES = 1024;

    public AnnounceResult {
        peers = List.copyOf(peers);
        rackMates = List.copyOf(rackMates);
        if (gateways < 0 || (gateways > 0 && (gateway < 0 || gateway >= gateways))) {
            throw new IllegalArgumentException("gateway " + gateway + " of " + gateways + " (expected: 0 <= gateway < gateways)");
        }
    }

    /** An answer that lists no rack-mates. */
    public AnnounceResult(int complete, int incomplete, long downloaded, List<PeerEntry> peers) {
        this(complete, incomplete, downloaded, peers, List.of(), 0, 0);
    }
}
