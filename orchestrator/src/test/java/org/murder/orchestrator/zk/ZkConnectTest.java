package org.murder.orchestrator.zk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.murder.core.MurderException;

/** Connecting to an ensemble that is not there, or not answering: one line, at --zk-timeout. */
class ZkConnectTest {
    @Test
    void aPortThatAcceptsAndNeverAnswersFailsAtTheConnectTimeoutNotTheSessionTimeout() throws Exception {
        List<Socket> held = java.util.Collections.synchronizedList(new ArrayList<>());
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (!silent.isClosed()) {
                        held.add(silent.accept()); // accepted and never answered
                    }
                } catch (java.io.IOException closed) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            ZkSettings settings = ZkSettings.of("127.0.0.1:" + silent.getLocalPort())
                    .withTimeouts(Duration.ofSeconds(90), Duration.ofSeconds(1));
            long started = System.nanoTime();
            MurderException e = assertThrows(MurderException.class, () -> Zk.connect(settings));
            long seconds = (System.nanoTime() - started) / 1_000_000_000L;
            assertEquals("ZooKeeper 127.0.0.1:" + silent.getLocalPort() + ": not reachable within 1s (expected: a running ensemble;"
                    + " for one box see 'murder zookeeper')", e.getMessage());
            // the close of a client that never connected waited for its read timeout, two thirds of the session (60 s here)
            assertTrue(seconds < 30, "ended after " + seconds + " s");
            // a host with no address says so (.invalid never resolves: RFC 2606)
            MurderException dns = assertThrows(MurderException.class, () -> Zk.connect(ZkSettings.of("nosuchhost.invalid:2181,127.0.0.1:"
                    + silent.getLocalPort()).withTimeouts(Duration.ofSeconds(90), Duration.ofSeconds(1))));
            assertEquals("ZooKeeper nosuchhost.invalid:2181,127.0.0.1:" + silent.getLocalPort() + ": not reachable within 1s; no address"
                    + " for nosuchhost.invalid (expected: a running ensemble; for one box see 'murder zookeeper')", dns.getMessage());
        } finally {
            synchronized (held) {
                for (Socket s : held) {
                    s.close();
                }
            }
        }
    }

    /**
     * A listing of 5,000 children of 236-character names is 1.2 MB, over a ZooKeeper client's default
     * answer size: anyone who can write /jobs made agents drop their connection at every listing.
     */
    @Test
    void aListingOfOverAMegabyteIsRead() throws Exception {
        try (org.apache.curator.test.TestingServer server = new org.apache.curator.test.TestingServer(true);
                org.apache.curator.framework.CuratorFramework zk = Zk.connect(ZkSettings.of(server.getConnectString())
                        .withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(5)))) {
            zk.createContainers(ZkPaths.JOBS);
            String prefix = "j".repeat(230);
            java.util.concurrent.CountDownLatch made = new java.util.concurrent.CountDownLatch(5000);
            for (int i = 0; i < 5000; i++) {
                zk.create().inBackground((c, e) -> made.countDown()).forPath(ZkPaths.JOBS + "/" + prefix + String.format("%05d", i));
            }
            assertTrue(made.await(60, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(5000, zk.getChildren().forPath(ZkPaths.JOBS).size());
        }
    }
}
