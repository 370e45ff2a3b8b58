package org.murder.orchestrator.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.murder.orchestrator.job.HostReport;

class SummaryPrinterTest {
    private static String summary(String tag, List<HostOutcome> outcomes, boolean expectOk) {
        StringWriter text = new StringWriter();
        assertEquals(expectOk, SummaryPrinter.summary(new PrintWriter(text), tag, outcomes));
        return text.toString();
    }

    @Test
    void theTable() {
        String out = summary("v1", List.of(
                new HostOutcome("web-1", "done", 2.0, 4_000_000, "", "", 3_000_000, 0, 1_500_000),
                new HostOutcome("web-10", "done", 4.25, 4_000_000, "", "", 4_000_000, 0, 0)), true);
        assertEquals(String.join("\n",
                "",
                "HOST    RESULT       SECONDS      MB/S   DOWN MB   REBUILT     UP MB  ERROR",
                "web-1   done             2.0       2.0       3.0         -       1.5  ",
                "web-10  done             4.3       0.9       4.0         -         -  ",
                "v1: all 2 hosts done, slowest 4.3 s",
                ""), out);
    }

    @Test
    void atFleetSizeTheFailuresAreGroupedAndOnlyTheFailedAndSlowestHostsListed() {
        List<HostOutcome> outcomes = new java.util.ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            String host = String.format("web-%04d", i);
            if (i % 100 == 7) {
                outcomes.add(new HostOutcome(host, "timeout", 600.0, 0, "", "not done by the deadline (never accepted the job)"));
            } else if (i % 1000 == 3) {
                outcomes.add(new HostOutcome(host, "failed", 3.0, 0, "", "disk full"));
            } else {
                outcomes.add(new HostOutcome(host, "done", 10.0 + i / 100.0, 0, "", ""));
            }
        }
        String out = summary("v9", outcomes, false);
        assertTrue(out.contains("\n    50 hosts  timeout: not done by the deadline (never accepted the job)\n"), out);
        assertTrue(out.contains("\n     5 hosts  failed: disk full\n"), out);
        assertTrue(out.contains("(5000 hosts: the first 20 failed and the 10 slowest done; --json lists every host)"), out);
        assertTrue(out.contains("\nweb-4999  done"), "the slowest is listed: " + out);
        assertFalse(out.contains("\nweb-0000  done"), out);
        assertTrue(out.lines().count() < 45, out.lines().count() + " lines");
        assertTrue(out.endsWith("v9: FAILED on 55 of 5000 hosts\n"), out);
    }

    @Test
    void aFailureIsCountedOnTheLastLine() {
        String out = summary("v2", List.of(
                new HostOutcome("web-1", "done", 1.0, 0, "", ""),
                new HostOutcome("web-2", "timeout", 600.0, 0, "", "not done by the deadline (never accepted the job)")), false);
        assertTrue(out.contains("\nweb-2  timeout        600.0         -         -         -         -  not done by the deadline"
                + " (never accepted the job)\n"), out);
        assertTrue(out.endsWith("v2: FAILED on 1 of 2 hosts\n"), out);
    }

    @Test
    void aRollbackThatLeftAHostAsItWasMarksItAndSaysWhat() {
        String out = summary("v2", List.of(
                new HostOutcome("web-1", "done", 1.0, 0, "", ""),
                new HostOutcome("web-2", "done", 1.0, 0, org.murder.orchestrator.job.HostReport.LEFT_AS_IT_WAS, "")), true);
        assertTrue(out.contains("\nweb-2  done=  "), out);
        assertTrue(out.contains("\n(done= = a rollback that switched nothing: "), out);
        assertTrue(out.endsWith("v2: all 2 hosts done, slowest 1.0 s\n"), out);
    }

    @Test
    void hostileHostNamesAndErrorsAreEscaped() {
        String out = summary("v1", List.of(
                new HostOutcome("web\u001b[2J", "failed", 1.0, 0, "", "disk\r\nweb-9  done  forged"),
                new HostOutcome("web-1\nweb-2", "done", 1.0, 0, "", ""),
                new HostOutcome("web-\u202e3", "done", 1.0, 0, "", "")), false);
        assertFalse(out.contains("\u001b"), out);
        assertFalse(out.contains("\r"), out);
        assertFalse(out.contains("\u202e"), out);
        assertTrue(out.contains("\nweb\\x1b[2J"), out);
        assertTrue(out.contains("disk\\x0d\\x0aweb-9  done  forged\n"), out);
        assertTrue(out.contains("\nweb-1\\x0aweb-2"), out);
        assertTrue(out.contains("\nweb-\\u202e3"), out);
        assertEquals(6, out.lines().count(), "a blank line, the header, one line per host, the last line: " + out);
    }

    @Test
    void doneStarAndDonePlusAreExplained() {
        String out = summary("v1", List.of(
                new HostOutcome("web-1", "done", 0.1, 100, HostReport.ALREADY_THERE, ""),
                new HostOutcome("web-2", "done", 0.2, 100, HostReport.BEFORE_RESTART, ""),
                new HostOutcome("web-3", "done", 1.0, 100, "", "")), true);
        assertTrue(out.contains("\nweb-1  done*            0.1         -"), out);
        assertTrue(out.contains("\nweb-2  done+            0.2         -"), out);
        assertTrue(out.contains("(done* = the archive was on the host before this job (an earlier job, or put there by hand):"
                + " nothing downloaded)\n"), out);
        assertTrue(out.contains("(done+ = downloaded by this job before its agent restarted: checked again, not downloaded again)\n"),
                out);
    }

    @Test
    void noNotesWithoutReuse() {
        String out = summary("v1", List.of(new HostOutcome("web-1", "done", 1.0, 100, "", "")), true);
        assertFalse(out.contains("(done"), out);
        assertFalse(out.contains("(REBUILT"), out);
    }

    @Test
    void rebuiltBytesAreExplained() {
        String out = summary("v1", List.of(new HostOutcome("web-1", "done", 2.0, 1000, "", "", 300_000, 700_000, 0)), true);
        assertTrue(out.contains("(REBUILT = good on the host before downloading: rebuilt from the releases it holds, or resumed;"
                + " 0.7 MB rebuilt, 0.3 MB downloaded in all)\n"), out);
    }

    @Test
    void theJsonDocument() {
        List<HostOutcome> outcomes = List.of(
                new HostOutcome("web-1", "done", 2.04, 100, HostReport.ALREADY_THERE, "", 0, 0, 0),
                new HostOutcome("web-2", "failed", 1.0, 50, "", "disk full", 50, 0, 7));
        Map<String, Object> doc = SummaryPrinter.summaryDocument("v1-20261202T161844-3469", "v1", outcomes, Map.of("web-1", "v1",
                "web-2", ""));
        assertEquals(List.of("job", "tag", "result", "done", "failed", "hosts"), List.copyOf(doc.keySet()));
        assertEquals("v1-20261202T161844-3469", doc.get("job"));
        assertEquals("failed", doc.get("result"));
        assertEquals(1L, doc.get("done"));
        assertEquals(1L, doc.get("failed"));
        Map<String, Object> web1 = new LinkedHashMap<>();
        web1.put("host", "web-1");
        web1.put("result", "done");
        web1.put("reused", HostReport.ALREADY_THERE);
        web1.put("seconds", 2.0);
        web1.put("bytes", 100L);
        web1.put("downloaded", 0L);
        web1.put("rebuilt", 0L);
        web1.put("uploaded", 0L);
        web1.put("error", "");
        web1.put("current", "v1");
        Map<String, Object> web2 = new LinkedHashMap<>(web1);
        web2.putAll(Map.of("host", "web-2", "result", "failed", "reused", "", "seconds", 1.0, "bytes", 50L, "downloaded", 50L,
                "uploaded", 7L, "error", "disk full"));
        web2.put("current", null); // no release reported: the key is there all the same
        assertEquals(List.of(web1, web2), doc.get("hosts"));
        assertEquals(List.copyOf(web1.keySet()), List.copyOf(((Map<?, ?>) ((List<?>) doc.get("hosts")).get(0)).keySet()));
        assertEquals("done", SummaryPrinter.summaryDocument("j", "v1", outcomes.subList(0, 1)).get("result"));
    }

    @Test
    void theReleasesLine() {
        StringWriter text = new StringWriter();
        Map<String, String> current = new LinkedHashMap<>();
        current.put("web-2", "v2");
        current.put("web-1", "v2");
        current.put("web-3", "v1");
        current.put("web-4", "");
        current.put("web-\u001b5", "v\u001b1");
        SummaryPrinter.releasesLine(new PrintWriter(text), current);
        // sorted by release, hosts sorted, escaped (the raw ESC sorts before '1')
        assertEquals("on v\\x1b1     1 hosts: web-\\x1b5\non v1         1 hosts: web-3\non v2         2 hosts: web-1, web-2\n",
                text.toString());
    }
}
