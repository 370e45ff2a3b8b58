package org.murder.orchestrator.job;

import java.util.List;

/**
 * An agent's registration at {@code /agents/<name>} (ephemeral: it disappears with the agent).
 * {@code rack} is null for an agent given none, and in registrations of agents from before racks. {@code process} says
 * which process on which running kernel the agent is ({@code linux/BOOT_ID/PID_NAMESPACE/PID/START}: its restart after a
 * crash takes the name at once when that process is gone), null where the kernel does not say it and from older agents.
 */
public record AgentInfo(String name, String host, String ip, List<String> roles, String portRange, String destRoot,
        String version, long since, String rack, String process) {
    public AgentInfo {
        // a node anyone may have written: what is listed and matched on is never null
        name = name == null ? "" : name;
        host = host == null ? "" : host;
        ip = ip == null ? "" : ip;
        roles = roles == null ? List.of() : roles.stream().filter(java.util.Objects::nonNull).toList();
        portRange = portRange == null ? "" : portRange;
        destRoot = destRoot == null ? "" : destRoot;
        version = version == null ? "" : version;
    }

    /** A registration without a rack. */
    public AgentInfo(String name, String host, String ip, List<String> roles, String portRange, String destRoot, String version,
            long since) {
        this(name, host, ip, roles, portRange, destRoot, version, since, null, null);
    }

    /** A registration that does not say its process. */
    public AgentInfo(String name, String host, String ip, List<String> roles, String portRange, String destRoot, String version,
            long since, String rack) {
        this(name, host, ip, roles, portRange, destRoot, version, since, rack, null);
    }
}
