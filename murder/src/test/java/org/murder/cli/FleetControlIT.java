package org.murder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench/fleet-control.sh} in CI size: 1,000 agents with real Curator sessions on a
 * 3-process ensemble, a real {@code murder deploy} to all of them, the sessions of a third of them
 * expired and the leader killed mid-deploy.
 * Every host's report arrives, each agent runs the job once, the reports stay within their write
 * budget and the ensemble recovers.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class FleetControlIT {
    @TempDir
    Path tmp;

    @Test
    void aThousandAgentsOnAThreeServerEnsembleSurviveALeaderKillWithinTheirWriteBudget() throws Exception {
        int hosts = Integer.getInteger("fleet.hosts", 1000);
        FleetControl.Result r = new FleetControl(tmp, hosts, Math.max(3, hosts / 1000 + 1), 12, 10).run();
        r.print(System.out);
        String context = r.summary() + "\n" + FleetControl.tail(tmp.resolve("deploy.log"));
        assertEquals(0, r.exitCode(), context);
        assertEquals(hosts, r.done(), "every host's report arrived: " + context);
        assertEquals(hosts, r.starts(), "each agent ran the job exactly once");
        assertTrue(r.newLeaderSeconds() >= 0, "a leader was killed and a new one elected");
        assertTrue(r.expired() > 0, "some agents' sessions expired mid-deploy");
        assertEquals(hosts, r.registered(), "every agent registered again under its current session");
        assertTrue(r.writesPerHost() <= 8, r.writesPerHost() + " ZooKeeper writes per host");
        assertTrue(r.peakWritesPerSecond() <= 2000, r.peakWritesPerSecond() + " writes in a second");
        // Not a speed check (bench/fleet-control.sh measures that): the fan-out took p99 1.8 s here and 5.1 s on a
        // loaded CI machine, where agents expired at 2 s before they had accepted find the job again after a new
        // session and the re-read spread (1 s at 1,000 hosts). The bound catches agents (over 1 %) that find their
        // job only through a slow path: a re-read at their next session expiry (10 s sessions here: 12 s in all)
        // or a spread at SpreadTask's 10 s maximum. The leader is killed once every agent accepted (11 s in at the
        // latest), so an election does not count in (a CI run where it came first: 15.2 s).
        assertTrue(r.percentile(0.99) <= 11_000, "accepted p99 " + r.percentile(0.99) + " ms");
    }
}
