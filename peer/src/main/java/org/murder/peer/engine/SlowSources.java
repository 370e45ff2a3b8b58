package org.murder.peer.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * Which of the peers we download from are slow sources. While peers that are not seeds deliver, a
 * seed is asked only for pieces no other peer has ({@link Sparing}); a piece that only a slow peer
 * has besides the seeds then came at that peer's pace: with one peer at 100 KB/s among two normal
 * ones and an origin at 20 MB/s, the normal ones asked the slow one for the first copies it got
 * and took 2.4 x their time without it in about one short run in eight (bench/slow-host.sh 32 20MB/s
 * 2 100KB/s). The picker does not count a slow source as a holder when it spares a seed
 * ({@link PiecePicker#slowSources}).
 *
 * <p>A peer is slow when, with blocks asked of it without a break for at least half the tick
 * ({@link AskedBlocks#tick}), it delivered less than 1/{@link #SLOW_FACTOR} of what the peer that delivered most in the tick did, and that
 * one delivered at least {@link #EVIDENCE}: slowness is judged against peers that show what the
 * swarm carries, never against a quiet one. Peers of our rack and the others are judged apart: a
 * rack-mate on the same switch outruns peers behind a rack uplink, which are not slow for it (and
 * judged so, the origin would be asked for what other racks have, which rack sparing keeps off it).
 * Judged again every tick; stateless.
 */
final class SlowSources {
    /** A peer that delivers less than the best one by this factor is slow. */
    static final int SLOW_FACTOR = 8;
    /** What the best peer must have delivered in a tick for any peer to be judged against it. */
    static final long EVIDENCE = 256 * 1024;

    private SlowSources() {
    }

    /**
     * What one peer (not a seed) delivered in the last tick, whether blocks were asked of it without
     * a break for at least half of it, and whether it is of our rack.
     */
    record Tick<P>(P peer, long delivered, boolean askedThroughout, boolean rackMate) {
        Tick {
            if (delivered < 0) {
                throw new IllegalArgumentException("delivered: " + delivered + " (expected: >= 0)");
            }
        }
    }

    /** The slow sources among {@code ticks}, in their order. */
    static <P> List<P> judge(List<Tick<P>> ticks) {
        long[] best = new long[2]; // by side: others, our rack
        for (Tick<P> t : ticks) {
            best[side(t)] = Math.max(best[side(t)], t.delivered());
        }
        List<P> slow = new ArrayList<>();
        for (Tick<P> t : ticks) {
            long b = best[side(t)];
            if (b >= EVIDENCE && t.askedThroughout() && t.delivered() < b / SLOW_FACTOR) {
                slow.add(t.peer());
            }
        }
        return slow;
    }

    private static int side(Tick<?> t) {
        return t.rackMate() ? 1 : 0;
    }
}
