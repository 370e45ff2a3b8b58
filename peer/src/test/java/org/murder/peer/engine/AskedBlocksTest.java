package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class AskedBlocksTest {
    private static final Instant T0 = Instant.parse("2026-12-06T06:00:00Z");
    private static final int BLOCK = EngineConfig.BLOCK_SIZE;

    private static Instant at(long millis) {
        return T0.plusMillis(millis);
    }

    private static Block block(int piece) {
        return new Block(piece, 0, BLOCK);
    }

    @Test
    void aPeerAskedForHalfTheTickOrMoreIsJudgedOnIt() {
        AskedBlocks early = new AskedBlocks();
        early.put(block(1), at(1_500)); // the tick runs from 1000 to 2000
        assertTrue(early.tick("p", false, at(1_000), at(2_000)).askedThroughout());

        AskedBlocks late = new AskedBlocks();
        late.put(block(1), at(1_501));
        assertFalse(late.tick("p", false, at(1_000), at(2_000)).askedThroughout(), "asked for less than half the tick");
        assertTrue(late.tick("p", false, at(2_000), at(3_000)).askedThroughout(), "and the whole of the next");
    }

    @Test
    void aBreakWithNothingAskedStartsAgain() {
        AskedBlocks asked = new AskedBlocks();
        asked.put(block(1), at(0));
        asked.answered(block(1).key(), BLOCK);
        asked.put(block(2), at(1_800)); // nothing was asked of it from the answer until 1800
        SlowSources.Tick<String> t = asked.tick("p", false, at(1_000), at(2_000));
        assertFalse(t.askedThroughout());
        assertEquals(BLOCK, t.delivered());

        asked.put(block(3), at(2_100));
        asked.remove(block(2).key());
        assertTrue(asked.tick("p", false, at(2_000), at(3_000)).askedThroughout(), "block 3 was asked before block 2 went");
        assertEquals(List.of(block(3)), asked.clear());
        asked.put(block(4), at(3_900));
        assertFalse(asked.tick("p", false, at(3_000), at(4_000)).askedThroughout(), "cleared (choked): a break");
    }

    @Test
    void onlyBlocksAskedAndOfTheAskedLengthCountAsDelivered() {
        AskedBlocks asked = new AskedBlocks();
        asked.put(block(1), at(0));
        asked.put(block(2), at(0));
        assertNull(asked.answered(block(9).key(), BLOCK), "never asked");
        assertEquals(block(1), asked.answered(block(1).key(), BLOCK / 2), "cut short: out of flight, not counted");
        assertEquals(block(2), asked.answered(block(2).key(), BLOCK));
        assertEquals(BLOCK, asked.tick("p", false, at(0), at(1_000)).delivered());
        assertEquals(0, asked.tick("p", false, at(1_000), at(2_000)).delivered(), "counted once, in its tick");
        assertTrue(asked.isEmpty());
    }

    @Test
    void aClockSteppedBackCountsTheAskFromThen() {
        AskedBlocks asked = new AskedBlocks();
        asked.put(block(1), at(5_000));
        assertFalse(asked.tick("p", false, at(1_000), at(2_000)).askedThroughout(), "the clock went back to 2000: asked from then");
        assertTrue(asked.tick("p", false, at(2_000), at(3_000)).askedThroughout(), "and through the next tick");
    }

    @Test
    void theFirstTickJudgesNobody() {
        AskedBlocks asked = new AskedBlocks();
        asked.put(block(1), at(0));
        assertFalse(asked.tick("p", false, at(5_000), at(5_000)).askedThroughout(), "no tick began before the first");
    }
}
