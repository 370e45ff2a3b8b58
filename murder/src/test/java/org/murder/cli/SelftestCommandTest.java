package org.murder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** `murder selftest`: the whole transfer path in one process, over 127.0.0.1. */
@Timeout(120)
class SelftestCommandTest {
    private static long selftestDirs() throws IOException {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("murder-selftest-")).count();
        }
    }

    @Test
    void downloadsThroughTheTrackerVerifiesAndCleansUp() throws Exception {
        long before = selftestDirs();
        CliRun r = CliRun.of("selftest", "--size", "3MiB", "--port-range", "47100-47199");
        assertEquals(0, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("peer       3 MiB downloaded and verified (md5 and every piece)"), r.out());
        assertTrue(r.out().strip().endsWith("selftest ok"), r.out());
        assertEquals(before, selftestDirs(), "the work directory is removed");
    }

    @Test
    void namesTheStepThatFailedWhenNoPortIsFree() throws Exception {
        // A port the kernel handed to this test: a fixed one can be some other connection's ephemeral port.
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            String port = Integer.toString(taken.getLocalPort());
            CliRun r = CliRun.of("selftest", "--size", "1MiB", "--port-range", port);
            assertEquals(1, r.exitCode(), r.out() + r.err());
            assertTrue(r.err().contains(port), r.err());
        }
    }

    @Test
    void refusesASizeOutOfRangeAsBadUsage() {
        CliRun r = CliRun.of("selftest", "--size", "5GiB");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--size: 5 GiB (expected: 1 byte to 4 GiB)"), r.err());
    }
}
