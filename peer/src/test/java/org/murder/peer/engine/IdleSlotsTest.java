package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which peer gives its slot up, on a given time. */
class IdleSlotsTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void aPeerIsIdleOnceTheGraceIsOver() {
        assertFalse(IdleSlots.idle(T0, T0.plus(IdleSlots.GRACE).minusMillis(1)));
        assertTrue(IdleSlots.idle(T0, T0.plus(IdleSlots.GRACE)));
    }

    @Test
    void theSlotGoesFromThePeerIdleLongest() {
        Map<String, Instant> useful = Map.of("silent", T0, "quiet", T0.plusSeconds(2), "busy", T0.plusSeconds(20));
        List<String> peers = List.of("busy", "quiet", "silent");
        assertEquals("silent", IdleSlots.evict(peers, useful::get, T0.plusSeconds(21)));
    }

    @Test
    void nobodyGivesASlotUpWhileEveryPeerIsUseful() {
        Map<String, Instant> useful = Map.of("a", T0.plusSeconds(18), "b", T0.plusSeconds(20));
        assertNull(IdleSlots.evict(List.of("a", "b"), useful::get, T0.plusSeconds(21)));
    }
}
