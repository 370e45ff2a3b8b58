package org.murder.peer.engine;

import java.time.Duration;
import java.time.Instant;

/**
 * While the peers we prefer deliver, the others are asked only for pieces the preferred ones lack
 * (see {@link PiecePicker#next}). Two uses, one instance each:
 * <ul>
 * <li>seeds: a peer that was a seed when it connected (in a deploy: the origin, whose uplink every
 * new piece must cross) is asked only for pieces no other peer has while peers that are not seeds
 * deliver. Hosts that finish while we download are not spared: their uplinks have time to spare.</li>
 * <li>racks: a peer of another rack is asked only for pieces no peer of our rack has while peers of
 * our rack deliver, so that the rack's uplink carries each piece about once.</li>
 * </ul>
 * When nothing came from the preferred peers for {@link #FOR}, the others are asked for anything
 * again: the preferred may choke us, be slow, or be gone. Owned by one thread.
 */
final class Sparing {
    static final Duration FOR = Duration.ofSeconds(1);

    private boolean sparing;
    private Instant lastFromPreferred = Instant.EPOCH;

    /** Data came from a preferred peer. */
    void preferredDelivered(Instant now) {
        lastFromPreferred = now;
        sparing = true;
    }

    boolean sparing() {
        return sparing;
    }

    /** Stops sparing when the preferred peers went quiet; true when it just stopped (ask the others again). */
    boolean expire(Instant now) {
        if (sparing && now.isAfter(lastFromPreferred.plus(FOR))) {
            sparing = false;
            return true;
        }
        return false;
    }
}
