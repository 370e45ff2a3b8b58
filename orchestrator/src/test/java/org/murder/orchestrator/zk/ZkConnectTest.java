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
        try (ServerSocket silent = silentServer(held)) {
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
                    + silent.getLocalPort()).withTimeouts(Duration.ofSeconds(4), Duration.ofSeconds(1))));
            assertEquals("ZooKeeper nosuchhost.invalid:2181,127.0.0.1:" + silent.getLocalPort() + ": not reachable within 4s (--zk-timeout"
                    + " 1s, and what ZooKeeper's client gives the other member, tried in turn); no address for nosuchhost.invalid (expected:"
                    + " a running ensemble; for one box see 'murder zookeeper')", dns.getMessage());
        } finally {
            synchronized (held) {
                for (Socket s : held) {
                    s.close();
                }
            }
        }
    }

    /**
     * Members that accept and never answer (a hung process; a host that is off costs the same wait) ahead of a live one:
     * ZooKeeper's client gives each the session timeout over the members listed before it tries the next, in a random
     * order. The first connection waits for that too: with --zk-timeout alone, a third of the commands failed with one
     * member of three down.
     */
    @Test
    void membersThatNeverAnswerAreWaitedPastToALiveOne() throws Exception {
        List<Socket> held = java.util.Collections.synchronizedList(new ArrayList<>());
        try (ServerSocket hungA = silentServer(held);
                ServerSocket hungB = silentServer(held);
                org.apache.curator.test.TestingServer live = new org.apache.curator.test.TestingServer(true)) {
            ZkSettings settings = ZkSettings.of("127.0.0.1:" + hungA.getLocalPort() + ",127.0.0.1:" + hungB.getLocalPort() + ","
                    + live.getConnectString()).withTimeouts(Duration.ofSeconds(6), Duration.ofSeconds(3));
            assertEquals(Duration.ofSeconds(9), Zk.connectWait(settings), "3 s, and 2 s and 1 s for each of the other two");
            assertEquals(Duration.ofSeconds(70), Zk.connectWait(ZkSettings.of("a:1,b:1,c:1").withTimeouts(Duration.ofMinutes(10),
                    Duration.ofSeconds(10))), "at most a minute more");
            for (int i = 0; i < 3; i++) { // each a new random order: without the wait, two in three ended at 3 s
                try (org.apache.curator.framework.CuratorFramework zk = Zk.connect(settings)) {
                    assertTrue(zk.getZookeeperClient().isConnected());
                }
            }
        } finally {
            synchronized (held) {
                for (Socket s : held) {
                    s.close();
                }
            }
        }
    }

    private static ServerSocket silentServer(List<Socket> held) throws java.io.IOException {
        ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
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
        return silent;
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
