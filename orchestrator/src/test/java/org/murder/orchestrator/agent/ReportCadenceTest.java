package org.murder.orchestrator.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ReportCadenceTest {
    private final ReportCadence cadence = new ReportCadence(new SplittableRandom(7));

    @Test
    void aStateChangeOfASmallFleetGoesAtOnceAndOfALargeOneWithinItsSpread() {
        assertEquals(1000, cadence.dueAt(ReportCadence.PathState.NONE, "accepted", 1, 1000));
        for (int i = 0; i < 1000; i++) {
            long due = cadence.dueAt(ReportCadence.PathState.NONE, "accepted", 5000, 1000);
            assertTrue(due >= 1000 && due < 1000 + 5000 * 1000 / ReportCadence.STATE_WRITES_PER_SECOND, "due " + due);
        }
        assertEquals(ReportCadence.MAX_SPREAD_MILLIS, ReportCadence.spreadMillis(1_000_000));
    }

    @Test
    void updatesWaitForIntervalsThatTripleUpToTheirCeiling() {
        ReportCadence.PathState s = cadence.stored(ReportCadence.PathState.NONE, "downloading", 10, 0);
        assertTrue(s.nextUpdateAt() >= 1 && s.nextUpdateAt() <= ReportCadence.MIN_INTERVAL_MILLIS, "first " + s.nextUpdateAt());
        assertTrue(cadence.dueAt(s, "downloading", 10, 0) >= s.nextUpdateAt(), "an update waits for its turn");
        assertTrue(cadence.replacingDueAt(s, "downloading", 50_000, "done", 10, 0) < 100, "a state change does not");
        assertEquals(50_000, cadence.replacingDueAt(s, "downloading", 50_000, "downloading", 10, 0), "a newer update keeps the turn");
        // a dozen hosts: every 2 s all along, the operator sees each one move
        long now = 100_000;
        for (int i = 0; i < 5; i++) {
            s = cadence.stored(s, "downloading", 10, now);
            assertEquals(now + ReportCadence.MIN_INTERVAL_MILLIS, s.nextUpdateAt());
            now = s.nextUpdateAt();
        }
        // a thousand: intervals grow threefold to 30 s
        long[] expected = {7500, 22_500, 30_000, 30_000};
        s = cadence.stored(ReportCadence.PathState.NONE, "downloading", 1000, now);
        for (long interval : expected) {
            s = cadence.stored(s, "downloading", 1000, now);
            assertEquals(now + interval, s.nextUpdateAt());
            now = s.nextUpdateAt();
        }
        // at fleet size the intervals start (and end) longer
        ReportCadence.PathState big = cadence.stored(new ReportCadence.PathState("downloading", 0, 0), "downloading", 5000, 0);
        assertEquals(ReportCadence.MAX_INTERVAL_MILLIS, big.nextUpdateAt(), "12.5 s times three, capped");
    }

    /** A fleet that takes a job, downloads for {@code seconds} (progress offered each second), finishes and reports its upload later. */
    private static long[] simulate(int hosts, int seconds, long[] writesPerSecond) {
        ReportCadence c = new ReportCadence(new SplittableRandom(hosts));
        long maxPerHost = 0;
        long total = 0;
        for (int h = 0; h < hosts; h++) {
            ReportCadence.PathState stored = ReportCadence.PathState.NONE;
            String pendingState = null;
            long pendingDue = 0;
            int writes = 0;
            long end = (seconds + 40) * 1000L;
            for (long t = 0; t <= end; t += 10) {
                String offered = null;
                if (t == 0) {
                    offered = "accepted";
                } else if (t == 10) {
                    offered = "downloading";
                } else if (t % 1000 == 0 && t < seconds * 1000L) {
                    offered = "downloading";
                } else if (t == seconds * 1000L || t == (seconds + 10) * 1000L) {
                    offered = "done"; // finished; then the upload figure after 10 s of seeding
                }
                if (offered != null) {
                    pendingDue = pendingState == null ? c.dueAt(stored, offered, hosts, t)
                            : c.replacingDueAt(stored, pendingState, pendingDue, offered, hosts, t);
                    pendingState = offered;
                }
                if (pendingState != null && pendingDue <= t) {
                    stored = c.stored(stored, pendingState, hosts, t);
                    pendingState = null;
                    writes++;
                    writesPerSecond[(int) (t / 1000)]++;
                }
            }
            assertTrue(pendingState == null, "host " + h + " left a report unwritten");
            maxPerHost = Math.max(maxPerHost, writes);
            total += writes;
        }
        return new long[] {maxPerHost, total};
    }

    @Test
    void aFleetWritesAtMostEightReportsPerHostAndUnderTwoThousandASecond() {
        for (int hosts : new int[] {1000, 5000, 10_000}) {
            long[] perSecond = new long[200];
            long[] r = simulate(hosts, 60, perSecond);
            long peak = java.util.Arrays.stream(perSecond).max().orElse(0);
            assertTrue(r[0] <= 8, hosts + " hosts: " + r[0] + " writes by one host in a one-minute deploy");
            assertTrue(peak <= 2000, hosts + " hosts: peak " + peak + " writes/s");
        }
        long[] perSecond = new long[200];
        long[] r = simulate(10, 60, perSecond);
        assertTrue(r[0] >= 25, "a dozen hosts update every 2 s: " + r[0] + " writes");
        assertTrue(java.util.Arrays.stream(perSecond).max().orElse(0) <= 20, "a few writes a second in all");
    }
}
