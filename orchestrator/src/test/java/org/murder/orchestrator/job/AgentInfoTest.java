package org.murder.orchestrator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Registrations with and without a rack, read by agents and deployers of either age. */
class AgentInfoTest {
    @Test
    void aRackRoundTrips() {
        AgentInfo info = new AgentInfo("web-1", "web-1.example", "10.0.0.1", List.of("web"), "6881-6889", "/srv/app", "1.0", 7, "dc1:r2");
        assertEquals(info, Json.read(Json.write(info), AgentInfo.class));
    }

    @Test
    void aRegistrationFromBeforeRacksHasNone() {
        // as an agent of 2026-11 wrote it
        String old = "{\"destRoot\":\"/srv/app\",\"host\":\"web-1.example\",\"ip\":\"10.0.0.1\",\"name\":\"web-1\","
                + "\"portRange\":\"6881-6889\",\"roles\":[\"web\"],\"since\":7,\"version\":\"0.9\"}";
        AgentInfo info = Json.read(old.getBytes(StandardCharsets.UTF_8), AgentInfo.class);
        assertEquals("web-1", info.name());
        assertNull(info.rack());
    }
}
