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
 * <p>A peer is slow when, with blocks asked of it at the last tick and at this one, it delivered
 * less than 1/{@link #SLOW_FACTOR} of what the peer that delivered most in the tick did, and that
 * one delivered at least {@link #EVIDENCE}: slowness is judged against peers that show what the
 * swarm carries, never against a quiet one. Judged again every tick; stateless.
 */
final class SlowSources {
    /** A peer that delivers less than the best one by this factor is slow. */
    static final int SLOW_FACTOR = 8;
    /** What the best peer must have delivered in a tick for any peer to be judged against it. */
    static final long EVIDENCE = 256 * 1024;

    private SlowSources() {
    }

    /**
     * What one peer (not a seed) delivered in the last tick, and whether blocks were asked of it at
     * the tick before and at this one.
     */
    record Tick<P>(P peer, long delivered, boolean askedThroughout) {
        Tick {
            if (delivered < 0) {
                throw new IllegalArgumentException("delivered: " + delivered + " (expected: >= 0)");
            }
        }
    }

    /** The slow sources among {@code ticks}, in their order. */
    static <P> List<P> judge(List<Tick<P>> ticks) {
        long best = 0;
        for (Tick<P> t : ticks) {
            best = Math.max(best, t.delivered());
        }
        List<P> slow = new ArrayList<>();
        if (best < EVIDENCE) {
            return slow;
        }
        for (Tick<P> t : ticks) {
            if (t.askedThroughout() && t.delivered() < best / SLOW_FACTOR) {
                slow.add(t.peer());
            }
        }
        return slow;
    }
}
