package org.murder.tracker.swarm;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import org.murder.core.PeerId;
import org.murder.core.RackName;

/**
 * What the tracker knows of one peer in one swarm, as of its last announce. Immutable: each
 * announce replaces the entry. The compact form (BEP 23 / BEP 7) is computed once here, since it is
 * copied into many responses.
 */
public final class PeerEntry {
    private final PeerId peerId;
    private final InetAddress address;
    private final int port;
    private final long uploaded;
    private final long downloaded;
    private final long left;
    private final boolean completed;
    private final long lastSeenMillis;
    /** The rack it announced, or null: no rack. */
    private final RackName rack;
    private final byte[] compact;

    public PeerEntry(PeerId peerId, InetAddress address, int port, long uploaded, long downloaded, long left,
                     boolean completed, long lastSeenMillis) {
        this(peerId, address, port, uploaded, downloaded, left, completed, lastSeenMillis, Optional.empty());
    }

    public PeerEntry(PeerId peerId, InetAddress address, int port, long uploaded, long downloaded, long left,
                     boolean completed, long lastSeenMillis, Optional<RackName> rack) {
        this.rack = rack.orElse(null);
        this.peerId = Objects.requireNonNull(peerId, "peerId");
        this.address = Objects.requireNonNull(address, "address");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1 to 65535)");
        }
        this.port = port;
        this.uploaded = uploaded;
        this.downloaded = downloaded;
        this.left = left;
        this.completed = completed;
        this.lastSeenMillis = lastSeenMillis;
        byte[] ip = address.getAddress();
        this.compact = Arrays.copyOf(ip, ip.length + 2);
        compact[ip.length] = (byte) (port >>> 8);
        compact[ip.length + 1] = (byte) port;
    }

    static PeerEntry of(Announce a, boolean completed, long now) {
        return new PeerEntry(a.peerId(), a.address(), a.port(), a.uploaded(), a.downloaded(), a.left(), completed, now, a.rack());
    }

    /** This entry as if last seen at {@code millis}. */
    public PeerEntry seenAt(long millis) {
        return new PeerEntry(peerId, address, port, uploaded, downloaded, left, completed, millis, rack());
    }

    /** The rack this peer announced (empty: none, as every client but murder). */
    public Optional<RackName> rack() {
        return Optional.ofNullable(rack);
    }

    /** {@link #rack()} without the Optional, for the peer choice's inner loops. */
    RackName rackOrNull() {
        return rack;
    }

    public PeerId peerId() {
        return peerId;
    }

    public InetAddress address() {
        return address;
    }

    public int port() {
        return port;
    }

    public long uploaded() {
        return uploaded;
    }

    public long downloaded() {
        return downloaded;
    }

    public long left() {
        return left;
    }

    public boolean isSeeder() {
        return left == 0;
    }

    /** Whether this peer's {@code completed} event was already counted in its swarm. */
    public boolean completed() {
        return completed;
    }

    public long lastSeenMillis() {
        return lastSeenMillis;
    }

    public boolean isIpv4() {
        return address instanceof Inet4Address;
    }

    /** 6 bytes (IPv4) or 18 bytes (IPv6): address then port, big-endian. Shared: do not modify. */
    public byte[] compactUnsafe() {
        return compact;
    }

    boolean sameEndpoint(InetAddress otherAddress, int otherPort) {
        return port == otherPort && address.equals(otherAddress);
    }

    /** {@code 10.0.0.5:6881} or {@code [::1]:6881}. */
    public String endpoint() {
        String host = address.getHostAddress();
        return (isIpv4() ? host : "[" + host + "]") + ":" + port;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PeerEntry p && port == p.port && uploaded == p.uploaded && downloaded == p.downloaded
                && left == p.left && completed == p.completed && lastSeenMillis == p.lastSeenMillis
                && peerId.equals(p.peerId) && address.equals(p.address) && Objects.equals(rack, p.rack);
    }

    @Override
    public int hashCode() {
        return Objects.hash(peerId, address, port, left, lastSeenMillis);
    }

    @Override
    public String toString() {
        return "PeerEntry[" + peerId + " " + endpoint() + " left=" + left + (rack == null ? "" : " rack=" + rack) + "]";
    }
}
