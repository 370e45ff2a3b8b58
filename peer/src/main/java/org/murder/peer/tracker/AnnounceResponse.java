package org.murder.peer.tracker;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.murder.core.GatewayShare;

/**
 * What a tracker answered: peers, when to ask again ({@code interval}) and how soon at the earliest
 * ({@code minInterval}: "min interval", not in BEP 3 but sent by most trackers, ours too; zero when
 * the tracker gave none), and the addresses of the peers of our rack ({@code rackMates}: murder's
 * tracker says them to a peer that gave a rack; empty otherwise), and for one of its rack's
 * gateways which of how many ({@code gateway}; {@link GatewayShare#NONE}: not a gateway, or not
 * said).
 */
public record AnnounceResponse(List<InetSocketAddress> peers, Duration interval, Duration minInterval, int seeders, int leechers,
        Set<InetAddress> rackMates, GatewayShare gateway) {
    public AnnounceResponse {
        peers = List.copyOf(peers);
        rackMates = Set.copyOf(rackMates);
        java.util.Objects.requireNonNull(gateway, "gateway");
        if (interval.isNegative() || minInterval.isNegative() || minInterval.compareTo(interval) > 0) {
            throw new IllegalArgumentException("announce intervals: interval " + interval + ", min interval " + minInterval
                    + " (expected: 0 <= min interval <= interval)");
        }
    }

    /** An answer that names no rack-mates. */
    public AnnounceResponse(List<InetSocketAddress> peers, Duration interval, Duration minInterval, int seeders, int leechers) {
        this(peers, interval, minInterval, seeders, leechers, Set.of(), GatewayShare.NONE);
    }

    /** An answer without a "min interval". */
    public AnnounceResponse(List<InetSocketAddress> peers, Duration interval, int seeders, int leechers) {
        this(peers, interval, Duration.ZERO, seeders, leechers);
    }
}
