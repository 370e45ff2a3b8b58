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
}
