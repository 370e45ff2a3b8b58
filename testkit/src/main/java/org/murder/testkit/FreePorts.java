package org.murder.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for a process a test starts to bind itself (a ZooKeeper member, transmission-cli, aria2c):
 * free on 127.0.0.1 and below the kernel's ephemeral range (32768 and up by default). A port the
 * kernel hands out for a bind to 0 is free only until the kernel hands it out again, to any
 * outgoing connection: with a thousand agents connecting, a ZooKeeper member once found its
 * election port taken between the check and its own bind; a loopback bench lost a leecher the same
 * way. Ports below the range are never handed out that way. Never the same port twice in one JVM.
 */
public final class FreePorts {
    static final int LOW = 20_000;
    static final int COUNT = 12_000;
    private static final Set<Integer> GIVEN = new HashSet<>();

    private FreePorts() {
    }

    /** A port free now, in 20000-31999, not given before by this JVM. */
    public static synchronized int next() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 500; attempt++) {
            int port = LOW + random.nextInt(COUNT);
            if (GIVEN.contains(port)) {
                continue; // free again once checked: never hand one out twice
            }
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                GIVEN.add(port);
                return s.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        throw new UncheckedIOException(new IOException("no free port in " + LOW + "-" + (LOW + COUNT - 1)
                + " on 127.0.0.1 after 500 tries"));
    }
}
