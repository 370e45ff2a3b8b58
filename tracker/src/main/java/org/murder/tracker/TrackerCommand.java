package org.murder.tracker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.murder.core.MurderException;
import org.murder.core.cli.LoggingOptions;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code murder tracker}: run the HTTP BitTorrent tracker until stopped (SIGTERM or Ctrl-C). */
@Command(name = "tracker", sortOptions = false,
        description = {
            "Run the HTTP BitTorrent tracker (BEP 3 announce, BEP 23 compact peers, BEP 48 scrape) until stopped.",
            "Whitelist mode is the default: only torrents in --whitelist DIR, or registered with "
                    + "POST /whitelist/<infohash>, are served. --open serves any infohash.",
            "Also serves GET /stats (a page for people) and GET /metrics (Prometheus)."},
        footer = {"", "Examples:",
            "  murder tracker --whitelist /var/lib/murder/torrents --state /var/lib/murder/tracker.state",
            "  murder tracker --open --port 8998",
            "  curl -X POST http://127.0.0.1:8998/whitelist/<40-hex-infohash>   # register (loopback, or with the token)"})
public final class TrackerCommand implements Callable<Integer>, org.murder.core.cli.OptionsCheck {
    @Spec
    CommandSpec spec;

    @Mixin
    LoggingOptions logging;

    @Option(names = "--bind", paramLabel = "ADDR", description = "Address to listen on. Default: " + TrackerConfig.DEFAULT_BIND
            + " (all IPv4); :: for IPv6 too.")
    String bind;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", description = "TCP port. Default: " + TrackerConfig.DEFAULT_PORT + ".")
    Integer port;

    @Option(names = "--state", paramLabel = "FILE", description = "Keep swarms, completed counts and registrations in FILE "
            + "across restarts (saved every --state-every and on shutdown).")
    Path stateFile;

    @Option(names = "--state-every", paramLabel = "DURATION", description = "How often to save the state file. Default: "
            + TrackerConfig.DEFAULT_STATE_SAVE_INTERVAL + ".")
    Duration stateSaveInterval;

    /**
     * {@code --whitelist} or {@code --open} from murder.conf or the environment, when the command line
     * gives neither: picocli gives an argument group no defaults (murder.conf's tracker.whitelist was
     * not read, and the tracker served registrations alone).
     */
    private void configuredMode(TrackerConfig.Builder b) {
        var whitelist = org.murder.core.cli.ConfigDefaults.configured(spec, "--whitelist");
        var open = org.murder.core.cli.ConfigDefaults.configured(spec, "--open");
        boolean isOpen = false;
        if (open.isPresent()) {
            String v = open.get().getKey().strip().toLowerCase(java.util.Locale.ROOT);
            if (!v.equals("true") && !v.equals("false")) {
                // Cli adds where it came from, as for every option an error starts with
                throw MurderException.badInput("--open: '" + org.murder.core.Printable.escape(open.get().getKey()) + "' is not a boolean"
                        + " (expected: true or false)");
            }
            isOpen = v.equals("true");
        }
        if (whitelist.isPresent() && isOpen) {
            throw MurderException.badInput("both --whitelist (from " + org.murder.core.Printable.escape(whitelist.get().getValue())
                    + ") and --open (from " + org.murder.core.Printable.escape(open.get().getValue()) + ") are set: one or the other"
                    + " (expected: a whitelist directory, or --open to serve any torrent)");
        }
        if (whitelist.isPresent()) {
            b.whitelistDir(Path.of(whitelist.get().getKey()));
        } else if (isOpen) {
            b.open(true);
        }
    }

    static final class Mode {
        @Option(names = "--whitelist", paramLabel = "DIR",
                description = "Serve the torrents whose .torrent files are in DIR (rescanned every --rescan), plus registrations.")
        Path whitelistDir;

        @Option(names = "--open", description = "Serve any infohash (no whitelist).")
        boolean open;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Mode mode;

    @Option(names = "--rescan", paramLabel = "DURATION", description = "How often to rescan the whitelist directory. Default: "
            + TrackerConfig.DEFAULT_WHITELIST_RESCAN + ".")
    Duration rescan;

    @Option(names = "--admin-token-file", paramLabel = "FILE", description = "Allow /whitelist changes from any address with "
            + "'Authorization: Bearer TOKEN', TOKEN being FILE's first line. Without it, only loopback clients may change the whitelist.")
    Path adminTokenFile;

    @Option(names = "--interval", paramLabel = "DURATION", description = "Announce interval sent to clients. Default: "
            + TrackerConfig.DEFAULT_INTERVAL + " (as Murder).")
    Duration interval;

