package org.murder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MurderTrackerTest {
    @Test
    void theRootCommandHasTheTrackerWithItsHelp() {
        CommandLine cl = Murder.commandLine();
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        assertEquals(0, cl.execute("tracker", "--help"));
        assertTrue(out.toString().contains("Usage: murder tracker"), out.toString());
        assertTrue(out.toString().contains("--whitelist=DIR"), out.toString());
    }

    @Test
    void badTrackerUsageExitsTwo() {
        CommandLine cl = Murder.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        assertEquals(2, cl.execute("tracker", "--open", "--whitelist", "/tmp"));
    }
}
