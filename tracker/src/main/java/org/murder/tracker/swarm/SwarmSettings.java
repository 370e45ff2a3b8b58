package org.murder.tracker.swarm;

import java.time.Duration;

/**
 * The limits and timeouts of a {@link SwarmRegistry}.
 *
 * @param peerTimeout      a peer that has not announced for this long is dropped
 * @param swarmTimeout     a swarm with no peers is forgotten (with its completed count) after this long without an announce
 * @param maxSwarms        most swarms at once
 * @param maxPeersPerSwarm most peers in one swarm
 * @param maxPeers         most peers over all swarms
 */
public record SwarmSettings(Duration peerTimeout, Duration swarmTimeout, int maxSwarms, int maxPeersPerSwarm, int maxPeers,
        int gatewaysPerRack) {
    /** Gateways a rack unless told (see {@link PeerChoice#GATEWAYS_PER_RACK}). */
    public static final int DEFAULT_GATEWAYS_PER_RACK = PeerChoice.GATEWAYS_PER_RACK;

    /** With {@link #DEFAULT_GATEWAYS_PER_RACK} gateways a rack. */
    public SwarmSettings(Duration peerTimeout, Duration swarmTimeout, int maxSwarms, int maxPeersPerSwarm, int maxPeers) {
        this(peerTimeout, swarmTimeout, maxSwarms, maxPeersPerSwarm, maxPeers, DEFAULT_GATEWAYS_PER_RACK);
    }

    public SwarmSettings {
        if (gatewaysPerRack < 1) {
            throw new IllegalArgumentException("gatewaysPerRack: " + gatewaysPerRack + " (expected: >= 1)");
        }
        if (peerTimeout.isNegative() || peerTimeout.isZero()) {
            throw new IllegalArgumentException("peerTimeout: " + peerTimeout + " (expected: > 0)");
        }
        if (swarmTimeout.isNegative()) {
            throw new IllegalArgumentException("swarmTimeout: " + swarmTimeout + " (expected: >= 0)");
        }
        if (maxSwarms < 1 || maxPeersPerSwarm < 1 || maxPeers < 1) {
            throw new IllegalArgumentException("maxSwarms/maxPeersPerSwarm/maxPeers: " + maxSwarms + "/" + maxPeersPerSwarm
                    + "/" + maxPeers + " (expected: >= 1)");
        }
    }
}
