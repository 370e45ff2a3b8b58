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
        } finally {
            synchronized (held) {
                for (Socket s : held) {
                    s.close();
                }
            }
        }
    }
}
