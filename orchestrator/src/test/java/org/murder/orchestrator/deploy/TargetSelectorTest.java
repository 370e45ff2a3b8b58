package org.murder.orchestrator.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.murder.orchestrator.job.AgentInfo;

class TargetSelectorTest {
    private static AgentInfo agent(String name, String... roles) {
        return new AgentInfo(name, name + ".example", "10.0.0.1", List.of(roles), "6881-6889", "/opt/app", "test", 0);
    }

    /** Registered in no particular order: the selection comes out sorted by name. */
    private static final List<AgentInfo> FLEET = List.of(agent("web-2", "web"), agent("db-1", "db"), agent("web-10", "web", "canary"),
            agent("web-1", "web"), agent("api-1", "api", "web"), agent("cache-1"));

    private static List<String> select(List<String> globs, List<String> roles, List<String> exclude) {
        return new TargetSelector(globs, roles, exclude).select(FLEET).stream().map(AgentInfo::name).toList();
    }

    @Test
    void aGlobMatchesNames() {
        assertEquals(List.of("web-1", "web-10", "web-2"), select(List.of("web-*"), List.of(), List.of()));
        assertEquals(List.of("web-1", "web-2"), select(List.of("web-?"), List.of(), List.of()));
        assertEquals(List.of("db-1", "web-1"), select(List.of("web-1", "db-1"), List.of(), List.of()));
        assertEquals(List.of("api-1", "cache-1", "db-1", "web-1", "web-2"), select(List.of("*-[12]"), List.of(), List.of()));
    }

    @Test
    void aGlobMatchesWholeNamesOnly() {
        assertEquals(List.of(), select(List.of("web"), List.of(), List.of()));
        assertEquals(List.of("web-1"), select(List.of("web-1"), List.of(), List.of()));
    }

    @Test
    void aRoleMatchesAgentsThatHaveIt() {
        assertEquals(List.of("api-1", "web-1", "web-10", "web-2"), select(List.of(), List.of("web"), List.of()));
        assertEquals(List.of("web-10"), select(List.of(), List.of("canary"), List.of()));
    }

    @Test
    void globsAndRolesAddUp() {
        assertEquals(List.of("db-1", "web-10"), select(List.of("db-*"), List.of("canary"), List.of()));
    }

    @Test
    void excludesWinOverGlobsAndRoles() {
        assertEquals(List.of("web-1", "web-2"), select(List.of("web-*"), List.of(), List.of("web-1?")));
        assertEquals(List.of("web-1", "web-10", "web-2"), select(List.of(), List.of("web"), List.of("api-*")));
        assertEquals(List.of(), select(List.of("web-1"), List.of(), List.of("*")));
    }

    @Test
    void noMatchIsEmpty() {
        assertEquals(List.of(), select(List.of("mail-*"), List.of(), List.of()));
        assertEquals(List.of(), select(List.of(), List.of("queue"), List.of()));
        assertEquals(List.of(), select(List.of(), List.of(), List.of()));
        assertEquals(List.of(), new TargetSelector(List.of("*"), List.of(), List.of()).select(List.of()));
    }
}
