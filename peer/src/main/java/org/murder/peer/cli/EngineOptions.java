package org.murder.peer.cli;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.murder.core.MurderException;
import org.murder.core.PortRange;
import org.murder.core.RackName;
import org.murder.core.Rate;
import org.murder.peer.engine.EngineConfig;
import picocli.CommandLine.Option;

/** Network options shared by {@code murder peer} and {@code murder seed}. */
public final class EngineOptions {
    @Option(names = "--port-range", paramLabel = "A-B", defaultValue = "6881-6889",
            description = "Listen on the first free port of this range (fits a narrow firewall rule). Default: ${DEFAULT-VALUE}.")
    PortRange portRange;

    @Option(names = "--bind", paramLabel = "ADDR", description = "Address to listen on. Default: all addresses.")
    String bind;

    @Option(names = "--ip", paramLabel = "ADDR", description = "Address to give the tracker for us. Default: the one it sees.")
    String ip;

    @Option(names = "--rack", paramLabel = "NAME",
            description = "This host's rack (1-64 of A-Z a-z 0-9 . _ : -), sent on every announce: murder's tracker then hands out"
                    + " mostly peers of the same rack, so each rack pulls about one copy across its uplink. Peers' racks are"
                    + " taken as they say them; agents prove theirs under the job secret and take only proven ones (to them"
                    + " this peer is of no rack). Default: none.")
    RackName rack;

    @Option(names = "--max-up", paramLabel = "RATE", defaultValue = "unlimited",
            description = "Upload limit for the process, like 50MB/s or 400Mbit/s. Default: ${DEFAULT-VALUE}.")
    Rate maxUp;

    @Option(names = "--max-down", paramLabel = "RATE", defaultValue = "unlimited",
            description = "Download limit for the process. Default: ${DEFAULT-VALUE}.")
    Rate maxDown;

    @Option(names = "--max-peers", paramLabel = "N", defaultValue = "100", description = "Most connections per torrent. Default: ${DEFAULT-VALUE}.")
    int maxPeers;

    @Option(names = "--peer", paramLabel = "HOST:PORT", description = "Also connect to this peer (besides the tracker's). Repeatable.")
    List<String> peers = new ArrayList<>();

    public EngineConfig.Builder configBuilder() {
        if (ip != null && !org.murder.core.IpLiteral.is(ip)) {
            throw MurderException.badInput("--ip '" + org.murder.core.Printable.escape(ip) + "' (expected: an IP address like 10.0.0.5 or"
                    + " fd00::5, the one peers should dial)");
        }
        EngineConfig.Builder b = EngineConfig.builder().portRange(portRange).maxUp(maxUp).maxDown(maxDown).announceIp(ip).rack(rack);
        if (maxPeers < 1 || maxPeers > 10_000) {
            throw MurderException.badInput("--max-peers: " + maxPeers + " (expected: 1 to 10000)");
        }
        b.maxConnections(maxPeers);
        if (bind != null) {
            b.bindAddress(org.murder.core.IpLiteral.bindAddress("--bind", bind));
        }
        return b;
    }

    /**
     * Refuses a {@code --max-down} under one request per {@code stallTimeout}: murder asks a murder peer for
     * {@link EngineConfig#MURDER_REQUEST_BLOCKS} blocks at once and a download's stall clock starts again only when a
     * whole one has arrived, so a download that cannot take one before its stall timeout fails as if no peer had sent
     * anything ({@code --max-down 1} ended as "no data from any peer for 2m" with 16 peers connected).
     */
    public void refuseDownLimitUnderARequestPer(java.time.Duration stallTimeout, java.util.Optional<String> stallOption) {
        if (maxDown.isUnlimited()) {
            return;
        }
        long request = (long) EngineConfig.MURDER_REQUEST_BLOCKS * EngineConfig.BLOCK_SIZE;
        long millis = Math.max(1, stallTimeout.toMillis());
        long least = Math.max(1, (request * 1000 + millis - 1) / millis); // rounded up: a rate that rounds down stalls
        if (maxDown.bytesPerSecond() < least) {
            String stall = org.murder.core.Durations.format(stallTimeout);
            long takesMillis = (request * 1000 + maxDown.bytesPerSecond() - 1) / maxDown.bytesPerSecond();
            // in whole seconds, rounded up, from a minute on (where durations are said in whole seconds)
            java.time.Duration takes = takesMillis < 60_000 ? java.time.Duration.ofMillis(takesMillis)
                    : java.time.Duration.ofSeconds((takesMillis + 999) / 1000);
            throw MurderException.badInput("--max-down " + maxDown + ": a request of " + org.murder.core.ByteSize.format(request)
                    + " takes " + org.murder.core.Durations.format(takes) + " at that rate, longer than "
                    + stallOption.map(o -> o + " " + stall).orElse("the " + stall) + " after which a download without data fails"
                    + " (expected: at least " + least + " bytes/s, or unlimited" + stallOption.map(o -> ", or a longer " + o).orElse("")
                    + ")");
        }
    }

    /** The rack given with --rack, if any. */
    public java.util.Optional<RackName> rack() {
        return java.util.Optional.ofNullable(rack);
    }

    /** The address given with --ip, if any. */
    public java.util.Optional<String> announceIp() {
        return java.util.Optional.ofNullable(ip);
    }

    /** Whether --peer was given. */
    public boolean peersGiven() {
        return !peers.isEmpty();
    }

    public List<InetSocketAddress> extraPeers() {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String p : peers) {
            out.add(peerAddress(p));
        }
        return out;
    }

    /** {@code HOST:PORT}: an IPv4 address or a host name, or {@code [IPv6]:PORT}; else bad input. */
    static InetSocketAddress peerAddress(String p) {
        int colon = p.lastIndexOf(':');
        String host = colon < 0 ? "" : p.substring(0, colon);
        boolean bracketed = host.startsWith("[") && host.endsWith("]") && host.length() > 2;
        String bare = bracketed ? host.substring(1, host.length() - 1) : host;
        boolean hostOk = bracketed ? bare.contains(":") && org.murder.core.IpLiteral.is(bare)
                : !host.contains(":") && org.murder.core.IpLiteral.isHostOrAddress(host);
        String port = colon < 0 ? "" : p.substring(colon + 1);
        if (hostOk && port.matches("[0-9]{1,5}") && Integer.parseInt(port) >= 1 && Integer.parseInt(port) <= 65535) {
            return new InetSocketAddress(bare, Integer.parseInt(port));
        }
        throw MurderException.badInput("--peer '" + org.murder.core.Printable.escape(p) + "' (expected: HOST:PORT like 10.0.0.5:6881,"
                + " host.example:6881 or [fd00::5]:6881)");
    }
}
