package org.murder.orchestrator.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.apache.curator.framework.state.ConnectionState;
import org.junit.jupiter.api.Test;
import org.murder.testkit.MutableClock;

/** How long an outage has lasted, on an injected clock; the pulse is called by hand. */
class ZooKeeperHealthTest {
    @Test
    void anOutageIsTimedFromItsFirstEvent() {
        MutableClock clock = MutableClock.fixture();
        ZooKeeperHealth health = ZooKeeperHealth.forTest(clock);
        assertTrue(health.check().healthy());
        clock.advance(Duration.ofMillis(500));
        health.pulse();
        clock.advance(Duration.ofMillis(500));
        health.stateChanged(null, ConnectionState.SUSPENDED);
        clock.advance(Duration.ofSeconds(10));
        health.stateChanged(null, ConnectionState.LOST);
        assertEquals("zookeeper disconnected (lost for 10s): no new jobs until it is back", health.check().detail());
        health.stateChanged(null, ConnectionState.RECONNECTED);
        assertTrue(health.check().healthy());
    }

    @Test
    void anOutageAfterTheProcessStoodStillIsTimedFromWhenItLastRan() {
        // SIGSTOP for 24 s: Curator's events come only after SIGCONT, all at once
        MutableClock clock = MutableClock.fixture();
        ZooKeeperHealth health = ZooKeeperHealth.forTest(clock);
        health.pulse();
        clock.advance(Duration.ofSeconds(24));
        health.stateChanged(null, ConnectionState.SUSPENDED);
        health.stateChanged(null, ConnectionState.LOST);
        assertEquals("zookeeper disconnected (lost for 24s): no new jobs until it is back", health.check().detail());
        health.stateChanged(null, ConnectionState.RECONNECTED);
        health.pulse();

        // SIGSTOP for 45 s, and after SIGCONT the pulse runs before Curator's event comes
        clock.advance(Duration.ofSeconds(45));
        health.pulse();
        clock.advance(Duration.ofMillis(300));
        health.stateChanged(null, ConnectionState.SUSPENDED);
        assertEquals("zookeeper disconnected (suspended for 45s): no new jobs until it is back", health.check().detail());
        health.stateChanged(null, ConnectionState.RECONNECTED);
        health.pulse();

        clock.advance(ZooKeeperHealth.STILL); // pulses late, but within what counts as running
        health.stateChanged(null, ConnectionState.SUSPENDED);
        assertEquals("zookeeper disconnected (suspended for 0ms): no new jobs until it is back", health.check().detail());
    }
}
