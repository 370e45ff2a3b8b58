package org.murder.tracker.swarm;

import java.net.InetAddress;
import java.util.List;
import org.murder.core.GatewayShare;

/**
 * The answer to an announce: the swarm's counts (requester included), the peers handed out
 * (never the requester; seeders first when the requester is a leecher), and the addresses of the
 * live peers of the requester's rack (empty when it gave none; at most {@link #MAX_RACK_MATES}),
 * so that it can tell which of its peers share its rack (murder's engine spares the rack's uplink),
 * and, for one of its rack's gateways, which of how many ({@code gateway}; {@link GatewayShare#NONE}
 * when it is none): the gateways of a rack share out what each fetches from other racks.
 */
public record AnnounceResult(int complete, int incomplete, long downloaded, List<PeerEntry> peers, List<InetAddress> rackMates,
        GatewayShare gateway) {
    /** The most rack-mates one answer lists (4 bytes each in IPv4: 4 KiB). */
    public static final int MAX_RACK_MATES = 1024;

    public AnnounceResult {
        peers = List.copyOf(peers);
        rackMates = List.copyOf(rackMates);
        java.util.Objects.requireNonNull(gateway, "gateway");
    }

    /** An answer that lists no rack-mates. */
    public AnnounceResult(int complete, int incomplete, long downloaded, List<PeerEntry> peers) {
        this(complete, incomplete, downloaded, peers, List.of(), GatewayShare.NONE);
    }
}
