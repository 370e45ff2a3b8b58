package org.murder.orchestrator.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.murder.orchestrator.deploy.DeployStateTest.SIZE;
import static org.murder.orchestrator.deploy.DeployStateTest.done;
import static org.murder.orchestrator.deploy.DeployStateTest.downloading;
import static org.murder.orchestrator.deploy.DeployStateTest.failed;
import static org.murder.orchestrator.deploy.DeployStateTest.hosts;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.murder.orchestrator.job.HostReport;

class ProgressViewTest {
    private final StringWriter text = new StringWriter();
    private final PrintWriter out = new PrintWriter(text);

    private List<String> lines() {
        return text.toString().lines().toList();
    }

    @Test
    void aSmallDeployInALogHasALinePerStateChangeAndAHeadlineEveryFiveSeconds() {
        ProgressView view = new ProgressView(out, false, hosts(3), SIZE);
        Map<String, HostReport> reports = new HashMap<>();
        reports.put("web-1", downloading(500, 100));
        view.render(reports, 0);
        reports.put("web-1", downloading(700, 100));
        reports.put("web-2", failed("disk full"));
        view.render(reports, 1000);
        reports.put("web-1", done());
        view.render(reports, 5000);
        view.finish();
        assertEquals(List.of(
                "  0.0s  web-1                    downloading",
                "  0.0s  0/3 done, 1 running, 0 failed, 2 waiting  (16% of all bytes)",
                "  1.0s  web-2                    failed: disk full",
                "  5.0s  web-1                    done",
                "  5.0s  1/3 done, 0 running, 1 failed, 1 waiting  (36% of all bytes)"), lines());
    }

    @Test
    void anUnfinishedHostWhoseAgentIsNotRegisteredSaysSoOnceAndWhenItIsBack() {
        ProgressView view = new ProgressView(out, false, hosts(2), SIZE);
        Map<String, HostReport> reports = new HashMap<>();
        reports.put("web-1", downloading(500, 100));
        reports.put("web-2", done());
        view.render(reports, Map.of("web-1", 0L, "web-2", 0L), 1000); // web-2 finished: nothing to say
        view.render(reports, Map.of("web-1", 2000L), 3000);
        view.render(reports, Map.of(), 4000);
        view.finish();
        assertEquals(List.of(
                "  1.0s  web-1                    downloading",
                "  1.0s  web-1                    agent not registered (stopped, or lost its ZooKeeper session): vanished in 30 s"
                        + " unless it registers again",
                "  1.0s  web-2                    done",
                "  1.0s  1/2 done, 1 running, 0 failed, 0 waiting  (75% of all bytes)",
                "  4.0s  web-1                    agent registered again"), lines());
        StringWriter drawn = new StringWriter();
        ProgressView table = new ProgressView(new PrintWriter(drawn), true, hosts(2), SIZE);
        table.render(reports, Map.of("web-1", 2500L, "web-2", 9000L), 3000);
        List<String> rows = drawn.toString().lines().toList();
        assertTrue(rows.stream().anyMatch(l -> l.contains("web-1") && l.endsWith("  (agent not registered for 2 s)")), rows.toString());
        assertTrue(rows.stream().noneMatch(l -> l.contains("web-2") && l.contains("not registered")), "finished: " + rows);
    }

    @Test
    void aFleetInALogHasNoLinePerHostButCountsEveryFiveSecondsAndFailuresWhenTheyChange() {
        List<String> hosts = hosts(500);
        ProgressView view = new ProgressView(out, false, hosts, SIZE);
        Map<String, HostReport> reports = new HashMap<>();
        for (int second = 0; second <= 60; second++) {
            for (int i = 1; i <= 500; i++) {
                String h = "web-" + i;
                if (i <= second * 9) {
                    reports.put(h, i % 50 == 0 ? failed(i % 100 == 0 ? "disk full" : "checksum mismatch") : done());
                } else {
                    reports.put(h, downloading(second * 15L, 1000));
                }
            }
            view.render(reports, second * 1000L);
        }
        view.finish();
        List<String> lines = lines();
        assertTrue(lines.size() < 80, lines.size() + " lines:\n" + text);
        assertFalse(text.toString().contains("web-77 "), "no line for a host that did nothing special");
        assertTrue(lines.contains(" 60.0s  490/500 done, 0 running, 10 failed, 0 waiting  (98% of all bytes)"), text.toString());
        assertTrue(lines.contains("        490 done, 10 failed; 0 B/s, 479.5 KiB of 488.3 KiB"), text.toString());
        assertTrue(lines.contains("  failed: 10 hosts, 2 reasons"), text.toString());
        assertTrue(lines.contains("        5  checksum mismatch  (web-50, web-150, web-250, web-350, web-450)"), text.toString());
        assertTrue(lines.contains("        5  disk full  (web-100, web-200, web-300, web-400, web-500)"), text.toString());
        assertEquals(" 60.0s  490/500 done, 0 running, 10 failed, 0 waiting  (98% of all bytes)",
                lines.stream().filter(l -> l.contains("% of all bytes")).reduce((a, b) -> b).orElseThrow(), "finish shows the end");
    }

    @Test
    void aFleetOnATerminalIsABoundedBlockWithTheSlowestAndTheFailuresGrouped() {
        List<String> hosts = hosts(1000);
        ProgressView view = new ProgressView(out, true, hosts, SIZE);
        Map<String, HostReport> reports = new HashMap<>();
        for (int i = 1; i <= 1000; i++) {
            reports.put("web-" + i, i <= 30 ? failed("reason " + (i % 15)) : downloading(i, 1000));
        }
        reports.put("web-999", new HostReport("downloading", 0, SIZE, 0, 0, "", 0, 0, "", 0, 0, 0));
        view.render(reports, 3000);
        String block = text.toString();
        long drawn = block.chars().filter(c -> c == '\n').count();
        assertTrue(drawn <= 25, drawn + " lines:\n" + block);
        assertTrue(block.contains("  3.0s  0/1000 done, 970 running, 30 failed, 0 waiting"), block);
        assertTrue(block.contains("970 downloading, 30 failed; 946.3 KiB/s"), block);
        assertTrue(block.contains("  slowest:\n"), block);
        assertTrue(block.contains("    web-999                  downloading [....................]   0%        0 B/s"), block);
        assertTrue(block.contains("  failed: 30 hosts, 15 reasons"), block);
        assertTrue(block.contains("    ... 5 more reasons"), block);

        text.getBuffer().setLength(0);
        view.render(reports, 4000);
        assertTrue(text.toString().startsWith("\033[" + drawn + "A"), "redrawn in place");
        // up by its line count: its lines are cut by the terminal, never wrapped (wrapping off for the block, on after it)
        assertTrue(text.toString().startsWith("\033[" + drawn + "A\033[?7l\r\033[K") && text.toString().endsWith("\033[J\033[?7h"),
                text.toString());
    }

    @Test
    void namesAndReasonsFromTheNetworkAreEscaped() {
        List<String> hosts = hosts(50);
        ProgressView view = new ProgressView(out, false, hosts, SIZE);
        view.render(Map.of("web-1", failed("bad\033[2Jthing")), 0);
        assertTrue(text.toString().contains("bad\\x1b[2Jthing"), text.toString());
        assertFalse(text.toString().contains("\033"));
    }
}
