package org.murder.orchestrator.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.murder.core.MurderException;
import org.murder.core.cli.LoggingOptions;
import org.murder.orchestrator.zk.DataPurge;
import org.murder.orchestrator.zk.EnsembleZooKeeper;
import org.murder.orchestrator.zk.StandaloneZooKeeper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code murder zookeeper}: a standalone ZooKeeper server for small installs and the demo, or, with
 * {@code --server} and {@code --myid}, one member of a 3- or 5-server ensemble.
 */
@Command(name = "zookeeper", description = {"Run a ZooKeeper server (the Apache ZooKeeper jar murder ships) until stopped: standalone,"
    + " or with --myid and --server (one per member, the same list on every member) one member of a 3- or 5-server ensemble.",
    "Four-letter words served in ensemble mode: " + EnsembleZooKeeper.FOUR_LETTER_WORDS + ".",
    "Point --zk of agents and deploys at every member's client port: HOST1:2181,HOST2:2181,HOST3:2181."})
public final class ZooKeeperCommand implements Callable<Integer>, org.murder.core.cli.OptionsCheck {
    @Spec
    CommandSpec spec;

    @Mixin
    LoggingOptions logging;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "/var/lib/murder/zookeeper",
            description = "Where snapshots and logs go. Default: ${DEFAULT-VALUE}.")
    Path dataDir;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "2181", description = "Client port. Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--bind", paramLabel = "ADDR", defaultValue = "0.0.0.0", description = "Address to listen on. Default: ${DEFAULT-VALUE}.")
    String bind;

    @Option(names = "--server", paramLabel = "N=HOST:PEERPORT:ELECTIONPORT",
            description = "An ensemble member, as ZooKeeper's server.N line (e.g. 1=zk1:2888:3888); repeat for each member,"
                    + " this one included. Ensemble mode needs 3 or more (3 or 5 usual) and --myid.")
    List<String> server = new ArrayList<>();

    @Option(names = "--servers", paramLabel = "SPEC", split = ",",
            description = "The same as --server, comma-separated: 1=zk1:2888:3888,2=zk2:2888:3888,3=zk3:2888:3888.")
    List<String> servers = new ArrayList<>();

    @Option(names = "--myid", paramLabel = "N", description = "This member's id among the --server ids (ensemble mode); written to"
            + " DIR/myid, and checked against the one there.")
    Long myid;

    @Option(names = "--max-client-connections", paramLabel = "N",
            description = "Ensemble mode: connections one client address may open (0: no limit; a test fleet of many agents on"
                    + " one machine needs it). Default: 60.")
    Integer maxClientConnections;

    @Option(names = "--purge-interval", paramLabel = "DURATION", defaultValue = "1h",
            description = "Delete old snapshots and transaction logs at start and then this often, keeping the newest"
                    + " --snap-retain-count snapshots (ZooKeeper's autopurge; without it the data directory only grows)."
                    + " 0: never (purge by hand). Default: ${DEFAULT-VALUE}.")
    java.time.Duration purgeInterval;

    @Option(names = "--snap-retain-count", paramLabel = "N", defaultValue = "3",
            description = "Snapshots (and the logs they need) the purge keeps: 3 or more. Default: ${DEFAULT-VALUE}.")
    int snapRetainCount;

    @Option(names = "--tick-time", paramLabel = "MS", description = "Ensemble mode: ZooKeeper's tick. Default: 2000.")
    Integer tickTime;

    @Option(names = "--init-limit", paramLabel = "TICKS",
            description = "Ensemble mode: ticks a follower has to connect to and sync with the leader. Default: 10.")
    Integer initLimit;

    @Option(names = "--sync-limit", paramLabel = "TICKS",
            description = "Ensemble mode: ticks a follower may lag behind the leader before it is dropped. Default: 5.")
    Integer syncLimit;

    @Override
    public void checkOptions() {
        if (port < 1 || port > 65535) {
            throw MurderException.badInput("--port: " + port + " (expected: 1 to 65535)");
        }
        org.murder.core.IpLiteral.bindAddress("--bind", bind); // before the data directory is made
        if (snapRetainCount < DataPurge.MIN_RETAIN) {
            throw MurderException.badInput("--snap-retain-count: " + snapRetainCount + " (expected: " + DataPurge.MIN_RETAIN
                    + " or more: ZooKeeper keeps at least that many)");
        }
        List<String> specs = specs();
        if (!specs.isEmpty() || myid != null) {
            ensembleSettings(specs);
            return;
        }
        for (Object[] o : new Object[][] {{"--tick-time", tickTime}, {"--init-limit", initLimit}, {"--sync-limit", syncLimit},
                {"--max-client-connections", maxClientConnections}}) {
            if (o[1] != null) {
                throw MurderException.badInput(o[0] + ": only in ensemble mode (expected: with --myid and --server)");
            }
        }
    }

    /** Each value alone: the pairing of --myid and --server, and the ensemble-only options, are the command line's too. */
    @Override
    public void checkFileOptions() {
        if (port < 1 || port > 65535) {
            throw MurderException.badInput("--port: " + port + " (expected: 1 to 65535)");
        }
        org.murder.core.IpLiteral.bindAddress("--bind", bind);
        if (snapRetainCount < DataPurge.MIN_RETAIN) {
            throw MurderException.badInput("--snap-retain-count: " + snapRetainCount + " (expected: " + DataPurge.MIN_RETAIN
                    + " or more: ZooKeeper keeps at least that many)");
        }
        specs().forEach(EnsembleZooKeeper.Member::parse);
        positive("--tick-time", tickTime, 2000);
        positive("--init-limit", initLimit, 10);
        positive("--sync-limit", syncLimit, 5);
        if (maxClientConnections != null && maxClientConnections < 0) {
            throw MurderException.badInput("--max-client-connections: " + maxClientConnections
                    + " (expected: 0 for no limit, or a positive number)");
        }
    }

    private List<String> specs() {
        List<String> specs = new ArrayList<>(server);
        specs.addAll(servers);
        return specs;
    }

    @Override
    public Integer call() throws Exception {
        checkOptions();
        if (Files.exists(dataDir) && !Files.isDirectory(dataDir)) {
            throw MurderException.badInput("--data-dir " + org.murder.core.Printable.escape(dataDir.toString())
                    + ": not a directory (expected: ZooKeeper's data directory, or a path to create)");
        }
        List<String> specs = specs();
        if (!specs.isEmpty() || myid != null) {
            return ensemble(ensembleSettings(specs));
        }
        Files.createDirectories(dataDir);
        try (StandaloneZooKeeper zk = StandaloneZooKeeper.start(dataDir, bind, port);
                DataPurge purge = DataPurge.every(purgeInterval, StandaloneZooKeeper.logDir(dataDir).toFile(),
                        StandaloneZooKeeper.snapDir(dataDir).toFile(), snapRetainCount)) {
            spec.commandLine().getOut().println("zookeeper listening on " + bind + ":" + zk.port() + ", data in " + dataDir);
            spec.commandLine().getOut().flush();
            org.murder.core.cli.Termination.onStop(new Thread(zk::close, "murder-zookeeper-stop"));
            zk.awaitStop();
        }
        return 0;
    }

    private static int positive(String option, Integer value, int otherwise) {
        if (value == null) {
            return otherwise;
        }
        if (value < 1) {
            throw MurderException.badInput(option + ": " + value + " (expected: a positive number)");
        }
        return value;
    }

    /** The member's settings from the options; its warning (a member's host not this one's, ...) printed once, by call(). */
    private EnsembleZooKeeper.Settings ensembleSettings(List<String> specs) {
        if (specs.isEmpty()) {
            throw MurderException.badInput("--myid: only in ensemble mode (expected: --server N=HOST:PEERPORT:ELECTIONPORT for each"
                    + " member too)");
        }
        if (myid == null) {
            throw MurderException.badInput("--server: ensemble mode needs --myid (expected: this server's id among "
                    + specs.stream().map(s -> s.trim().replaceFirst("^server\\.", "").replaceFirst("=.*", "")).toList() + ")");
        }
        List<EnsembleZooKeeper.Member> members = specs.stream().map(EnsembleZooKeeper.Member::parse).toList();
        EnsembleZooKeeper.check(members, myid, port);
        int tick = positive("--tick-time", tickTime, 2000);
        int init = positive("--init-limit", initLimit, 10);
        int sync = positive("--sync-limit", syncLimit, 5);
        int connections = maxClientConnections == null ? EnsembleZooKeeper.Settings.DEFAULT_MAX_CLIENT_CONNECTIONS : maxClientConnections;
        if (connections < 0) {
            throw MurderException.badInput("--max-client-connections: " + connections + " (expected: 0 for no limit, or a positive number)");
        }
        return new EnsembleZooKeeper.Settings(dataDir, myid, members, bind, port, tick, init, sync, connections);
    }

    private int ensemble(EnsembleZooKeeper.Settings settings) throws Exception {
        List<EnsembleZooKeeper.Member> members = settings.members();
        String warning = EnsembleZooKeeper.check(members, myid, port);
        if (!warning.isEmpty()) {
            spec.commandLine().getErr().println("murder zookeeper: " + warning);
            spec.commandLine().getErr().flush();
        }
        try (EnsembleZooKeeper zk = EnsembleZooKeeper.start(settings);
                DataPurge purge = DataPurge.every(purgeInterval, dataDir.toFile(), dataDir.toFile(), snapRetainCount)) {
            EnsembleZooKeeper.Member self = settings.self();
            spec.commandLine().getOut().println("zookeeper member " + myid + " of " + members.size() + " listening on " + bind + ":" + port
                    + " (peers " + self.host() + ":" + self.peerPort() + ", election " + self.electionPort() + "), data in " + dataDir);
            spec.commandLine().getOut().flush();
            org.murder.core.cli.Termination.onStop(new Thread(zk::close, "murder-zookeeper-stop"));
            zk.awaitStop();
        }
        return 0;
    }
}
