package org.murder.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.cli.Cli;
import picocli.CommandLine;

class TrackerCommandTest {
    @TempDir
    Path tmp;

    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = Cli.create(new TrackerCommand());
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(new StringWriter(), true));
        return cl.execute(args);
    }

    private static TrackerConfig parse(String... args) {
        TrackerCommand c = new TrackerCommand();
        Cli.create(c).parseArgs(args);
        return c.config();
    }

    @Test
    void optionsReachTheConfig() throws Exception {
        Path token = tmp.resolve("token");
        Files.writeString(token, "0123456789abcdef0123\n");
        TrackerConfig c = parse("--bind", "127.0.0.1", "--port", "9000", "--interval", "30s", "--whitelist", tmp.toString(),
                "--state", tmp.resolve("s").toString(), "--admin-token-file", token.toString(), "--max-peers-per-swarm", "7",
                "--access-log", "--ignore-ip-param");
        assertEquals("127.0.0.1", c.bind());
        assertEquals(9000, c.port());
        assertEquals(Duration.ofSeconds(30), c.interval());
        assertEquals(Duration.ofMinutes(2), c.peerTimeout());
        assertEquals(tmp, c.whitelistDir().orElseThrow());
        assertEquals("0123456789abcdef0123", c.adminToken().orElseThrow());
        assertEquals(7, c.maxPeersPerSwarm());
        assertTrue(c.accessLog());
        assertTrue(!c.acceptIpParameter());
        assertTrue(parse("--open").open());
    }

    @Test
    void badUsageExitsTwo() throws Exception {
        assertEquals(2, run("--open", "--whitelist", tmp.toString()));
        assertTrue(err.toString().contains("mutually exclusive"), err.toString());
        assertEquals(2, run("--port", "70000"));
        assertTrue(err.toString().contains("murder: --port: 70000 (expected: 0 to 65535 (0: any free port))"), err.toString());
        assertEquals(2, run("--interval", "soon"));
        assertEquals(2, run("--whitelist", tmp.resolve("missing").toString(), "--port", "0"));
        assertTrue(err.toString().contains("not a directory"), err.toString());
        assertEquals(2, run("--open", "--port", "0", "--state", tmp.resolve("missing/state").toString()));
        assertTrue(err.toString().contains("murder: --state " + tmp.resolve("missing/state") + ": no directory " + tmp.resolve("missing")
                + " (expected: a file in an existing directory)"), err.toString());
        assertEquals(2, run("--open", "--port", "0", "--state", tmp.toString()));
        assertTrue(err.toString().contains("murder: --state " + tmp + ": is a directory"), err.toString());
        // a directory nobody can create files in, root included (a read-only mount would do the same)
        assertEquals(2, run("--open", "--port", "0", "--state", "/proc/murder-tracker.state"));
        assertTrue(err.toString().contains("murder: --state /proc/murder-tracker.state: cannot write in /proc: "), err.toString());
        assertTrue(err.toString().contains("(expected: a directory this user can write, for a file to keep the state in)"), err.toString());
        Path fifo = tmp.resolve("state.fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        assertEquals(2, run("--open", "--port", "0", "--state", fifo.toString()), "a FIFO blocked the start for ever");
        assertTrue(err.toString().contains("murder: --state " + fifo + ": not a regular file (expected: a file to keep the state in, or"
                + " none yet)"), err.toString());
        assertEquals(2, run("--open", "--port", "0", "--threads", "0"));
        assertTrue(err.toString().contains("murder: --threads: 0 (expected: 1 to 256)"), err.toString());
    }

    @Test
    void aPortInUseExitsOneWithOneLine() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            assertEquals(1, run("--open", "--bind", "127.0.0.1", "--port", String.valueOf(port)));
            assertEquals("murder: cannot listen on 127.0.0.1:" + port + ": address already in use", err.toString().strip());
        }
    }

    @Test
    void anAddressNotOfThisMachineIsBadInput() {
        // 192.0.2.1 is TEST-NET-1 (RFC 5737), on no machine's interfaces: bind(2) fails here, no packet is sent
        assertEquals(2, run("--open", "--bind", "192.0.2.1", "--port", "0"));
        assertTrue(err.toString().startsWith("murder: cannot listen on 192.0.2.1:0: not an address of this machine (expected: --bind"
                + " with one of its IP addresses, or 0.0.0.0)"), err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
    }
}
