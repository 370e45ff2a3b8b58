package org.murder.orchestrator.deploy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The deploy summary: what hosts report reaches the operator's terminal escaped, and the byte columns add up. */
class SummaryTest {
    @Test
    void reportsCannotDriveTheTerminal() {
        StringWriter text = new StringWriter();
        boolean ok = SummaryPrinter.summary(new PrintWriter(text), "v1", List.of(
                new HostOutcome("web-1", "done", 2.0, 1000, "", "", 300_000, 700_000, 0),
                new HostOutcome("web\u001b[2J", "failed", 1.0, 0, "", "disk\r\nweb-9  done  forged", 0, 0, 0)));
        String out = text.toString();
        assertFalse(ok);
        assertFalse(out.contains("\u001b"), out);
        assertTrue(out.contains("web\\x1b[2J"), out);
        assertTrue(out.contains("disk\\x0d\\x0aweb-9  done  forged"), out);
        assertTrue(out.contains("0.7 MB rebuilt, 0.3 MB downloaded in all"), out);
    }
}
