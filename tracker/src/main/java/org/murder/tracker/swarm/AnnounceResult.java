package org.murder.tracker.swarm;

import java.util.List;

/**
 * The answer to an announce: the swarm's counts (requester included) and the peers handed out
 * (never the requester; seeders first when the requester is a leecher).
 */
public record AnnounceResult(int complete, int incomplete, long downloaded, List<PeerEntry> peers) {
    public AnnounceResult {
        peers = List.copyOf(peers);
    }
}
