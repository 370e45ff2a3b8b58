package org.murder.tracker;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.murder.core.Durations;
import org.murder.core.MurderException;
import org.murder.tracker.swarm.SwarmSettings;

/**
 * Everything the tracker can be told, immutable and validated. Defaults live here and only here
 * (the command's help text quotes the constants); {@link #builder()} starts from them.
 */
public record TrackerConfig(
        String bind,
        int port,
        Optional<Path> stateFile,
        Duration stateSaveInterval,
        Duration interval,
        Duration minInterval,
        Duration peerTimeout,
        Duration swarmTimeout,
        boolean open,
        Optional<Path> whitelistDir,
        Duration whitelistRescan,
        Optional<String> adminToken,
        int defaultNumwant,
        int maxNumwant,
        boolean acceptIpParameter,
        int maxSwarms,
        int maxPeersPerSwarm,
        int maxPeers,
        int maxConnections,
        int maxConnectionsPerSource,
        Duration requestTimeout,
        Duration idleTimeout,
        int maxRequestLine,
        int maxHeaderSize,
        int maxBody,
        int ioThreads,
        boolean accessLog,
        int rackGateways,
        int sourcePrefixV6,
        Optional<String> embeddedIn) {

    public static final String DEFAULT_BIND = "0.0.0.0";
    /** Murder's tracker port. */
    public static final int DEFAULT_PORT = 8998;
    public static final String DEFAULT_STATE_SAVE_INTERVAL = "30s";
    /** Murder reannounced every 15 s during a deploy. */
    public static final String DEFAULT_INTERVAL = "15s";
    public static final String DEFAULT_MIN_INTERVAL = "5s";
    public static final String DEFAULT_PEER_TIMEOUT = "1m";
    public static final String DEFAULT_SWARM_TIMEOUT = "1h";
    public static final String DEFAULT_WHITELIST_RESCAN = "5s";
    public static final int DEFAULT_NUMWANT = 50;
    public static final int DEFAULT_MAX_NUMWANT = 200;
    public static final int DEFAULT_MAX_SWARMS = 10_000;
    public static final int DEFAULT_MAX_PEERS_PER_SWARM = 10_000;
    public static final int DEFAULT_MAX_PEERS = 1_000_000;
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    public static final String DEFAULT_REQUEST_TIMEOUT = "10s";
    public static final String DEFAULT_IDLE_TIMEOUT = "1m";
    /**
     * Room for a scrape of as many infohashes as a query may have parameters, every byte escaped
     * ({@code &info_hash=} and 60 characters each: 9,088 bytes for 128), with its path and version.
     */
    public static final int DEFAULT_MAX_REQUEST_LINE = 10_240;
    public static final int DEFAULT_MAX_HEADER_SIZE = 8192;
    public static final int DEFAULT_MAX_BODY = 4096;
    /** Gateways a rack: see {@code PeerChoice.GATEWAYS_PER_RACK}. */
    public static final int DEFAULT_RACK_GATEWAYS = SwarmSettings.DEFAULT_GATEWAYS_PER_RACK;
    /** The most gateways a rack may have (the engine takes a share of at most 64). */
    public static final int MAX_RACK_GATEWAYS = 64;

    public TrackerConfig {
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(stateFile, "stateFile");
        Objects.requireNonNull(whitelistDir, "whitelistDir");
        Objects.requireNonNull(adminToken, "adminToken");
        check(!bind.isBlank(), "bind", "''", "an IP address or host name");
        check(port >= 0 && port <= 65535, "port", port, "0 to 65535 (0: any free port)");
        positive("stateSaveInterval", stateSaveInterval);
        check(interval.toSeconds() >= 1 && interval.toSeconds() <= 86_400, "interval", Durations.format(interval), "1s to 1d");
        check(minInterval.toSeconds() >= 1 && minInterval.compareTo(interval) <= 0, "minInterval",
                Durations.format(minInterval), "1s up to the interval " + Durations.format(interval));
        check(peerTimeout.compareTo(interval) > 0, "peerTimeout", Durations.format(peerTimeout),
                "longer than the interval " + Durations.format(interval) + ", or live peers expire between announces");
        check(!swarmTimeout.isNegative(), "swarmTimeout", Durations.format(swarmTimeout), ">= 0");
        check(!(open && whitelistDir.isPresent()), "whitelist", whitelistDir.map(Path::toString).orElse(""),
                "either a whitelist directory or open mode, not both");
        positive("whitelistRescan", whitelistRescan);
        adminToken.ifPresent(t -> check(t.length() >= 16 && t.chars().allMatch(c -> c > 0x20 && c < 0x7f), "adminToken",
                "(" + t.length() + " chars)", "at least 16 printable ASCII characters without spaces"));
        check(maxNumwant >= 1 && maxNumwant <= 10_000, "maxNumwant", maxNumwant, "1 to 10000");
        check(defaultNumwant >= 0 && defaultNumwant <= maxNumwant, "defaultNumwant", defaultNumwant,
                "0 to " + option("maxNumwant") + " " + maxNumwant);
        check(maxSwarms >= 1, "maxSwarms", maxSwarms, ">= 1");
        check(maxPeersPerSwarm >= 1, "maxPeersPerSwarm", maxPeersPerSwarm, ">= 1");
        check(sourcePrefixV6 >= SwarmSettings.MIN_SOURCE_PREFIX_V6 && sourcePrefixV6 <= 128, "sourcePrefixV6", sourcePrefixV6,
                SwarmSettings.MIN_SOURCE_PREFIX_V6 + " to 128");
        check(maxPeers >= 1, "maxPeers", maxPeers, ">= 1");
        check(maxConnections >= 1, "maxConnections", maxConnections, ">= 1");
        check(maxConnectionsPerSource >= 1 && maxConnectionsPerSource <= maxConnections, "maxConnectionsPerSource",
                maxConnectionsPerSource, "1 to " + option("maxConnections") + " " + maxConnections);
        positive("requestTimeout", requestTimeout);
        positive("idleTimeout", idleTimeout);
        check(maxRequestLine >= 256 && maxRequestLine <= 65536, "maxRequestLine", maxRequestLine, "256 to 65536 bytes");
        check(maxHeaderSize >= 256 && maxHeaderSize <= 65536, "maxHeaderSize", maxHeaderSize, "256 to 65536 bytes");
        check(maxBody >= 0 && maxBody <= 1 << 20, "maxBody", maxBody, "0 to 1048576 bytes");
        check(ioThreads >= 0 && ioThreads <= 256, "ioThreads", ioThreads, "0 (one per core) to 256");
        check(rackGateways >= 1 && rackGateways <= MAX_RACK_GATEWAYS, "rackGateways", rackGateways, "1 to " + MAX_RACK_GATEWAYS);
    }

    private static void check(boolean ok, String field, Object value, String expected) {
        if (!ok) {
            throw MurderException.badInput(option(field) + ": " + value + " (expected: " + expected + ")");
        }
    }

    /** The `murder tracker` option that sets {@code field}, so that an error names what the operator typed. */
    static String option(String field) {
        return switch (field) {
            case "stateSaveInterval" -> "--state-every";
            case "whitelistRescan" -> "--rescan";
            case "adminToken" -> "--admin-token-file";
            case "defaultNumwant" -> "--numwant";
            case "ioThreads" -> "--threads";
            case "sourcePrefixV6" -> "--ipv6-source-prefix";
            case "maxRequestLine", "maxHeaderSize", "maxBody" -> field; // not options: limits set in code
            default -> "--" + field.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
        };
    }

    private static void positive(String field, Duration d) {
        check(d != null && !d.isNegative() && !d.isZero(), field, d == null ? "null" : Durations.format(d), "> 0");
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The main settings, for logs; never the admin token. */
    @Override
    public String toString() {
        return "TrackerConfig[" + bind + ":" + port + ", " + (open ? "open" : "whitelist " + whitelistDir.map(Path::toString)
                .orElse("(registrations only)")) + ", interval " + Durations.format(interval) + ", min interval "
                + Durations.format(minInterval) + ", peer timeout " + Durations.format(peerTimeout) + ", state "
                + stateFile.map(Path::toString).orElse("none") + ", admin token " + (adminToken.isPresent() ? "set" : "none")
                + ", caps " + maxSwarms + " swarms/" + maxPeersPerSwarm + " peers per swarm/" + maxPeers + " peers/"
                + maxConnections + " connections/" + maxConnectionsPerSource + " per source]";
    }

    /**
     * Connections one source may hold unless told: a tenth of {@code maxConnections}, at least 64 (all
     * of them when there are fewer), so that one client cannot take every connection (10,100 kept open
     * by one client, each sending a request every 30 s, turned away most hosts' announces with 503).
     */
    public static int defaultPerSource(int maxConnections) {
        return Math.max(maxConnections / 10, Math.min(maxConnections, 64));
    }

    public SwarmSettings swarmSettings() {
        return new SwarmSettings(peerTimeout, swarmTimeout, maxSwarms, maxPeersPerSwarm, maxPeers, rackGateways, sourcePrefixV6,
                SwarmSettings.gatewayFresh(interval, peerTimeout));
    }

    /** I/O threads to use: {@link #ioThreads()}, or one per core when 0. */
    public int effectiveIoThreads() {
        return ioThreads > 0 ? ioThreads : Runtime.getRuntime().availableProcessors();
    }

    /** Starts from the defaults; {@link #build()} validates. */
    public static final class Builder {
        private String bind = DEFAULT_BIND;
        private int port = DEFAULT_PORT;
        private Path stateFile;
        private Duration stateSaveInterval = Durations.parse(DEFAULT_STATE_SAVE_INTERVAL);
        private Duration interval = Durations.parse(DEFAULT_INTERVAL);
        private Duration minInterval;
        private Duration peerTimeout;
        private Duration swarmTimeout = Durations.parse(DEFAULT_SWARM_TIMEOUT);
        private boolean open;
        private Path whitelistDir;
        private Duration whitelistRescan = Durations.parse(DEFAULT_WHITELIST_RESCAN);
        private String adminToken;
        private int defaultNumwant = DEFAULT_NUMWANT;
        private int maxNumwant = DEFAULT_MAX_NUMWANT;
        private boolean acceptIpParameter = true;
        private int maxSwarms = DEFAULT_MAX_SWARMS;
        private int maxPeersPerSwarm = DEFAULT_MAX_PEERS_PER_SWARM;
        private int maxPeers = DEFAULT_MAX_PEERS;
        private int rackGateways = DEFAULT_RACK_GATEWAYS;
        private int sourcePrefixV6 = SwarmSettings.DEFAULT_SOURCE_PREFIX_V6;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private Integer maxConnectionsPerSource;
        private Duration requestTimeout = Durations.parse(DEFAULT_REQUEST_TIMEOUT);
        private Duration idleTimeout = Durations.parse(DEFAULT_IDLE_TIMEOUT);
        private int maxRequestLine = DEFAULT_MAX_REQUEST_LINE;
        private int maxHeaderSize = DEFAULT_MAX_HEADER_SIZE;
        private int maxBody = DEFAULT_MAX_BODY;
        private int ioThreads;
        private boolean accessLog;
        private String embeddedIn;

        private Builder() {
        }

        /**
         * The tracker runs inside another command and stops when it ends ({@code murder deploy v42 (pid 123)}):
         * said on {@code GET /whitelist/HASH}, so that a deploy started meanwhile does not take it for the
         * murder-tracker service.
         */
        public Builder embeddedIn(String owner) {
            embeddedIn = owner;
            return this;
        }

        public Builder bind(String v) {
            bind = v;
            return this;
        }

        public Builder port(int v) {
            port = v;
            return this;
        }

        public Builder stateFile(Path v) {
            stateFile = v;
            return this;
        }

        public Builder stateSaveInterval(Duration v) {
            stateSaveInterval = v;
            return this;
        }

        public Builder interval(Duration v) {
            interval = v;
            return this;
        }

        public Builder minInterval(Duration v) {
            minInterval = v;
            return this;
        }

        public Builder peerTimeout(Duration v) {
            peerTimeout = v;
            return this;
        }

        public Builder swarmTimeout(Duration v) {
            swarmTimeout = v;
            return this;
        }

        public Builder open(boolean v) {
            open = v;
            return this;
        }

        public Builder whitelistDir(Path v) {
            whitelistDir = v;
            return this;
        }

        public Builder whitelistRescan(Duration v) {
            whitelistRescan = v;
            return this;
        }

        public Builder adminToken(String v) {
            adminToken = v;
            return this;
        }

        public Builder defaultNumwant(int v) {
            defaultNumwant = v;
            return this;
        }

        public Builder maxNumwant(int v) {
            maxNumwant = v;
            return this;
        }

        public Builder acceptIpParameter(boolean v) {
            acceptIpParameter = v;
            return this;
        }

        public Builder maxSwarms(int v) {
            maxSwarms = v;
            return this;
        }

        public Builder maxPeersPerSwarm(int v) {
            maxPeersPerSwarm = v;
            return this;
        }

        public Builder maxPeers(int v) {
            maxPeers = v;
            return this;
        }

        public Builder rackGateways(int v) {
            rackGateways = v;
            return this;
        }

        /** The leading bits of an IPv6 source that a full cap's places are shared by (see SwarmSettings). */
        public Builder sourcePrefixV6(int v) {
            sourcePrefixV6 = v;
            return this;
        }

        /** Open connections one source may hold (as the caps count sources); unless told, {@link #defaultPerSource}. */
        public Builder maxConnectionsPerSource(int v) {
            maxConnectionsPerSource = v;
            return this;
        }

        public Builder maxConnections(int v) {
            maxConnections = v;
            return this;
        }

        public Builder requestTimeout(Duration v) {
            requestTimeout = v;
            return this;
        }

        public Builder idleTimeout(Duration v) {
            idleTimeout = v;
            return this;
        }

        public Builder maxRequestLine(int v) {
            maxRequestLine = v;
            return this;
        }

        public Builder maxHeaderSize(int v) {
            maxHeaderSize = v;
            return this;
        }

        public Builder maxBody(int v) {
            maxBody = v;
            return this;
        }

        public Builder ioThreads(int v) {
            ioThreads = v;
            return this;
        }

        public Builder accessLog(boolean v) {
            accessLog = v;
            return this;
        }

        /**
         * Validates and builds. Unset {@code minInterval} is {@value #DEFAULT_MIN_INTERVAL} or the
         * interval if shorter; unset {@code peerTimeout} is {@value #DEFAULT_PEER_TIMEOUT} or four
         * intervals if longer.
         */
        public TrackerConfig build() {
            Duration min = minInterval;
            if (min == null) {
                Duration d = Durations.parse(DEFAULT_MIN_INTERVAL);
                min = interval != null && interval.compareTo(d) < 0 ? interval : d;
            }
            Duration timeout = peerTimeout;
            if (timeout == null) {
                Duration d = Durations.parse(DEFAULT_PEER_TIMEOUT);
                timeout = interval != null && interval.multipliedBy(4).compareTo(d) > 0 ? interval.multipliedBy(4) : d;
            }
            return new TrackerConfig(bind, port, Optional.ofNullable(stateFile), stateSaveInterval, interval, min,
                    timeout, swarmTimeout, open, Optional.ofNullable(whitelistDir), whitelistRescan,
                    Optional.ofNullable(adminToken), defaultNumwant, maxNumwant, acceptIpParameter, maxSwarms,
                    maxPeersPerSwarm, maxPeers, maxConnections,
                    maxConnectionsPerSource != null ? maxConnectionsPerSource : defaultPerSource(maxConnections), requestTimeout, idleTimeout, maxRequestLine,
                    maxHeaderSize, maxBody, ioThreads, accessLog, rackGateways, sourcePrefixV6, Optional.ofNullable(embeddedIn));
        }
    }
}
