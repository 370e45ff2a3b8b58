package org.murder.orchestrator.deploy;

import org.murder.orchestrator.job.AgentInfo;

/**
 * A registration as {@code murder agents} lists it: what it says, and whether it carries the job
 * secret's signature (an agent signs its own; one without was made by a client with ZooKeeper's
 * credentials but not the secret, or by an agent from before registrations were signed).
 */
public record ListedAgent(AgentInfo info, boolean signed) {
}
