package org.murder.peer.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The blocks asked of one peer and not answered yet, oldest first, and what it delivered of them
 * since the last {@link #tick}: what {@link SlowSources} judges a peer by. The engine's connection
 * and the simulator's keep them alike through this class. Owned by one thread.
 */
final class AskedBlocks {
    private final Map<Long, Block> blocks = new LinkedHashMap<>();
    private final Map<Long, Block> view = Collections.unmodifiableMap(blocks);
    /** Bytes of blocks asked of it, of the asked length, that it delivered since the last tick. */
    private long deliveredSinceTick;
    /** Since when blocks have been asked of it without a break; null while none is. */
    private Instant askedSince;

    /** The blocks in flight, oldest first (read only). */
    Map<Long, Block> view() {
        return view;
    }

    boolean isEmpty() {
        return blocks.isEmpty();
    }

    int size() {
        return blocks.size();
    }

    Block get(long key) {
        return blocks.get(key);
    }

    /** {@code b} was asked at {@code now}. */
    void put(Block b, Instant now) {
        if (blocks.isEmpty()) {
            askedSince = now;
        }
        blocks.put(b.key(), b);
    }

    /** No longer in flight (refused, cancelled, or answered with another length); null when it was not. */
    Block remove(long key) {
        Block b = blocks.remove(key);
        if (blocks.isEmpty()) {
            askedSince = null;
        }
        return b;
    }

    /** {@code bytes} came for the block at {@code key}: the block it answers, now out of flight, or null when none was asked there. */
    Block answered(long key, int bytes) {
        Block b = remove(key);
        if (b != null && b.length() == bytes) { // a block not asked of it, or cut short, proves nothing
            deliveredSinceTick += bytes;
        }
        return b;
    }

    /** Forgets every block in flight (it choked us, or left); returns them, oldest first. */
    List<Block> clear() {
        List<Block> dropped = new ArrayList<>(blocks.values());
        blocks.clear();
        askedSince = null;
        return dropped;
    }

    /**
     * What it delivered since the last call, and whether blocks were asked of it without a break for
     * at least half of the tick that ends at {@code now} and began at {@code tickStart} ({@link
     * SlowSources.Tick#askedThroughout}). Half, not all: a peer first asked just after a tick is
     * judged at the next one, not a second later (a slow peer's first copies held two normal hosts
     * that long in bench/slow-host.sh). Delivering at the best peer's pace for half the tick it would
     * still show half the best's bytes, four times the slow mark.
     */
    <P> SlowSources.Tick<P> tick(P peer, boolean rackMate, Instant tickStart, Instant now) {
        Duration tick = Duration.between(tickStart, now);
        if (askedSince != null && askedSince.isAfter(now)) { // a clock stepped back: asked from now
            askedSince = now;
        }
        boolean askedThroughout = askedSince != null && tick.compareTo(Duration.ZERO) > 0 // not the first: no tick began
                && !askedSince.isAfter(now.minus(tick.dividedBy(2)));
        SlowSources.Tick<P> t = new SlowSources.Tick<>(peer, deliveredSinceTick, askedThroughout, rackMate);
        deliveredSinceTick = 0;
        return t;
    }
}
