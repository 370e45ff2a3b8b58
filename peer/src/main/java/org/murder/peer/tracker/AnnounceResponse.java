package org.murder.peer.tracker;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/** What a tracker answered: peers and when to ask again. */
public record AnnounceResponse(List<InetSocketAddress> peers, Duration interval, int seeders, int leechers) {
    public AnnounceResponse {
        peers = List.copyOf(peers);
    }
}