    @Option(names = "--min-interval", paramLabel = "DURATION", description = "Minimum announce interval sent to clients. Default: "
            + TrackerConfig.DEFAULT_MIN_INTERVAL + ", or the interval if shorter.")
    Duration minInterval;

    @Option(names = "--peer-timeout", paramLabel = "DURATION", description = "Forget a peer that has not announced for this long. "
            + "Default: " + TrackerConfig.DEFAULT_PEER_TIMEOUT + ", or 4 intervals if longer.")
    Duration peerTimeout;

    @Option(names = "--swarm-timeout", paramLabel = "DURATION", description = "Forget an empty swarm (and its completed count) "
            + "after this long without an announce. Default: " + TrackerConfig.DEFAULT_SWARM_TIMEOUT + ".")
    Duration swarmTimeout;

    @Option(names = "--numwant", paramLabel = "N", description = "Peers handed out when the client does not say. Default: "
            + TrackerConfig.DEFAULT_NUMWANT + ".")
    Integer numwant;

    @Option(names = "--max-numwant", paramLabel = "N", description = "Most peers handed out per announce. Default: "
            + TrackerConfig.DEFAULT_MAX_NUMWANT + ".")
    Integer maxNumwant;

    @Option(names = "--ignore-ip-param", description = "Ignore the announce 'ip' parameter; always use the connection's address.")
    boolean ignoreIpParameter;

    @Option(names = "--max-swarms", paramLabel = "N", description = "Cap on swarms (and on registrations). Default: "
            + TrackerConfig.DEFAULT_MAX_SWARMS + ".")
    Integer maxSwarms;

    @Option(names = "--max-peers-per-swarm", paramLabel = "N", description = "Cap on peers in one swarm. Default: "
            + TrackerConfig.DEFAULT_MAX_PEERS_PER_SWARM + ".")
    Integer maxPeersPerSwarm;

    @Option(names = "--max-peers", paramLabel = "N", description = "Cap on peers in all swarms. Default: "
            + TrackerConfig.DEFAULT_MAX_PEERS + ".")
    Integer maxPeers;

    @Option(names = "--ipv6-source-prefix", paramLabel = "BITS", description = "IPv6 clients count as one source by this"
            + " prefix when a full cap makes room (the source holding the most places gives one up). Default: "
            + org.murder.tracker.swarm.SwarmSettings.DEFAULT_SOURCE_PREFIX_V6 + " (one host may hold a whole /64); 128 where"
            + " many hosts share a /64, " + org.murder.tracker.swarm.SwarmSettings.MIN_SOURCE_PREFIX_V6 + " at least.")
    Integer sourcePrefixV6;

    @Option(names = "--rack-gateways", paramLabel = "N", description = "Peers of a rack (the earliest live ones) handed peers of "
            + "other racks; each fetches from outside its share of what the rack lacks. More: faster, more bytes across rack "
            + "uplinks. Default: " + TrackerConfig.DEFAULT_RACK_GATEWAYS + " (1 to " + TrackerConfig.MAX_RACK_GATEWAYS + ").")
    Integer rackGateways;

    @Option(names = "--max-connections", paramLabel = "N", description = "Cap on open client connections. Default: "
            + TrackerConfig.DEFAULT_MAX_CONNECTIONS + ".")
    Integer maxConnections;

    @Option(names = "--max-connections-per-source", paramLabel = "N", description = "Cap on open connections from one source"
            + " address (an IPv6 one by its --ipv6-source-prefix), once more than half of --max-connections are open. Default: a"
            + " tenth of --max-connections, at least 64.")
    Integer maxConnectionsPerSource;

    @Option(names = "--request-timeout", paramLabel = "DURATION", description = "A client must send a whole request within this "
            + "time of its first byte. Default: " + TrackerConfig.DEFAULT_REQUEST_TIMEOUT + ".")
    Duration requestTimeout;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", description = "Close connections silent for this long. Default: "
            + TrackerConfig.DEFAULT_IDLE_TIMEOUT + ".")
    Duration idleTimeout;

    @Option(names = "--threads", paramLabel = "N", description = "I/O threads. Default: one per core.")
    Integer threads;

    @Option(names = "--access-log", description = "Log one line per request (logger org.murder.tracker.access).")
    boolean accessLog;

    private final Clock clock;

    public TrackerCommand() {
        this(Clock.systemUTC());
    }

    TrackerCommand(Clock clock) {
        this.clock = clock;
    }

    @Override
    public Integer call() throws InterruptedException {
        TrackerServer server = TrackerServer.start(config(), clock);
        Thread hook = new Thread(server::close, "tracker-shutdown");
        org.murder.core.cli.Termination.onStop(hook);
        server.awaitClose();
        return 0;
    }

