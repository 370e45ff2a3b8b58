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
 * @param gatewaysPerRack  peers of a rack handed peers of other racks (see {@link PeerChoice})
 * @param sourcePrefixV6   the leading bits of an IPv6 source address that a full cap's places are shared by
 *                         (see {@link Sources}): 64 (a /64, what one host may hold) unless told; 128 tells each address apart
 * @param gatewayFresh     a rack's members heard from within this long are its gateways first (see {@link Racks}); the peer
 *                         timeout (no preference) unless told: the tracker gives an interval and a half (see {@link #gatewayFresh})
 */
public record SwarmSettings(Duration peerTimeout, Duration swarmTimeout, int maxSwarms, int maxPeersPerSwarm, int maxPeers,
        int gatewaysPerRack, int sourcePrefixV6, Duration gatewayFresh) {
    /** IPv6 sources count by their /64 unless told. */
    public static final int DEFAULT_SOURCE_PREFIX_V6 = 64;
    /** The shortest IPv6 source prefix: shorter would lump whole sites together. */
    public static final int MIN_SOURCE_PREFIX_V6 = 32;

    /** Gateways a rack unless told (see {@link PeerChoice#GATEWAYS_PER_RACK}). */
    public static final int DEFAULT_GATEWAYS_PER_RACK = PeerChoice.GATEWAYS_PER_RACK;

    /** With {@link #DEFAULT_GATEWAYS_PER_RACK} gateways a rack. */
    public SwarmSettings(Duration peerTimeout, Duration swarmTimeout, int maxSwarms, int maxPeersPerSwarm, int maxPeers) {
        this(peerTimeout, swarmTimeout, maxSwarms, maxPeersPerSwarm, maxPeers, DEFAULT_GATEWAYS_PER_RACK);
    }

    /** With IPv6 sources counted by their /64. */
    public SwarmSettings(Duration peerTimeout, Duration swarmTimeout, int maxSwarms, int maxPeersPerSwarm, int maxPeers,
            int gatewaysPerRack) {
        this(peerTimeout, swarmTimeout, maxSwarms, maxPeersPerSwarm, maxPeers, gatewaysPerRack, DEFAULT_SOURCE_PREFIX_V6);
    }

    /** Without a preference for gateways heard from recently. */
    public SwarmSettings(Duration peerTimeout, Duration swarmTimeout, int maxSwarms, int maxPeersPerSwarm, int maxPeers,
            int gatewaysPerRack, int sourcePrefixV6) {
        this(peerTimeout, swarmTimeout, maxSwarms, maxPeersPerSwarm, maxPeers, gatewaysPerRack, sourcePrefixV6, peerTimeout);
    }

    /**
     * How recently a rack's member must have announced to be among its first choices of gateway, for announces every
     * {@code interval}: an interval and a half (a member that missed no announce is in; 22.5 s with the defaults, against
     * the minute a killed gateway stayed one), never past the peer timeout.
     */
    public static Duration gatewayFresh(Duration interval, Duration peerTimeout) {
        Duration fresh = interval.multipliedBy(3).dividedBy(2);
        return fresh.compareTo(peerTimeout) < 0 ? fresh : peerTimeout;
    }

    /** The key {@code source} counts under for caps shared by source: the address, or an IPv6 address's first {@code prefixBits}. */
    public static java.net.InetAddress sourceKey(java.net.InetAddress source, int prefixBits) {
        return Sources.key(source, prefixBits);
    }

    public SwarmSettings {
        if (sourcePrefixV6 < MIN_SOURCE_PREFIX_V6 || sourcePrefixV6 > 128) {
            throw new IllegalArgumentException("sourcePrefixV6: " + sourcePrefixV6 + " (expected: " + MIN_SOURCE_PREFIX_V6 + " to 128)");
        }
        if (gatewaysPerRack < 1) {
            throw new IllegalArgumentException("gatewaysPerRack: " + gatewaysPerRack + " (expected: >= 1)");
        }
        if (peerTimeout.isNegative() || peerTimeout.isZero()) {
            throw new IllegalArgumentException("peerTimeout: " + peerTimeout + " (expected: > 0)");
        }
        if (gatewayFresh.isNegative() || gatewayFresh.isZero() || gatewayFresh.compareTo(peerTimeout) > 0) {
            throw new IllegalArgumentException("gatewayFresh: " + gatewayFresh + " (expected: > 0, at most the peer timeout)");
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
