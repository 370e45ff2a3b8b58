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
 * When nothing came from the preferred peers for a while ({@link #SEEDS}, {@link #RACK}), the others
 * are asked for anything again: the preferred may choke us, be slow, or be gone. Owned by one thread.
 */
final class Sparing {
    /** How long a seed is spared after the other peers went quiet. */
    static final Duration SEEDS = Duration.ofSeconds(1);
    /**
     * How long other racks are spared after our rack went quiet. A rack goes quiet mostly when the
     * whole swarm waits for the origin's next pieces, and its gateways then asked other racks for
     * anything, each the pieces the others were fetching: in bench/fleet.sh 200 --racks 8
     * --rack-uplink 8mbit (racks of 25, four gateways) 3.1 of the 17 x F that crossed into racks
     * came that way (a debug count; with PiecePicker's share rule, see openLaggingShares, 2.37 ->
     * 1.21 copies into each rack and the last host 1.44 -> 1.28 x F/c). Ten seconds still bounds
     * what a rack whose members choke us or are stuck costs (a rack-mate gone takes its pieces out of
     * the rack's counts at once); pieces that only choking rack-mates have are what our rack lacks
     * after PiecePicker.CHOKED_PATIENCE, and a gateway asks other racks for its share of them.
     */
    static final Duration RACK = Duration.ofSeconds(10);
    /**
     * How long we spare from the moment we know preferred peers exist ({@link #expect}) while none
     * has delivered yet. Rack-mates have nothing at the start; not sparing until one delivered, a
     * rack's gateways asked other racks for anything meanwhile: in bench/fleet.sh 32 -C 8mbit --file
     * 16 --racks 4, 8.2-9.4 MB (half of F) came from other racks that way in the first 5 s of two
     * runs; 0.4-2.5 MB in four runs with the grace and 6.4 MB in a fifth (later quiet seconds).
     * Longer quiet spells allowed all along (3 s instead of 1) took that to 0 and the
     * copies into each rack from 1.21-1.23 to 1.15-1.17, but the last host from 1.20-1.26 to
     * 1.23-1.37 x the bound (not kept then; with the share rule, {@link #RACK}).
     */
    static final Duration FIRST_GRACE = Duration.ofSeconds(5);

    private final Duration patience;
    private boolean sparing;
    private boolean delivered;
    private boolean expected;
    private Instant lastFromPreferred = Instant.EPOCH;

    /** Sparing until the preferred peers delivered nothing for {@code patience}. */
    Sparing(Duration patience) {
        if (patience.isNegative()) {
            throw new IllegalArgumentException("patience: " + patience + " (expected: >= 0)");
        }
        this.patience = patience;
    }

    /** Data came from a preferred peer. */
    void preferredDelivered(Instant now) {
        lastFromPreferred = now;
        sparing = true;
        delivered = true;
    }

    /**
     * We know now that preferred peers exist (the tracker named our rack's): spare from now on, for
     * {@link #FIRST_GRACE} if none delivers meanwhile. Once only, and not after one delivered.
     */
    void expect(Instant now) {
        if (!expected && !delivered) {
            expected = true;
            sparing = true;
            lastFromPreferred = now.plus(FIRST_GRACE).minus(patience);
        }
    }

    boolean sparing() {
        return sparing;
    }

    /** Stops sparing when the preferred peers went quiet; true when it just stopped (ask the others again). */
    boolean expire(Instant now) {
        if (sparing && now.isAfter(lastFromPreferred.plus(patience))) {
            sparing = false;
            return true;
        }
        return false;
    }
}
