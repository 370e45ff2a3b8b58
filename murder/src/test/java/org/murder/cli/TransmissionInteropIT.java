package org.murder.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * transmission-cli downloading from {@code murder seed}: the direction SwarmInteropIT cannot test
 * on 127.0.0.1, because transmission drops every loopback peer a tracker hands it. Here the
 * tracker and our seed run in one network namespace (10.214.0.1), transmission in another
 * (10.214.0.2), joined by a veth pair, all through the built launcher.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class TransmissionInteropIT {
    @TempDir
    Path tmp;

    private Netns netns;

    @AfterEach
    void cleanUp() {
        if (netns != null) {
            netns.close();
        }
    }

    @Test
    void transmissionDownloadsFromMurderSeed() throws Exception {
        Netns.requireTool("transmission-cli", "transmission-cli");
        netns = Netns.open();
        String a = netns.add();
        String b = netns.add();
        netns.link(a, "10.214.0.1/24", b, "10.214.0.2/24");

        byte[] data = new byte[5 * 1024 * 1024 + 333];
        new Random(9).nextBytes(data);
        Path seedDir = Files.createDirectories(tmp.resolve("seed"));
        Files.write(seedDir.resolve("release.bin"), data);
        Path torrent = tmp.resolve("release.torrent");
        CliRun made = CliRun.of("make-torrent", seedDir.resolve("release.bin").toString(), "--tracker",
                "http://10.214.0.1:8998/announce", "--out", torrent.toString(), "--piece-size", "256KiB");
        assertEquals(0, made.exitCode(), made.err());

        Process seed = netns.trackerAndSeed(a, "10.214.0.1", torrent, seedDir.resolve("release.bin"), "6881-6889", tmp);
        Path seedLog = tmp.resolve("seed.log");

        Path dest = Files.createDirectories(tmp.resolve("transmission"));
        Path config = Files.createDirectories(tmp.resolve("transmission-config"));
        Path log = tmp.resolve("transmission.log");
        Process transmission = netns.start(b, List.of("transmission-cli", "-w", dest.toString(), "-g", config.toString(),
                "-p", "51413", "-ep", torrent.toString()), log);
        Path got = dest.resolve("release.bin");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        // transmission-cli seeds on after finishing and says nothing a test could wait on, so poll the file
        while (!(Files.isRegularFile(got) && Files.size(got) == data.length && Arrays.equals(data, Files.readAllBytes(got)))) {
            if (!transmission.isAlive()) {
                fail("transmission-cli exited " + transmission.exitValue() + ":\n" + Files.readString(log));
            }
            if (System.nanoTime() > end) {
                fail("transmission-cli did not get the file from our seed in 90 s:\n" + Files.readString(log)
                        + "\nseed log:\n" + Files.readString(seedLog));
            }
            Thread.sleep(200);
        }
        assertArrayEquals(data, Files.readAllBytes(got));
        assertTrue(seed.isAlive(), "our seed kept running");
    }
}
