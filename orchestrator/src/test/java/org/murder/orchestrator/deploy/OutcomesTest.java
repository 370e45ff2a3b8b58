package org.murder.orchestrator.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.murder.orchestrator.job.HostReport;

/** How followed hosts end, at a given {@code now}: no ZooKeeper, no clock. */
class OutcomesTest {
    private static final long STARTED = 1_000_000;
    private static final long GRACE = Outcomes.VANISH_GRACE.toMillis();

    private static HostReport report(String state, long bytes, long total, long finishedAt) {
        return new HostReport(state, bytes, total, 0, 1, HostReport.FAILED.equals(state) ? "disk full" : "", STARTED, finishedAt, "",
                bytes, 0, 0);
    }

    @Test
    void aDoneHostIsDoneWithItsNumbers() {
        HostReport done = new HostReport(HostReport.DONE, 4_000_000, 4_000_000, 0, 2, "", STARTED, STARTED + 2_000, "", 3_000_000,
                1_000_000, 500_000);
        long now = STARTED + 60_000;
        assertTrue(Outcomes.isFinished(done, null, now));
        assertEquals(new HostOutcome("web-1", "done", 2.0, 4_000_000, "", "", 3_000_000, 1_000_000, 500_000),
                Outcomes.of("web-1", done, null, now));
    }

    /** A failure anyone may write (the deploy takes one unsigned) gave "slowest 1796585428.1 s": times that cannot be are none. */
    @Test
    void timesThatCannotBeAreNone() {
        for (long[] startEnd : new long[][] {{0, STARTED}, {STARTED, STARTED - 1}, {1, Long.MAX_VALUE / 2}}) {
            HostReport r = new HostReport(HostReport.FAILED, 0, 100, 0, 0, "rejected", startEnd[0], startEnd[1], "", 0, 0, 0);
            assertEquals(0.0, Outcomes.of("web-1", r, null, STARTED + 600).seconds(), java.util.Arrays.toString(startEnd));
        }
    }

    @Test
    void aFailedHostIsFailedWithItsError() {
        HostReport failed = report(HostReport.FAILED, 10, 100, STARTED + 500);
        assertTrue(Outcomes.isFinished(failed, null, STARTED + 600));
        HostOutcome o = Outcomes.of("web-1", failed, null, STARTED + 600);
        assertEquals("failed", o.result());
        assertEquals("disk full", o.error());
        assertEquals(0.5, o.seconds());
    }

    @Test
    void aDoneReportWinsOverAGoneRegistration() {
        HostReport done = report(HostReport.DONE, 100, 100, STARTED + 1_000);
        assertEquals("done", Outcomes.of("web-1", done, STARTED, STARTED + 10 * GRACE).result());
    }

    @Test
    void anUnregisteredHostVanishesOnlyAfterTheGrace() {
        long gone = STARTED + 5_000;
        HostReport downloading = report(HostReport.DOWNLOADING, 50, 100, 0);
        assertFalse(Outcomes.vanished(gone, gone + GRACE - 1));
        assertFalse(Outcomes.isFinished(downloading, gone, gone + GRACE - 1), "a restart is quicker than the grace");
        assertTrue(Outcomes.vanished(gone, gone + GRACE));
        assertTrue(Outcomes.isFinished(downloading, gone, gone + GRACE));
        assertTrue(Outcomes.isFinished(null, gone, gone + GRACE), "even one that never reported");
        assertFalse(Outcomes.vanished(null, Long.MAX_VALUE), "registered");

        HostOutcome o = Outcomes.of("web-1", downloading, gone, gone + GRACE);
        assertEquals(new HostOutcome("web-1", "vanished", (gone + GRACE - STARTED) / 1000.0, 50, "",
                "agent unregistered (stopped, or lost its ZooKeeper session) before finishing"), o);
    }

    @Test
    void beforeTheGraceAnUnregisteredHostTimesOutAtTheDeadline() {
        long gone = STARTED + 5_000;
        HostOutcome o = Outcomes.of("web-1", report(HostReport.DOWNLOADING, 50, 100, 0), gone, gone + GRACE - 1);
        assertEquals("timeout", o.result());
    }

    @Test
    void aTimeoutSaysHowFarTheHostGot() {
        long now = STARTED + 120_000;
        HostOutcome o = Outcomes.of("web-1", report(HostReport.DOWNLOADING, 1_234, 10_000, 0), null, now);
        assertEquals(new HostOutcome("web-1", "timeout", 120.0, 1_234, "", "not done by the deadline (downloading at 12%)"), o);
        assertEquals("not done by the deadline (ready at 100%)",
                Outcomes.of("web-1", report(HostReport.READY, 10_000, 10_000, 0), null, now).error());
        assertEquals("not done by the deadline (accepted at 0%)",
                Outcomes.of("web-1", report(HostReport.ACCEPTED, 0, 0, 0), null, now).error(), "no total yet");
    }

