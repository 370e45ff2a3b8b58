package org.murder.orchestrator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HostReportTest {
    /** A report anyone wrote without a state crashed the deploy following the job and 'murder jobs' (a null state). */
    @Test
    void aReportWithoutAStateIsNotAReport() {
        for (String json : new String[] {"{\"bytes\":5}", "{\"state\":null}", "{\"state\":\"\"}"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Json.read(json.getBytes(StandardCharsets.UTF_8), HostReport.class), json);
            assertEquals(true, e.getMessage().startsWith("not a HostReport ("), e.getMessage());
        }
        assertEquals(HostReport.DONE, Json.read("{\"state\":\"done\"}".getBytes(StandardCharsets.UTF_8), HostReport.class).state());
    }

    /** A megabyte of error (a tracker's failure reason) is cut to what a report keeps, never inside a surrogate pair. */
    @Test
    void anErrorIsCutToWhatAReportKeeps() {
        HostReport big = HostReport.accepted(10, 1).failed("x".repeat(1_000_000), 2);
        assertEquals("x".repeat(HostReport.MAX_ERROR_CHARS) + "...", big.error());
        String pairs = "a" + "\ud83d\ude00".repeat(HostReport.MAX_ERROR_CHARS);
        String cut = HostReport.accepted(10, 1).failed(pairs, 2).error();
        assertEquals(HostReport.MAX_ERROR_CHARS - 1 + 3, cut.length(), "the pair at the end is left out whole");
        assertEquals(false, Character.isHighSurrogate(cut.charAt(cut.length() - 4)));
        assertEquals("short", HostReport.accepted(10, 1).failed("short", 2).error());
    }
}
