package org.murder.peer.engine;

import java.util.Optional;

/**
 * A point-in-time view of a session for progress displays, status files and agents.
 *
 * @param state        lifecycle state
 * @param verified     bytes verified (have)
 * @param total        torrent size
 * @param downloaded   payload bytes received this run
 * @param uploaded     payload bytes sent this run
 * @param downRate     bytes/s received over the last second
 * @param upRate       bytes/s sent over the last second
 * @param peers        connected peers
 * @param seeds        connected peers that have everything
 * @param error        why the session failed
 */
public record Snapshot(SessionState state, long verified, long total, long downloaded, long uploaded, long downRate,
        long upRate, int peers, int seeds, Optional<String> error) {

    public int percent() {
        return total == 0 ? 100 : (int) (verified * 100 / total);
    }
}