    @Test
    void aTimeoutSaysWhenTheHostsAgentStoppedReporting() {
        long now = STARTED + 120_000;
        long silent = Outcomes.silentAfter(2).toMillis(); // 2 s intervals for two hosts: 9 s
        assertEquals(9_000, silent);
        Map<String, HostReport> reports = Map.of("web-1", report(HostReport.DOWNLOADING, 5_000, 10_000, 0),
                "web-2", report(HostReport.DOWNLOADING, 6_000, 10_000, 0));
        Map<String, Long> seen = Map.of("web-1", now - 95_000, "web-2", now - silent + 1);
        List<HostOutcome> outcomes = Outcomes.of(List.of("web-1", "web-2"), reports, Map.of(), seen, now);
        assertEquals("not done by the deadline (downloading at 50%); no report from its agent for the last 95 s", outcomes.get(0).error());
        assertEquals("not done by the deadline (downloading at 60%)", outcomes.get(1).error(), "reported within its intervals");
        HostReport ready = report(HostReport.READY, 10_000, 10_000, 0);
        assertEquals("not done by the deadline (ready at 100%)", Outcomes.of(List.of("web-3"), Map.of("web-3", ready), Map.of(),
                Map.of("web-3", now - 95_000), now).get(0).error(), "a host waiting for its wave is silent by design");
        HostReport done = report(HostReport.DONE, 10_000, 10_000, STARTED + 1_000);
        assertEquals("", Outcomes.of(List.of("web-1"), Map.of("web-1", done), Map.of(), Map.of("web-1", STARTED), now).get(0).error(),
                "a finished host's last report is old by nature");
        assertEquals(Duration.ofSeconds(65), Outcomes.silentAfter(10_000), "30 s intervals at fleet size");
    }

    @Test
    void aHostThatNeverAcceptedTheJobTimesOut() {
        assertFalse(Outcomes.isFinished(null, null, Long.MAX_VALUE));
        assertEquals(new HostOutcome("web-1", "timeout", 0, 0, "", "not done by the deadline (never accepted the job)"),
                Outcomes.of("web-1", null, null, STARTED));
    }

    @Test
    void oneOutcomePerHostInTheOrderGiven() {
        Map<String, HostReport> reports = new HashMap<>();
        reports.put("web-2", report(HostReport.DONE, 100, 100, STARTED + 1_000));
        reports.put("web-1", report(HostReport.FAILED, 10, 100, STARTED + 1_000));
        Map<String, Long> missing = Map.of("web-3", STARTED);
        List<HostOutcome> outcomes = Outcomes.of(List.of("web-2", "web-1", "web-3", "web-4"), reports, missing, Map.of(),
                STARTED + GRACE);
        assertEquals(List.of("web-2", "web-1", "web-3", "web-4"), outcomes.stream().map(HostOutcome::host).toList());
        assertEquals(List.of("done", "failed", "vanished", "timeout"), outcomes.stream().map(HostOutcome::result).toList());
    }

    @Test
    void afterARollbackHostsSayWhereTheyAre() {
        List<HostOutcome> deployed = List.of(
                new HostOutcome("web-1", "done", 1, 100, "", ""),
                new HostOutcome("web-2", "failed", 1, 100, "", "health check failed"),
                new HostOutcome("web-3", "failed", 1, 100, "", "health check failed"),
                new HostOutcome("web-4", "done", 1, 100, "", ""));
        List<HostOutcome> rolled = List.of(
                new HostOutcome("web-1", "done", 1, 0, "", ""),
                new HostOutcome("web-2", "done", 1, 0, "", ""),
                new HostOutcome("web-3", "failed", 1, 0, "", "no release before v2"));
        List<HostOutcome> merged = Outcomes.afterRollback(deployed, rolled, Map.of("web-1", "v1", "web-2", "v1"));
        assertEquals(List.of(
                new HostOutcome("web-1", "rolled-back", 1, 100, "", "rolled back to v1"),
                new HostOutcome("web-2", "rolled-back", 1, 100, "", "health check failed; rolled back to v1"),
                new HostOutcome("web-3", "rollback-failed", 1, 100, "", "health check failed; ROLLBACK FAILED: no release before v2"),
                new HostOutcome("web-4", "done", 1, 100, "", "")), merged);
        // a rollback that switched nothing on a host (done=) did not roll it back
        List<HostOutcome> left = Outcomes.afterRollback(deployed.subList(0, 1), List.of(new HostOutcome("web-1", "done", 1, 0,
                org.murder.orchestrator.job.HostReport.LEFT_AS_IT_WAS, "")), Map.of("web-1", "v2"));
        assertEquals(List.of(new HostOutcome("web-1", "done", 1, 100, "", "the rollback left it as it was")), left);
        // a host done in an earlier wave whose rollback (--rollback-all) failed is a failure, not done with "; ROLLBACK FAILED"
        List<HostOutcome> failedBack = Outcomes.afterRollback(deployed.subList(0, 1), List.of(new HostOutcome("web-1", "failed", 1, 0,
                "", "no release was activated before v2")), Map.of("web-1", "v2"));
        assertEquals(List.of(new HostOutcome("web-1", "rollback-failed", 1, 100, "", "ROLLBACK FAILED: no release was activated"
                + " before v2")), failedBack);
        assertFalse(failedBack.get(0).succeeded());
    }
}
