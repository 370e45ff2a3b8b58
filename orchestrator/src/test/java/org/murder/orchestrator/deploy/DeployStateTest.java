package org.murder.orchestrator.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.murder.orchestrator.job.HostReport;

class DeployStateTest {
    static final long SIZE = 1000;

    static HostReport downloading(long bytes, long rate) {
        return HostReport.accepted(SIZE, 0).progress(bytes, rate, 3);
    }

    static HostReport done() {
        return HostReport.accepted(SIZE, 0).progress(SIZE, 50, 3).done(10, "");
    }

    static HostReport failed(String why) {
        return HostReport.accepted(SIZE, 0).progress(100, 0, 0).failed(why, 10);
    }

    static List<String> hosts(int n) {
        List<String> hosts = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            hosts.add("web-" + i);
        }
        return hosts;
    }

    @Test
    void countsHostsByStateInTheOrderADeployGoesAndWaitingForThoseWithNoReport() {
        Map<String, HostReport> reports = new LinkedHashMap<>();
        reports.put("web-1", HostReport.accepted(SIZE, 0));
        reports.put("web-2", downloading(500, 100));
        reports.put("web-3", downloading(200, 40));
        reports.put("web-4", done());
        reports.put("web-5", failed("disk full"));
        reports.put("web-6", new HostReport("from-the-future", 0, SIZE, 0, 0, "", 0, 0, "", 0, 0, 0));
        DeployState s = DeployState.of("job-1", "v42", hosts(7), SIZE, reports, 2500);
        assertEquals(List.of("waiting", "accepted", "downloading", "ready", "activating", "done", "failed", "other"),
                List.copyOf(s.counts().keySet()));
        assertEquals(List.of(1, 1, 2, 0, 0, 1, 1, 1), List.copyOf(s.counts().values()));
        assertEquals(4, s.running(), "accepted, two downloading and the unknown state run");
        assertEquals(0 + 500 + 200 + 1000 + 100 + 0, s.bytes());
        assertEquals(7 * SIZE, s.totalBytes());
        assertEquals(140, s.rate(), "only running hosts' rates add up; the done host's last rate does not");
        assertEquals(DeployState.RUNNING, s.result());
        assertFalse(s.finished());
        assertEquals(new DeployState.Host("web-2", "downloading", 50, 100, ""), s.hosts().get(1));
        assertEquals(new DeployState.Host("web-7", "waiting", 0, 0, ""), s.hosts().get(6));
    }

    @Test
    void theSlowestAreTheTenRunningHostsLeastFarAlong() {
        Map<String, HostReport> reports = new LinkedHashMap<>();
        List<String> hosts = hosts(30);
        for (int i = 1; i <= 20; i++) {
            reports.put("web-" + i, downloading(i * 40L, 1000 - i));
        }
        reports.put("web-21", done());
        reports.put("web-22", failed("x"));
        reports.put("web-23", downloading(0, 5)); // 0 % but a rate: after web-24, which has none
        reports.put("web-24", HostReport.accepted(SIZE, 0));
        DeployState s = DeployState.of("j", "t", hosts, SIZE, reports, 0);
        assertEquals(List.of("web-24", "web-23", "web-1", "web-2", "web-3", "web-4", "web-5", "web-6", "web-7", "web-8"),
                s.slowest().stream().map(DeployState.Host::name).toList());
    }

    @Test
    void failuresAreGroupedByReasonMostHostsFirstWithFiveExamples() {
        Map<String, HostReport> reports = new LinkedHashMap<>();
        List<String> hosts = hosts(20);
        for (int i = 1; i <= 8; i++) {
            reports.put("web-" + i, failed("disk full"));
        }
        reports.put("web-9", failed("checksum mismatch"));
        reports.put("web-10", failed("checksum mismatch"));
        reports.put("web-11", failed(""));
        reports.put("web-12", done());
        DeployState s = DeployState.of("j", "t", hosts, SIZE, reports, 0);
        assertEquals(List.of(
                new DeployState.Failure("disk full", 8, List.of("web-1", "web-2", "web-3", "web-4", "web-5")),
                new DeployState.Failure("checksum mismatch", 2, List.of("web-9", "web-10")),
                new DeployState.Failure("(no reason given)", 1, List.of("web-11"))), s.failures());
        assertEquals(0, s.moreReasons());
        assertEquals(11, s.failed());
    }

    @Test
    void atMostTenReasonsAreKeptAndTheRestCounted() {
        Map<String, HostReport> reports = new LinkedHashMap<>();
        List<String> hosts = hosts(25);
        for (int i = 1; i <= 25; i++) {
            reports.put("web-" + i, failed(i <= 3 ? "common" : "reason " + i));
        }
        DeployState s = DeployState.of("j", "t", hosts, SIZE, reports, 0);
        assertEquals(10, s.failures().size());
        assertEquals(new DeployState.Failure("common", 3, List.of("web-1", "web-2", "web-3")), s.failures().get(0));
        assertEquals(23 - 10, s.moreReasons(), "23 reasons, 10 shown");
    }

    @Test
    void theFinalStateIsDoneOnlyWhenEveryOutcomeSucceededAndShowsTimeoutsAsFailures() {
        Map<String, HostReport> reports = Map.of("web-1", done(), "web-2", downloading(300, 10));
        DeployState ok = DeployState.finished("j", "t", List.of("web-1"), SIZE, reports, 9000,
                List.of(new HostOutcome("web-1", "done", 1, SIZE, "", "")));
        assertEquals(DeployState.DONE, ok.result());
        assertTrue(ok.finished());

        DeployState cut = DeployState.finished("j", "t", List.of("web-1", "web-2", "web-3"), SIZE, reports, 9000, List.of(
                new HostOutcome("web-1", "done", 1, SIZE, "", ""),
                new HostOutcome("web-2", "timeout", 9, 300, "", "not done by the deadline (downloading at 30%)"),
                new HostOutcome("web-3", "timeout", 9, 0, "", "not done by the deadline (never accepted the job)")));
        assertEquals(DeployState.FAILED, cut.result());
        assertEquals(List.of(new DeployState.Failure("timeout: not done by the deadline", 2, List.of("web-2", "web-3"))),
                cut.failures());
        assertEquals(new DeployState.Host("web-2", "failed", 30, 0, "timeout: not done by the deadline"), cut.hosts().get(1));
        assertEquals(0, cut.rate());
    }

    @Test
    void percentStaysBetweenZeroAndAHundredWhateverAHostReports() {
        Map<String, HostReport> reports = Map.of(
                "a", new HostReport("downloading", 5000, SIZE, -7, 0, "", 0, 0, "", 0, 0, 0),
                "b", new HostReport("downloading", -5, SIZE, 0, 0, "", 0, 0, "", 0, 0, 0),
                "c", new HostReport("done", 0, 0, 0, 0, "", 0, 0, "", 0, 0, 0),
                "d", new HostReport("downloading", Long.MAX_VALUE / 3, SIZE, 0, 0, "", 0, 0, "", 0, 0, 0)); // times 100 overflowed
        DeployState s = DeployState.of("j", "t", List.of("a", "b", "c", "d"), SIZE, reports, 0);
        assertEquals(List.of(100, 0, 100, 100), s.hosts().stream().map(DeployState.Host::percent).toList());
        assertEquals(0, s.rate());
    }

    @Test
    void noneHasNoHosts() {
        DeployState s = DeployState.none();
        assertEquals(List.of(), s.hosts());
        assertEquals(DeployState.RUNNING, s.result());
    }
}
