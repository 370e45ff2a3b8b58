package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class UplinkRoomTest {
    private static final Duration SECOND = Duration.ofSeconds(1);

    @Test
    void underHalfTheMostItCarriedIsRoom() {
        UplinkRoom room = new UplinkRoom();
        assertFalse(room.tick(1_000_000, SECOND), "the first tick is the most it carried");
        assertFalse(room.tick(500_000, SECOND), "half is no room");
        assertTrue(room.tick(499_999, SECOND));
        assertTrue(room.tick(0, SECOND), "nothing at all");
        assertFalse(room.tick(2_000_000, Duration.ofSeconds(2)), "the same rate over two seconds");
    }

    @Test
    void aShortTickSaysNothing() {
        UplinkRoom room = new UplinkRoom();
        room.tick(1_000_000, SECOND);
        assertFalse(room.tick(0, Duration.ofMillis(499)), "write completions in bursts: too short to judge by");
        assertFalse(room.tick(1_000_000, Duration.ofMillis(10)), "nor does it count as the most it carried");
        assertTrue(room.tick(400_000, SECOND));
    }
}
