package org.murder.peer.engine;

import java.time.Duration;
import java.time.Instant;

/**
 * While peers that are not seeds deliver, a peer that was a seed when it connected (in a deploy:
 * the origin, whose uplink every new piece must cross) is asked only for pieces no other peer has
 * (see {@link PiecePicker}). Hosts that finish while we download are not spared: their uplinks
 * have time to spare. When nothing came from the other peers for {@link #FOR}, seeds are asked
 * for anything again: the others may choke us, be slow, or be gone. Owned by one thread.
 */
final class SeedSparing {
    static final Duration FOR = Duration.ofSeconds(1);

    private boolean sparing;
    private Instant lastFromNonSeed = Instant.EPOCH;

    /** Data came from a peer that was not a seed when it connected. */
    void fromNonSeed(Instant now) {
        lastFromNonSeed = now;
        sparing = true;
    }

    boolean sparing() {
        return sparing;
    }

    /** Stops sparing seeds when the others went quiet; true when it just stopped (ask the seeds again). */
    boolean expire(Instant now) {
        if (sparing && now.isAfter(lastFromNonSeed.plus(FOR))) {
            sparing = false;
            return true;
        }
        return false;
    }
}
