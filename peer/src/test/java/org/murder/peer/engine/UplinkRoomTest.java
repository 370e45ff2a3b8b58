package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.murder.peer.engine.UplinkRoom.Verdict;

class UplinkRoomTest {
    private static final Duration SECOND = Duration.ofSeconds(1);

    @Test
    void underHalfTheMostATickCarriedIsRoom() {
        UplinkRoom room = new UplinkRoom();
        assertEquals(Verdict.NO_ROOM, room.tick(1_000_000, SECOND), "the first tick is the most it carried");
        assertEquals(Verdict.NO_ROOM, room.tick(500_000, SECOND), "half (of the most, less 1/32) is no room");
        assertEquals(Verdict.ROOM, room.tick(400_000, SECOND));
        assertEquals(Verdict.ROOM, room.tick(0, SECOND), "nothing at all");
        assertEquals(Verdict.NO_ROOM, room.tick(2_000_000, Duration.ofSeconds(2)), "the rate, not the bytes");
    }

    @Test
    void aShortTickSaysNothing() {
        UplinkRoom room = new UplinkRoom();
        room.tick(1_000_000, SECOND);
        assertEquals(Verdict.UNKNOWN, room.tick(0, Duration.ofMillis(499)), "write completions in bursts: too short");
        assertEquals(Verdict.UNKNOWN, room.tick(10_000_000, Duration.ofMillis(10)), "nor does it count as the most");
        assertEquals(Verdict.ROOM, room.tick(400_000, SECOND));
        assertEquals(Verdict.UNKNOWN, room.tick(1_000, Duration.ZERO), "the first tick of a session");
    }

    @Test
    void aBurstOfNewSocketsFadesAndTheUplinkIsJudgedByWhatItCarriesSince() {
        UplinkRoom room = new UplinkRoom();
        room.tick(40_000_000, SECOND); // sockets took 40 MB at once: their buffers, not the link
        int ticks = 0;
        while (room.tick(1_000_000, SECOND) == Verdict.ROOM) {
            ticks++;
            if (ticks > 200) {
                throw new AssertionError("the burst never faded");
            }
        }
        assertEquals(94, ticks, "(31/32)^n x 40 MB under 2 MB after 95 ticks of 1 MB");
        assertEquals(Verdict.NO_ROOM, room.tick(1_000_000, SECOND), "the link as full as it gets");
    }
}
