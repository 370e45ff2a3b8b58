package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The simulator runs the engine's policies, completes, and replays a run for a seed. */
@Timeout(120)
class SwarmSimTest {
    private static final double C = 50e6 / 8;
    private final SwarmSim.Params small = SwarmSim.Params.of(33, 16L << 20, C);

    @Test
    void aSmallSwarmCompletesNearTheBoundAndTheOriginSendsAboutOneCopy() {
        SwarmSim.Result r = new SwarmSim(small).run();
        long[] done = SwarmSim.finished(r);
        assertEquals(32, done.length, "every host finished");
        double bound = (16L << 20) / C * 1e9;
        assertTrue(done[done.length - 1] < 2.0 * bound, "last host at " + done[done.length - 1] / bound + " x F/c");
        assertTrue(done[0] >= 0.99 * bound, "no host beats the bound: " + done[0] / bound);
        assertTrue(r.originUploaded() < 1.5 * (16L << 20), "origin sent " + (double) r.originUploaded() / (16L << 20) + " x F");
    }

    @Test
    void aSeedReplaysTheSameRunAndAnotherSeedDiffers() {
        SwarmSim.Result a = new SwarmSim(small).run();
        SwarmSim.Result b = new SwarmSim(small).run();
        assertArrayEquals(a.doneAt(), b.doneAt());
        assertEquals(a.events(), b.events());
        SwarmSim.Result c = new SwarmSim(small.withSeed(2)).run();
        assertNotEquals(a.events(), c.events());
    }

    @Test
    void uplinksInTheOrderAskedStillServeEveryPieceAndReplayForASeed() {
        // the engine before its send order: a what-if to compare with
        SwarmSim.Result a = new SwarmSim(small).withUplinkOrder(SwarmSim.UplinkOrder.REQUESTS).run();
        SwarmSim.Result b = new SwarmSim(small).withUplinkOrder(SwarmSim.UplinkOrder.REQUESTS).run();
        assertEquals(32, SwarmSim.finished(a).length, "every host finished");
        assertArrayEquals(a.doneAt(), b.doneAt());
        assertNotEquals(a.events(), new SwarmSim(small).run().events(), "the order is not the engine's");
    }

    @Test
    void uplinksThatTakeAheadOfTheWireStillServeEveryPieceAndReplayForASeed() {
        // what the engine hands its sockets and the kernel queues: a what-if to compare with
        SwarmSim.Result a = new SwarmSim(small).withUplinkAhead(512 * 1024).run();
        SwarmSim.Result b = new SwarmSim(small).withUplinkAhead(512 * 1024).run();
        assertEquals(32, SwarmSim.finished(a).length, "every host finished");
        assertArrayEquals(a.doneAt(), b.doneAt());
        assertNotEquals(a.events(), new SwarmSim(small).run().events(), "blocks taken ahead go out in another order");
    }

    @Test
    void theHostsRunTheEnginesOwnPolicyClasses() throws Exception {
        // not copies: the simulator's result moves when the engine's policy code does
        for (String name : new String[] {"picker", "peers", "uploads", "firstCopy", "seedSparing", "rackSparing", "bans"}) {
            Field f = SwarmSim.Host.class.getDeclaredField(name);
            assertEquals(TorrentSession.class.getPackage(), f.getType().getPackage(), name);
            assertTrue(f.getType().getEnclosingClass() == null, name + " is a top-level engine class");
        }
        assertEquals(PiecePicker.class, SwarmSim.Host.class.getDeclaredField("picker").getType());
        assertEquals(UploadSlots.class, SwarmSim.Host.class.getDeclaredField("uploads").getType());
        assertEquals(PeerSet.class, SwarmSim.Host.class.getDeclaredField("peers").getType());
        assertEquals(RequestDepth.class, SwarmSim.Link.class.getDeclaredField("depth").getType());
        assertEquals(PeerAvailability.class, SwarmSim.Link.class.getDeclaredField("tally").getType());
        assertEquals(Sparing.class, SwarmSim.Host.class.getDeclaredField("rackSparing").getType());
        assertEquals(SendOrder.class, SwarmSim.Host.class.getDeclaredField("sendOrder").getType());
        assertEquals(UplinkRoom.class, SwarmSim.Host.class.getDeclaredField("uplinkRoom").getType());
        assertEquals(AskedBlocks.class, SwarmSim.Link.class.getDeclaredField("requests").getType());
        assertTrue(TorrentSession.class.getDeclaredField("sends").getType() == SendOrder.class);
        assertTrue(TorrentSession.class.getDeclaredField("picker").getType() == PiecePicker.class);
    }

    @Test
    void slowHostsThatAskFirstDoNotKeepTheOriginFromTheOthers() {
        // 8 of 60 hosts at 5 % of the rate both ways announce first and take the origin's 8 slots; without the slots
        // its uplink opens while it has room, the others' median was 2.92 x F/c (1.78 with them)
        double c = 1e6 / 8;
        long file = 8L << 20;
        SwarmSim.Params p = new SwarmSim.Params(61, file, 128 * 1024, c, c, c, java.time.Duration.ofNanos(500_000),
                java.time.Duration.ZERO, 1, 0, 8, 0.05, 0, 1, 20, Announcer.NUM_WANT, java.time.Duration.ofSeconds(600), false, false,
                org.murder.tracker.swarm.SwarmSettings.DEFAULT_GATEWAYS_PER_RACK);
        long[] done = SwarmSim.finished(new SwarmSim(p).run());
        assertEquals(52, done.length, "the normal hosts finished within 600 s; the slow ones need 1,340 s at least");
        double median = done[done.length / 2] / (file / c * 1e9);
        assertTrue(median < 2.2, "the normal hosts' median at " + median + " x F/c");
    }

    @Test
    void failingAndSlowHostsDoNotStopTheOthers() {
        SwarmSim.Params p = new SwarmSim.Params(33, 8L << 20, 256 * 1024, C, 4 * C, C, java.time.Duration.ofMillis(1),
                java.time.Duration.ofSeconds(1), 1, 0, 4, 0.5, 3, 5, 100, 50, java.time.Duration.ofHours(1), false, false,
                org.murder.tracker.swarm.SwarmSettings.DEFAULT_GATEWAYS_PER_RACK);
        SwarmSim.Result r = new SwarmSim(p).run();
        assertEquals(29, SwarmSim.finished(r).length, "all but the 3 that died");
    }
}
