package org.murder.orchestrator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.murder.orchestrator.job.AgentInfo;

class AgentsCommandTest {
    private static AgentInfo agent(String name, String version) {
        return new AgentInfo(name, name, "127.0.0.1", List.of("web"), "6881-6889", "/opt/app", version, 0L);
    }

    @Test
    void oneBuildSaysNothingMore() {
        assertEquals("", AgentsCommand.builds(List.of(agent("a", "0.1.0+aaaa"), agent("b", "0.1.0+aaaa"))));
        assertEquals("", AgentsCommand.builds(List.of()));
    }

    @Test
    void severalBuildsAreCountedTheMostCommonFirst() {
        assertEquals(", 3 builds: 0.1.0+new on 3, 0.1.0 on 1, 0.1.0+\\x1b[31m on 1", AgentsCommand.builds(List.of(
                agent("a", "0.1.0+new"), agent("b", "0.1.0"), agent("c", "0.1.0+new"), agent("d", "0.1.0+new"),
                agent("e", "0.1.0+\u001b[31m"))));
    }
}
