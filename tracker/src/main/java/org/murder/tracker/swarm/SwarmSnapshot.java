package org.murder.tracker.swarm;

import java.util.List;
import org.murder.core.InfoHash;

/** A consistent copy of one swarm, for the state file and the stats page. */
public record SwarmSnapshot(InfoHash infoHash, long downloaded, long lastActivityMillis, List<PeerEntry> peers) {
    public SwarmSnapshot {
        peers = List.copyOf(peers);
    }

    public long seeders() {
        return peers.stream().filter(PeerEntry::isSeeder).count();
    }

    public long leechers() {
        return peers.size() - seeders();
    }
}
