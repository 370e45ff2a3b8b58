package org.murder.orchestrator.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.murder.core.MurderException;
import org.murder.core.cli.LoggingOptions;
import org.murder.orchestrator.zk.StandaloneZooKeeper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code murder zookeeper}: a standalone ZooKeeper server for small installs and the demo. */
@Command(name = "zookeeper", description = {"Run a standalone ZooKeeper server (the Apache ZooKeeper jar murder ships) until stopped.",
    "For production, run a 3- or 5-node ensemble (Debian package 'zookeeper') and point --zk at it."})
public final class ZooKeeperCommand implements Callable<Integer> {
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

    @Override
    public Integer call() throws Exception {
        if (port < 1 || port > 65535) {
            throw MurderException.badInput("--port: " + port + " (expected: 1 to 65535)");
        }
        Files.createDirectories(dataDir);
        try (StandaloneZooKeeper zk = StandaloneZooKeeper.start(dataDir, bind, port)) {
            spec.commandLine().getOut().println("zookeeper listening on " + bind + ":" + zk.port() + ", data in " + dataDir);
            spec.commandLine().getOut().flush();
            org.murder.core.cli.Termination.onStop(new Thread(zk::close, "murder-zookeeper-stop"));
            zk.awaitStop();
        }
        return 0;
    }
}
