package org.murder.tracker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.InfoHash;
import org.murder.core.bencode.BDict;
import org.murder.core.metainfo.MetaInfo;
import org.murder.testkit.FreePorts;

/**
 * Real BitTorrent clients against our tracker, all on 127.0.0.1: libtorrent seeds a file made by
 * mktorrent, aria2c and transmission-cli download it, and every peer list they get comes from
 * our tracker (DHT, LSD and PEX off). Each step has a bounded wait.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TrackerInteropIT {
    private static final int SIZE = 3 << 20;

    @TempDir
    Path tmp;

    private TrackerServer server;
    private TrackerClient client;
    private final List<Process> processes = new ArrayList<>();
    private byte[] data;
    private Path torrent;
    private InfoHash infoHash;

    @BeforeEach
    void startTracker() {
        server = TrackerServer.start(TrackerConfig.builder().bind("127.0.0.1").port(0).open(false)
                .interval(Duration.ofSeconds(2)).minInterval(Duration.ofSeconds(1)).peerTimeout(Duration.ofSeconds(30))
                .ioThreads(1).accessLog(true).build(), Clock.systemUTC());
        client = new TrackerClient(server.port());
    }

    @AfterEach
    void stopAll() {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        server.close();
    }

    /** A random file made into a private torrent by mktorrent, registered over HTTP like the orchestrator does. */
    private void makeAndRegisterTorrent() throws Exception {
        Path mktorrent = InteropTools.require("mktorrent", "mktorrent");
        Path seedDir = Files.createDirectories(tmp.resolve("seed"));
        data = new byte[SIZE];
        new Random(42).nextBytes(data);
        Files.write(seedDir.resolve("release.bin"), data);
        torrent = tmp.resolve("release.torrent");
        run(List.of(mktorrent.toString(), "-p", "-l", "16", "-a", client.base() + "/announce", "-o", torrent.toString(),
                seedDir.resolve("release.bin").toString()), Duration.ofSeconds(30));
        infoHash = MetaInfo.read(torrent).infoHash();
        int status = client.send(HttpRequest.newBuilder(URI.create(client.base() + "/whitelist/" + infoHash))
                .POST(HttpRequest.BodyPublishers.noBody())).statusCode();
        assertEquals(201, status);
    }

    /** libtorrent seeding from tmp/seed; returns once our tracker counts it as a seeder. */
    private Process startLibtorrentSeed() throws Exception {
        InteropTools.requireLibtorrent();
        Path script = tmp.resolve("lt_seed.py");
        try (InputStream in = getClass().getResourceAsStream("/interop/lt_seed.py")) {
            Files.write(script, in.readAllBytes());
        }
        Process seed = start(List.of(InteropTools.PYTHON, script.toString(), torrent.toString(), tmp.resolve("seed").toString(),
                String.valueOf(FreePorts.next()), "100"), "libtorrent");
        waitFor("libtorrent to announce itself as a seeder", Duration.ofSeconds(30),
                () -> server.registry().scrape(infoHash).complete() >= 1);
        return seed;
    }

    @Test
    void aria2cDownloadsFromALibtorrentSeedThroughOurTracker() throws Exception {
        Path aria2c = InteropTools.require("aria2c", "aria2");
        makeAndRegisterTorrent();
        startLibtorrentSeed();
        downloadWithAria2c(aria2c);
    }

    private void downloadWithAria2c(Path aria2c) throws Exception {
        Path dest = Files.createDirectories(tmp.resolve("aria2"));
        Process leech = start(List.of(aria2c.toString(), "--dir=" + dest, "--seed-time=0", "--enable-dht=false",
                "--enable-dht6=false", "--bt-enable-lpd=false", "--enable-peer-exchange=false", "--file-allocation=none",
                "--listen-port=" + FreePorts.next(), "--bt-stop-timeout=60", "--summary-interval=0", "--console-log-level=warn",
                "--check-integrity=true", torrent.toString()), "aria2c");
        assertTrue(leech.waitFor(90, TimeUnit.SECONDS), () -> "aria2c did not finish in 90 s; swarm "
                + server.registry().scrape(infoHash) + allLogs());
        assertEquals(0, leech.exitValue(), () -> "aria2c failed; swarm " + server.registry().scrape(infoHash) + allLogs());
        assertArrayEquals(data, Files.readAllBytes(dest.resolve("release.bin")));
        waitFor("aria2c's completed event", Duration.ofSeconds(10), () -> server.registry().scrape(infoHash).downloaded() >= 1);
        BDict scrape = client.getDict("/scrape?info_hash=" + TrackerClient.percent(infoHash.toBytes()));
        BDict stats = (BDict) ((BDict) scrape.get("files").orElseThrow()).get(new String(infoHash.toBytes(),
                StandardCharsets.ISO_8859_1)).orElseThrow();
        assertEquals(1, TrackerClient.integer(stats, "downloaded"));
    }

    /**
     * transmission-cli seeds and aria2c downloads from it. (Transmission drops every 127.x.x.x peer
     * a tracker hands it as a "martian" address, so on loopback it can only be the seed: it
     * announces, our tracker hands its address to aria2c, aria2c connects in.)
     */
    @Test
    void aria2cDownloadsFromATransmissionSeedThroughOurTracker() throws Exception {
        Path transmission = InteropTools.require("transmission-cli", "transmission-cli");
        Path aria2c = InteropTools.require("aria2c", "aria2");
        makeAndRegisterTorrent();
        Path config = Files.createDirectories(tmp.resolve("transmission-config"));
        start(List.of(transmission.toString(), "-w", tmp.resolve("seed").toString(), "-g", config.toString(),
                "-p", String.valueOf(FreePorts.next()), "-M", "-ep", torrent.toString()), "transmission");
        waitFor("transmission-cli to announce itself as a seeder", Duration.ofSeconds(30),
                () -> server.registry().scrape(infoHash).complete() >= 1);
        downloadWithAria2c(aria2c);
    }

    @Test
    void libtorrentReceivesPeersFromOurTracker() throws Exception {
        makeAndRegisterTorrent();
        Process seed = startLibtorrentSeed();
        // a leecher announces: libtorrent, reannouncing every 2 s, must be handed this peer by our tracker
        client.announce(infoHash.toBytes(), TrackerClient.id20(77), FreePorts.next(), SIZE, "event=started");
        waitFor("libtorrent to get a peer list with our fake leecher", Duration.ofSeconds(20),
                () -> log("libtorrent").contains("TRACKER reply: 1 peers"));
        assertTrue(seed.isAlive());
    }

    // ---- helpers ----

    private Process start(List<String> command, String name) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(tmp.resolve(name + ".log").toFile()).start();
        processes.add(p);
        return p;
    }

    private void run(List<String> command, Duration timeout) throws Exception {
        Process p = start(command, "run");
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) || p.exitValue() != 0) {
            fail(command + " failed: " + log("run"));
        }
    }

    private String log(String name) {
        try {
            String s = Files.readString(tmp.resolve(name + ".log"), StandardCharsets.ISO_8859_1);
            return s.length() > 4000 ? "..." + s.substring(s.length() - 4000) : s;
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Every client's log (the end of each): a failure with two clients is the other one's as often. */
    private String allLogs() {
        StringBuilder logs = new StringBuilder();
        try (var files = Files.list(tmp)) {
            files.filter(f -> f.toString().endsWith(".log")).sorted()
                    .forEach(f -> logs.append("\n--- ").append(f.getFileName()).append(":\n")
                            .append(log(f.getFileName().toString().replace(".log", ""))));
        } catch (IOException e) {
            logs.append(e);
        }
        return logs.toString();
    }

    private void waitFor(String what, Duration timeout, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeout.toSeconds() + " s waiting for " + what + "; swarm "
                        + server.registry().scrape(infoHash) + allLogs());
            }
            Thread.sleep(100);
        }
    }

}
