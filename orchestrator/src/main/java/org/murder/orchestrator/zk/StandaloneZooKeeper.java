package org.murder.orchestrator.zk;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZooKeeperServer;
import org.apache.zookeeper.server.persistence.FileTxnSnapLog;
import org.murder.core.MurderException;

/** A standalone ZooKeeper server in this process, for {@code murder zookeeper} and {@code murder demo}. */
public final class StandaloneZooKeeper implements AutoCloseable {
    private final ServerCnxnFactory factory;
    private final ZooKeeperServer server;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private StandaloneZooKeeper(ServerCnxnFactory factory, ZooKeeperServer server) {
        this.factory = factory;
        this.server = server;
    }

    /** Starts on {@code bind:port} (port 0: any free port) with data under {@code dataDir}. */
    public static StandaloneZooKeeper start(Path dataDir, String bind, int port) {
        System.setProperty("zookeeper.admin.enableServer", "false");
        try {
            FileTxnSnapLog log = new FileTxnSnapLog(logDir(dataDir).toFile(), snapDir(dataDir).toFile());
            ZooKeeperServer server = new ZooKeeperServer(log, 2000, 4000, 60000, -1, new org.apache.zookeeper.server.ZKDatabase(log),
                    "");
            ServerCnxnFactory factory = ServerCnxnFactory.createFactory(new InetSocketAddress(bind, port), 1000);
            factory.startup(server);
            return new StandaloneZooKeeper(factory, server);
        } catch (IOException e) {
            throw MurderException.failure("zookeeper on " + bind + ":" + port + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw MurderException.failure("interrupted while starting zookeeper", e);
        }
    }

    /** Where the transaction logs of a server with data under {@code dataDir} go (ZooKeeper adds version-2). */
    public static Path logDir(Path dataDir) {
        return dataDir.resolve("log");
    }

    /** Where its snapshots go (ZooKeeper adds version-2). */
    public static Path snapDir(Path dataDir) {
        return dataDir.resolve("snap");
    }

    public int port() {
        return factory.getLocalPort();
    }

    public String connectString() {
        return "127.0.0.1:" + port();
    }

    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    @Override
    public void close() {
        if (stopped.getCount() == 0) {
            return;
        }
        factory.shutdown();
        server.shutdown();
        stopped.countDown();
    }
}
