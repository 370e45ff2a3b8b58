package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SocketBacklogTest {
    private static final Duration SECOND = Duration.ofSeconds(1);
    private static final long MBIT = 1_000_000 / 8;

    @Test
    void aSlowUplinkWithBlocksWaitingKeepsLittleInEachSocket() {
        SocketBacklog backlog = new SocketBacklog();
        assertEquals(SocketBacklog.MAX, backlog.limit(), "until it knows the uplink");
        assertEquals(SocketBacklog.MAX, backlog.tick(MBIT, SECOND, true), "one tick with blocks waiting is not yet the uplink's rate");
        assertEquals(SocketBacklog.MIN, backlog.tick(MBIT, SECOND, true), "1 Mbit/s: 25 ms is 3 KB, so the least");
        assertEquals(32 * 1024, backlog.tick(10 * MBIT, SECOND, true), "10 Mbit/s: 31 KB");
        assertEquals(64 * 1024, backlog.tick(10 * MBIT, Duration.ofMillis(500), true), "the rate, not the bytes: 20 Mbit/s");
        assertEquals(SocketBacklog.MAX, backlog.tick(100 * MBIT, SECOND, true), "100 Mbit/s and faster: the most");
    }

    @Test
    void withNothingWaitingTheOrderHasNothingToDecideAndTheLimitGoesBack() {
        SocketBacklog backlog = new SocketBacklog();
        backlog.tick(MBIT, SECOND, true);
        assertEquals(SocketBacklog.MIN, backlog.tick(MBIT, SECOND, true));
        assertEquals(SocketBacklog.MAX, backlog.tick(MBIT, SECOND, false), "peers ask less than the uplink carries");
        assertEquals(SocketBacklog.MAX, backlog.tick(MBIT, SECOND, true), "waiting again: one tick to be sure");
        assertEquals(SocketBacklog.MIN, backlog.tick(MBIT, SECOND, true));
    }

    @Test
    void aTickWithNoTimeInItChangesNothingButTheLimitGoesToTheMost() {
        SocketBacklog backlog = new SocketBacklog();
        backlog.tick(MBIT, SECOND, true);
        assertEquals(SocketBacklog.MAX, backlog.tick(MBIT, Duration.ZERO, true));
        assertEquals(SocketBacklog.MAX, backlog.tick(MBIT, Duration.ofSeconds(-1), true), "a clock that stepped back");
    }

    @Test
    void theUplinksRateIsWhatItSentWhileBlocksWaitedAndIsKeptWhileNoneWait() {
        SocketBacklog backlog = new SocketBacklog();
        assertEquals(0, backlog.busyRate(), "not known");
        backlog.tick(MBIT, SECOND, true);
        assertEquals(0, backlog.busyRate(), "one tick with blocks waiting: what peers asked, maybe");
        backlog.tick(25 * MBIT, Duration.ofMillis(500), true);
        assertEquals(50 * MBIT, backlog.busyRate());
        backlog.tick(MBIT, SECOND, false);
        assertEquals(50 * MBIT, backlog.busyRate(), "an idle second says nothing of the uplink");
        backlog.tick(MBIT, SECOND, true);
        backlog.tick(MBIT, Duration.ofMillis(5), true);
        assertEquals(50 * MBIT, backlog.busyRate(), "a tick of 5 ms right after a late one: a burst of completions, not a rate");
        backlog.tick(10 * MBIT, SECOND, true);
        assertEquals(30 * MBIT, backlog.busyRate(), "the mean of the new second and what came before");
    }
}
