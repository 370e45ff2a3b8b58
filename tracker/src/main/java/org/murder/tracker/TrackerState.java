package org.murder.tracker;

import java.util.List;
import java.util.Set;
import org.murder.core.InfoHash;
import org.murder.tracker.swarm.SwarmSnapshot;

/** What survives a restart: whitelist registrations, and every swarm with its peers and completed count. */
public record TrackerState(Set<InfoHash> registered, List<SwarmSnapshot> swarms) {
    public TrackerState {
        registered = Set.copyOf(registered);
        swarms = List.copyOf(swarms);
    }
}
