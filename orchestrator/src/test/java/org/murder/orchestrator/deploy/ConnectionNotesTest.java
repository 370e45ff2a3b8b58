package org.murder.orchestrator.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.murder.orchestrator.zk.Zk;
import org.murder.orchestrator.zk.ZkSettings;
import org.murder.testkit.MutableClock;

/** What a deploy says of its ZooKeeper connection, on a real ZooKeeper stopped and started again (Curator's TestingServer). */
class ConnectionNotesTest {
    @Test
    void theOutageIsTimedFromWhenCuratorToldItNotFromWhenTheLinesWereDrawn() throws Exception {
        MutableClock clock = MutableClock.fixture();
        long deadline = clock.millis() + 300_000;
        Semaphore changed = new Semaphore(0);
        try (TestingServer server = new TestingServer(true);
                CuratorFramework zk = Zk.connect(ZkSettings.of(server.getConnectString()));
                ConnectionNotes notes = new ConnectionNotes(zk, clock, changed::release)) {
            assertEquals(-1, notes.unreachableFor(clock.millis()));
            server.stop();
            awaitHeard(notes, ConnectionState.SUSPENDED, changed); // a late CONNECTED may wake it first
            clock.advance(Duration.ofSeconds(5)); // the follow loop draws a moment later
            List<String> lines = new ArrayList<>(notes.drain(deadline));
            assertEquals(1, lines.size(), lines.toString());
            assertTrue(lines.get(0).startsWith("waiting   ZooKeeper unreachable"), lines.get(0));
            assertTrue(lines.get(0).endsWith("deadline in 295 s"), "as of when it is drawn: " + lines.get(0));
            assertEquals(5, notes.unreachableFor(clock.millis()));

            clock.advance(Duration.ofSeconds(20));
            server.restart();
            awaitHeard(notes, ConnectionState.RECONNECTED, changed);
            clock.advance(Duration.ofSeconds(10)); // drawn later again: not counted (25 s, not 35)
            lines.addAll(notes.drain(deadline));
            // the session timeout the server granted (ZkSettings' 30 s, narrowed to the test server's 2-20 ticks) sets when
            // a silent server is noticed: its read timeout, two thirds of it
            int readTimeout = zk.getZookeeperClient().getLastNegotiatedSessionTimeoutMs() * 2 / 3 / 1000;
            assertTrue(lines.get(0).contains("; a server that falls silent is noticed after up to " + readTimeout + " s): "),
                    lines.get(0));
            assertTrue(lines.contains("zookeeper back 25 s after it was found unreachable; a server that falls silent is noticed"
                    + " after up to " + readTimeout + " s: following the reports again"), lines.toString());
            assertEquals(-1, notes.unreachableFor(clock.millis()));
        }
    }

    /** Waits (30 s at most) until the notes recorded {@code state}; every recorded state wakes {@code changed}. */
    private static void awaitHeard(ConnectionNotes notes, ConnectionState state, Semaphore changed) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!notes.heard(state)) {
            long left = end - System.nanoTime();
            assertTrue(left > 0 && changed.tryAcquire(left, TimeUnit.NANOSECONDS), "no " + state + " from Curator within 30 s");
        }
    }
}
