package org.murder.orchestrator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.murder.core.MurderException;
import org.murder.orchestrator.zk.Zk;
import org.murder.orchestrator.zk.ZkSettings;

/** An agent started before its ensemble (no quorum at boot): it waits for it, where it exited after --zk-timeout. */
class AgentConnectTest {
    @Test
    void anEnsembleNotThereYetIsWaitedForAndABadSettingEndsItAtOnce() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ZkSettings settings = ZkSettings.of("127.0.0.1:" + port).withTimeouts(Duration.ofSeconds(4), Duration.ofMillis(500));
        AtomicInteger attempts = new AtomicInteger();
        try (TestingServer later = new TestingServer(port, false)) {
            CuratorFramework client = AgentCommand.connectPatiently(() -> {
                if (attempts.incrementAndGet() == 3) {
                    try {
                        later.start(); // the ensemble comes up while the agent waits
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
                return Zk.connectToWrite(settings);
            }, settings.connect());
            try (client) {
                assertTrue(client.getZookeeperClient().isConnected());
                assertTrue(attempts.get() >= 3, attempts.get() + " attempts");
            }
        }
        MurderException bad = MurderException.badInput("--zk-chroot: no");
        AtomicInteger once = new AtomicInteger();
        assertSame(bad, assertThrows(MurderException.class, () -> AgentCommand.connectPatiently(() -> {
            once.incrementAndGet();
            throw bad;
        }, "x:1")));
        assertEquals(1, once.get(), "a bad setting is not tried again");
        // no member with an address (a typo in --zk): nothing to wait for
        ZkSettings typo = ZkSettings.of("nosuchhost.invalid:2181").withTimeouts(Duration.ofSeconds(4), Duration.ofMillis(300));
        AtomicInteger tries = new AtomicInteger();
        MurderException unresolved = assertThrows(MurderException.class, () -> AgentCommand.connectPatiently(() -> {
            tries.incrementAndGet();
            return Zk.connectToWrite(typo);
        }, typo.connect()));
        assertTrue(unresolved.getMessage().contains("no address for nosuchhost.invalid"), unresolved.getMessage());
        assertEquals(1, tries.get());
    }
}
