package org.murder.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.turn.ttorrent.client.Client;
import com.turn.ttorrent.client.SharedTorrent;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.PortRange;
import org.murder.core.metainfo.MetaInfo;
import org.murder.peer.engine.Engine;
import org.murder.peer.engine.EngineConfig;
import org.murder.peer.engine.SessionListener;
import org.murder.peer.engine.SessionOptions;
import org.murder.peer.engine.Torrent;
import org.murder.peer.storage.Storage;
import org.murder.testkit.FreePorts;
import org.murder.tracker.TrackerConfig;
import org.murder.tracker.TrackerServer;

/**
 * Our engine in real swarms with aria2c, libtorrent, transmission-cli, rtorrent (libtorrent-rakshasa),
 * ctorrent and ttorrent-core 1.5, both directions, through our tracker, all on 127.0.0.x. Transmission refuses every 127.x peer a tracker
 * hands it ("martian" addresses), so on loopback it can only seed; TransmissionInteropIT has it
 * download from our seed across two network namespaces.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class SwarmInteropIT {
    private static final int SIZE = 6 * 1024 * 1024 + 4321;

    @TempDir
    Path tmp;

    private TrackerServer tracker;
    private final List<Engine> engines = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final List<Client> ttorrents = new ArrayList<>();
    private byte[] data;
    private Path seedDir;
    private Path torrent;
    private MetaInfo meta;

    @BeforeEach
    void trackerAndTorrent() throws Exception {
        tracker = TrackerServer.start(TrackerConfig.builder().bind("127.0.0.1").port(0).open(true)
                .interval(Duration.ofSeconds(2)).minInterval(Duration.ofSeconds(1)).ioThreads(1).build(), Clock.systemUTC());
        seedDir = Files.createDirectories(tmp.resolve("seed"));
        data = new byte[SIZE];
        new Random(7).nextBytes(data);
        Files.write(seedDir.resolve("release.tar.gz"), data);
        torrent = tmp.resolve("release.torrent");
        CliRun r = CliRun.of("make-torrent", seedDir.resolve("release.tar.gz").toString(), "--tracker",
                "http://127.0.0.1:" + tracker.port() + "/announce", "--out", torrent.toString(), "--piece-size", "256KiB");
        assertEquals(0, r.exitCode(), r.err());
        meta = MetaInfo.read(torrent);
    }

    @AfterEach
    void stopAll() {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        ttorrents.forEach(Client::stop);
        engines.forEach(Engine::close);
        tracker.close();
    }

    private Engine engine() {
        Engine e = Engine.start(EngineConfig.builder().portRange(new PortRange(44000, 44999))
                .bindAddress(InetAddress.getLoopbackAddress()).build(), Clock.systemUTC());
        engines.add(e);
        return e;
    }

    private void murderSeeds() throws Exception {
        engine().add(meta, Storage.forSeeding(meta, seedDir.resolve("release.tar.gz")), SessionOptions.seedForever(),
                SessionListener.NONE).completed().get(30, TimeUnit.SECONDS);
        waitFor("our seed on the tracker", () -> tracker.registry().scrape(meta.infoHash()).complete() >= 1);
    }

    private void murderDownloads() throws Exception {
        murderDownloads(engine());
    }

    private void murderDownloads(Engine engine) throws Exception {
        Path dest = Files.createDirectories(tmp.resolve("murder"));
        Torrent s = engine.add(meta, Storage.forDownload(meta, dest),
                SessionOptions.download(Optional.of(md5()), Optional.empty()), SessionListener.NONE);
        s.completed().get(90, TimeUnit.SECONDS);
        assertArrayEquals(data, Files.readAllBytes(dest.resolve("release.tar.gz")));
    }

    private String md5() throws IOException {
        return Files.readString(tmp.resolve("release.md5")).split(" ")[0];
    }

    @Test
    void libtorrentDownloadsFromMurder() throws Exception {
        ExternalTools.requireLibtorrent();
        murderSeeds();
        Path dest = Files.createDirectories(tmp.resolve("lt"));
        Process lt = start("libtorrent", ExternalTools.PYTHON, script(), "leech", torrent.toString(), dest.toString(),
                String.valueOf(FreePorts.next()), "90");
        assertTrue(lt.waitFor(100, TimeUnit.SECONDS), "libtorrent did not finish: " + log("libtorrent"));
        assertEquals(0, lt.exitValue(), log("libtorrent"));
        assertArrayEquals(data, Files.readAllBytes(dest.resolve("release.tar.gz")));
    }

    @Test
    void murderDownloadsFromLibtorrent() throws Exception {
        ExternalTools.requireLibtorrent();
        start("libtorrent", ExternalTools.PYTHON, script(), "seed", torrent.toString(), seedDir.toString(),
                String.valueOf(FreePorts.next()), "120");
        waitFor("libtorrent seeding", () -> log("libtorrent").contains("SEEDING"));
        murderDownloads();
    }

    @Test
    void aLibtorrentHybridTorrentWithPaddingFilesGoesFromLibtorrentToMurderAndBack() throws Exception {
        ExternalTools.requireLibtorrent();
        // libtorrent pads each file of a hybrid torrent to a piece (BEP 47): the first two end alike, so two pads share a path
        Path src = Files.createDirectories(tmp.resolve("hybrid/rel/sub"));
        Random random = new Random(47);
        java.util.Map<String, byte[]> files = new java.util.TreeMap<>();
        int[] sizes = {20_000, 36_384, 50_001};
        String[] names = {"a.bin", "b.bin", "sub/c.bin"};
        for (int i = 0; i < names.length; i++) {
            byte[] content = new byte[sizes[i]];
            random.nextBytes(content);
            Files.write(src.getParent().resolve(names[i]), content);
            files.put(names[i], content);
        }
        Path hybrid = tmp.resolve("hybrid.torrent");
        Process make = start("lt-make", ExternalTools.PYTHON, resource("lt_make_hybrid.py"), src.getParent().toString(), "16384",
                "http://127.0.0.1:" + tracker.port() + "/announce", hybrid.toString());
        assertTrue(make.waitFor(60, TimeUnit.SECONDS) && make.exitValue() == 0, log("lt-make"));
        MetaInfo padded = MetaInfo.read(hybrid);
        assertTrue(padded.files().stream().filter(org.murder.core.metainfo.TorrentFile::padding).count() >= 2, padded.files().toString());

        Process ltSeed = start("libtorrent", ExternalTools.PYTHON, script(), "seed", hybrid.toString(), tmp.resolve("hybrid").toString(),
                String.valueOf(FreePorts.next()), "120");
        waitFor("libtorrent seeding", () -> log("libtorrent").contains("SEEDING"));
        Path dest = Files.createDirectories(tmp.resolve("murder-hybrid"));
        engine().add(padded, Storage.forDownload(padded, dest), SessionOptions.download(Optional.empty(), Optional.empty()),
                SessionListener.NONE).completed().get(60, TimeUnit.SECONDS);
        for (java.util.Map.Entry<String, byte[]> f : files.entrySet()) {
            assertArrayEquals(f.getValue(), Files.readAllBytes(dest.resolve("rel").resolve(f.getKey())), f.getKey());
        }
        assertTrue(!Files.exists(dest.resolve("rel/.pad")), "no padding file on disk");

        ltSeed.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // murder's copy is the only one now
        Path ltDest = Files.createDirectories(tmp.resolve("lt-hybrid"));
        Process leech = start("libtorrent-leech", ExternalTools.PYTHON, script(), "leech", hybrid.toString(), ltDest.toString(),
                String.valueOf(FreePorts.next()), "90");
        assertTrue(leech.waitFor(100, TimeUnit.SECONDS), "libtorrent did not finish: " + log("libtorrent-leech"));
        assertEquals(0, leech.exitValue(), log("libtorrent-leech"));
        for (java.util.Map.Entry<String, byte[]> f : files.entrySet()) {
            assertArrayEquals(f.getValue(), Files.readAllBytes(ltDest.resolve("rel").resolve(f.getKey())), f.getKey());
        }
    }

    /** A script of src/test/resources/interop (tests run in the module directory). */
    private static String resource(String name) {
        Path script = Path.of("src", "test", "resources", "interop", name).toAbsolutePath();
        assertTrue(Files.isRegularFile(script), "missing " + script);
        return script.toString();
    }

    @Test
    void aria2cDownloadsFromMurder() throws Exception {
        ExternalTools.require("aria2c", "aria2");
        murderSeeds();
        Path dest = Files.createDirectories(tmp.resolve("aria2"));
        Process a = start("aria2c", aria2c(dest, "--seed-time=0", "--check-integrity=true"));
        assertTrue(a.waitFor(100, TimeUnit.SECONDS), "aria2c did not finish: " + log("aria2c"));
        assertEquals(0, a.exitValue(), log("aria2c"));
        assertArrayEquals(data, Files.readAllBytes(dest.resolve("release.tar.gz")));
    }

    @Test
    void murderDownloadsFromAria2c() throws Exception {
        ExternalTools.require("aria2c", "aria2");
        start("aria2c", aria2c(seedDir, "--check-integrity=true", "--seed-ratio=0", "--seed-time=3"));
        waitFor("aria2c seeding", () -> tracker.registry().scrape(meta.infoHash()).complete() >= 1);
        murderDownloads();
    }

    @Test
    void murderDownloadsFromTransmission() throws Exception {
        ExternalTools.require("transmission-cli", "transmission-cli");
        Path config = Files.createDirectories(tmp.resolve("transmission-config"));
        start("transmission", "transmission-cli", "-w", seedDir.toString(), "-g", config.toString(), "-p",
                String.valueOf(FreePorts.next()), "-M", "-ep", torrent.toString());
        waitFor("transmission seeding", () -> tracker.registry().scrape(meta.infoHash()).complete() >= 1);
        murderDownloads();
    }

    @Test
    void rtorrentDownloadsFromMurder() throws Exception {
        ExternalTools.require("rtorrent", "rtorrent");
        murderSeeds();
        Path dest = Files.createDirectories(tmp.resolve("rtorrent"));
        rtorrent(dest);
        Path file = dest.resolve("release.tar.gz");
        // rtorrent writes in place and has no "done, exit" mode: the bytes are what we wait on
        waitFor("rtorrent to hold the release", () -> sameBytes(file));
    }

    @Test
    void murderDownloadsFromRtorrent() throws Exception {
        ExternalTools.require("rtorrent", "rtorrent");
        rtorrent(seedDir);
        waitFor("rtorrent seeding", () -> tracker.registry().scrape(meta.infoHash()).complete() >= 1);
        murderDownloads();
    }

    @Test
    void ctorrentDownloadsFromMurder() throws Exception {
        ExternalTools.require("ctorrent", "ctorrent");
        // ctorrent takes any peer at the address it reaches the tracker from (127.0.0.1) for itself: our seed is on another
        otherAddress("127.0.0.2").add(meta, Storage.forSeeding(meta, seedDir.resolve("release.tar.gz")), SessionOptions.seedForever(),
                SessionListener.NONE).completed().get(30, TimeUnit.SECONDS);
        waitFor("our seed on the tracker", () -> tracker.registry().scrape(meta.infoHash()).complete() >= 1);
        Path file = Files.createDirectories(tmp.resolve("ctorrent")).resolve("release.tar.gz");
        Process c = start("ctorrent", "ctorrent", "-e", "0", "-p", String.valueOf(FreePorts.next()), "-s", file.toString(),
                torrent.toString());
        assertTrue(c.waitFor(100, TimeUnit.SECONDS), "ctorrent did not finish: " + log("ctorrent"));
        assertEquals(0, c.exitValue(), log("ctorrent"));
        assertArrayEquals(data, Files.readAllBytes(file));
    }

    @Test
    void murderDownloadsFromCtorrent() throws Exception {
        ExternalTools.require("ctorrent", "ctorrent");
        start("ctorrent", "ctorrent", "-e", "1", "-p", String.valueOf(FreePorts.next()), "-s",
                seedDir.resolve("release.tar.gz").toString(), torrent.toString());
        waitFor("ctorrent seeding", () -> tracker.registry().scrape(meta.infoHash()).complete() >= 1);
        murderDownloads(otherAddress("127.0.0.3")); // it refuses connections from its own address too
    }

    /** An engine on {@code address} that tells the tracker so. */
    private Engine otherAddress(String address) throws IOException {
        Engine e = Engine.start(EngineConfig.builder().portRange(new PortRange(44000, 44999))
                .bindAddress(InetAddress.getByName(address)).announceIp(address).build(), Clock.systemUTC());
        engines.add(e);
        return e;
    }

    /** rtorrent 0.9 without a terminal, its files in {@code dir}, on 127.0.0.1 and only our tracker (no DHT, PEX or UDP). */
    private void rtorrent(Path dir) throws IOException {
        Path session = Files.createDirectories(tmp.resolve("rtorrent-session"));
        int port = FreePorts.next();
        start("rtorrent", "rtorrent", "-n", "-o", "system.daemon.set=true", "-o", "directory.default.set=" + dir,
                "-o", "session.path.set=" + session, "-o", "network.port_range.set=" + port + "-" + port,
                "-o", "network.bind_address.set=127.0.0.1", "-o", "dht.mode.set=disable", "-o", "protocol.pex.set=no",
                "-o", "trackers.use_udp.set=no", "-o", "load.start=" + torrent);
    }

    private boolean sameBytes(Path file) {
        try {
            return Files.size(file) == data.length && java.util.Arrays.equals(data, Files.readAllBytes(file));
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void ttorrentDownloadsFromMurderAndMurderFromTtorrent() throws Exception {
        murderSeeds();
        Path dest = Files.createDirectories(tmp.resolve("ttorrent"));
        Client leech = new Client(InetAddress.getLoopbackAddress(), SharedTorrent.fromFile(torrent.toFile(), dest.toFile()));
        ttorrents.add(leech);
        leech.download();
        waitFor("ttorrent to finish", () -> leech.getTorrent().isComplete());
        assertArrayEquals(data, Files.readAllBytes(dest.resolve("release.tar.gz")));
        engines.forEach(Engine::close);
        engines.clear();
        leech.stop();
        // now a fresh ttorrent client, checking what it downloaded, is the only seed
        Client seed = new Client(InetAddress.getLoopbackAddress(), SharedTorrent.fromFile(torrent.toFile(), dest.toFile()));
        ttorrents.add(seed);
        seed.share();
        waitFor("ttorrent seeding on the tracker", () -> tracker.registry().scrape(meta.infoHash()).complete() >= 1);
        murderDownloads();
    }

    private List<String> aria2c(Path dir, String... extra) {
        List<String> cmd = new ArrayList<>(List.of("aria2c", "--dir=" + dir, "--enable-dht=false", "--enable-dht6=false",
                "--bt-enable-lpd=false", "--enable-peer-exchange=false", "--file-allocation=none",
                "--listen-port=" + FreePorts.next(), "--bt-stop-timeout=90", "--summary-interval=0", "--console-log-level=warn"));
        cmd.addAll(List.of(extra));
        cmd.add(torrent.toString());
        return cmd;
    }

    /** The libtorrent client the loopback benchmark uses too (tests run in the module directory). */
    private static String script() {
        Path script = Path.of("..", "bench", "lt_client.py").toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(script), "missing " + script);
        return script.toString();
    }

    private Process start(String name, String... command) throws IOException {
        return start(name, List.of(command));
    }

    private Process start(String name, List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(tmp.resolve(name + ".log").toFile()).start();
        processes.add(p);
        return p;
    }

    private String log(String name) {
        try {
            return Files.readString(tmp.resolve(name + ".log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }


    /** Polls an external process's observable state; there is no event to wait on across processes. */
    private static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after 60 s waiting for " + what);
            }
            Thread.sleep(100);
        }
    }
}