    @Override
    public void checkOptions() {
        config(false);
    }

    TrackerConfig config() {
        return config(true);
    }

    /** The tracker's settings; with {@code hostFiles}, the state file's directory checked and the admin token read. */
    private TrackerConfig config(boolean hostFiles) {
        TrackerConfig.Builder b = TrackerConfig.builder();
        if (bind != null) {
            org.murder.core.IpLiteral.bindAddress("--bind", bind); // refused here (exit 2), not as "cannot listen" later
            b.bind(bind);
        }
        if (port != null) {
            b.port(port);
        }
        if (stateFile != null && hostFiles) {
            // its directory must exist: saves would fail every --state-every, and the state be lost at exit
            org.murder.core.io.AtomicFiles.checkTarget(stateFile, "--state", "a file to keep the state in");
            if (org.murder.core.io.SmallFiles.refused(stateFile)) { // a FIFO would block the read at start for ever
                throw MurderException.badInput("--state " + org.murder.core.Printable.escape(stateFile.toString())
                        + ": not a regular file (expected: a file to keep the state in, or none yet)");
            }
        }
        b.stateFile(stateFile);
        if (stateSaveInterval != null) {
            b.stateSaveInterval(stateSaveInterval);
        }
        if (mode != null && spec.commandLine().getParseResult() != null
                && spec.commandLine().getParseResult().hasMatchedOption("--open")) {
            // the command line's mode alone: picocli fills the group's other option from murder.conf too (a --open with
            // tracker.whitelist in the file was refused as both)
            b.open(mode.open).whitelistDir(null);
        } else if (mode != null && spec.commandLine().getParseResult() != null
                && spec.commandLine().getParseResult().hasMatchedOption("--whitelist")) {
            b.open(false).whitelistDir(mode.whitelistDir);
        } else if (mode != null) {
            b.open(mode.open).whitelistDir(mode.whitelistDir); // built without a command line (tests)
        } else {
            configuredMode(b);
        }
        if (rescan != null) {
            b.whitelistRescan(rescan);
        }
        if (adminTokenFile != null && hostFiles) {
            b.adminToken(readToken(adminTokenFile));
        }
        if (interval != null) {
            b.interval(interval);
        }
        if (minInterval != null) {
            b.minInterval(minInterval);
        }
        if (peerTimeout != null) {
            b.peerTimeout(peerTimeout);
        }
        if (swarmTimeout != null) {
            b.swarmTimeout(swarmTimeout);
        }
        if (numwant != null) {
            b.defaultNumwant(numwant);
        }
        if (maxNumwant != null) {
            b.maxNumwant(maxNumwant);
        }
        b.acceptIpParameter(!ignoreIpParameter);
        if (maxSwarms != null) {
            b.maxSwarms(maxSwarms);
        }
        if (maxPeersPerSwarm != null) {
            b.maxPeersPerSwarm(maxPeersPerSwarm);
        }
        if (maxPeers != null) {
            b.maxPeers(maxPeers);
        }
        if (sourcePrefixV6 != null) {
            b.sourcePrefixV6(sourcePrefixV6);
        }
        if (rackGateways != null) {
            b.rackGateways(rackGateways);
        }
        if (maxConnectionsPerSource != null) {
            b.maxConnectionsPerSource(maxConnectionsPerSource);
        }
        if (maxConnections != null) {
            b.maxConnections(maxConnections);
        }
        if (requestTimeout != null) {
            b.requestTimeout(requestTimeout);
        }
        if (idleTimeout != null) {
            b.idleTimeout(idleTimeout);
        }
        if (threads != null) {
            if (threads < 1 || threads > 256) {
                throw MurderException.badInput("--threads: " + threads + " (expected: 1 to 256)");
            }
            b.ioThreads(threads);
        }
        b.accessLog(accessLog);
        return b.build();
    }

    private static String readToken(Path file) {
        try {
            String first = org.murder.core.io.SmallFiles.read(file, 64 * 1024, "--admin-token-file").lines().findFirst().orElse("").trim();
            if (first.isEmpty()) {
                throw MurderException.badInput("--admin-token-file " + file + ": empty (expected: the token on the first line)");
            }
            return first;
        } catch (java.nio.file.NoSuchFileException e) {
            throw MurderException.badInput("--admin-token-file " + org.murder.core.Printable.escape(file.toString())
                    + ": no such file (expected: a file with the token on its first line)", e);
        } catch (IOException e) {
            throw MurderException.badInput("--admin-token-file " + org.murder.core.Printable.escape(file.toString()) + ": cannot read ("
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
        }
    }
}
