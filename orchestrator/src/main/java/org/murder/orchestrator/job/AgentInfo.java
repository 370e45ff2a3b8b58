package org.murder.orchestrator.job;

import java.util.List;

/** An agent's registration at {@code /agents/<name>} (ephemeral: it disappears with the agent). */
public record AgentInfo(String name, String host, String ip, List<String> roles, String portRange, String destRoot,
        String version, long since) {
    public AgentInfo {
        roles = roles == null ? List.of() : List.copyOf(roles);
    }
}
