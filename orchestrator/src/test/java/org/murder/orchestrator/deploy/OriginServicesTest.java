package org.murder.orchestrator.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.MurderException;
import org.murder.core.PortRange;
import org.murder.tracker.TrackerConfig;
import org.murder.tracker.TrackerServer;

/** Which tracker a deploy leans on: a real tracker on a real port, found by its HTTP probe. */
class OriginServicesTest {
    @TempDir
    Path work;

    private DeployRequest request(String tag, int trackerPort) {
        return DeployRequest.builder().source(Optional.of(work)).tag(tag).hostGlobs(List.of("h*")).seedTime(Duration.ofSeconds(1))
                .timeout(Duration.ofMinutes(1)).bind("127.0.0.1").trackerPort(trackerPort).advertise("127.0.0.1")
                .seederPorts(new PortRange(46000, 46999)).workDir(work).grace(Duration.ZERO).build();
    }

    @Test
    void aTrackerEmbeddedInAnotherDeployIsRefusedNotLeanedOnAndTheServiceIsUsed() {
        try (TrackerServer otherDeploys = TrackerServer.start(TrackerConfig.builder().bind("127.0.0.1").port(0).open(false)
                .embeddedIn("murder deploy v17 (pid 4242)").build(), Clock.systemUTC())) {
            RunningTracker.Found found = RunningTracker.probe("127.0.0.1", otherDeploys.port()).orElseThrow();
            assertEquals(Optional.of("murder deploy v17 (pid 4242)"), found.embeddedIn());

            MurderException e = assertThrows(MurderException.class,
                    () -> OriginServices.forDeploy(request("v23", otherDeploys.port()), Clock.systemUTC(), DeployMetrics.unregistered()));
            assertEquals("deploy: --tracker-port " + otherDeploys.port() + ": the tracker there is embedded in murder deploy v17 (pid"
                    + " 4242) and stops when it ends (expected: the murder-tracker service on this host for deploys at once, or another"
                    + " --tracker-port for this one)", e.getMessage());
            assertEquals(MurderException.FAILURE, e.exitCode());
        }
        try (TrackerServer service = TrackerServer.start(TrackerConfig.builder().bind("127.0.0.1").port(0).open(false).build(),
                Clock.systemUTC());
                OriginServices origin = OriginServices.forDeploy(request("v23", service.port()), Clock.systemUTC(),
                        DeployMetrics.unregistered())) {
            assertEquals(Optional.empty(), RunningTracker.probe("127.0.0.1", service.port()).orElseThrow().embeddedIn());
            assertEquals("http://127.0.0.1:" + service.port() + "/announce", origin.announce(), "the service is leaned on");
        }
    }

    @Test
    void aDeploysOwnTrackerSaysWhichDeployItIsEmbeddedIn() {
        try (OriginServices own = OriginServices.forDeploy(request("v9", 0), Clock.systemUTC(), DeployMetrics.unregistered())) {
            int port = java.net.URI.create(own.announce()).getPort();
            Optional<String> embeddedIn = RunningTracker.probe("127.0.0.1", port).orElseThrow().embeddedIn();
            assertTrue(embeddedIn.orElseThrow().matches("murder deploy v9 \\(pid \\d+\\)"), embeddedIn.toString());
        }
    }

    @Test
    void aReleaseItPackedIsSeededWithoutReadingItAgainAndTheSeedIsInItsTrackerAtOnceAndOnce() throws Exception {
        Path src = work.resolve("src");
        java.nio.file.Files.createDirectories(src);
        byte[] data = new byte[3 << 20];
        new java.util.Random(7).nextBytes(data);
        java.nio.file.Files.write(src.resolve("app.bin"), data);
        DeployRequest req = DeployRequest.builder().source(Optional.of(src)).tag("v5").hostGlobs(List.of("h*"))
                .seedTime(Duration.ofSeconds(1)).timeout(Duration.ofMinutes(1)).bind("127.0.0.1").trackerPort(0).advertise("127.0.0.1")
                .seederPorts(new PortRange(46000, 46999)).workDir(work.resolve("work")).grace(Duration.ZERO).build();
        try (OriginServices origin = OriginServices.forDeploy(req, Clock.systemUTC(), DeployMetrics.unregistered())) {
            origin.listen(req, null);
            org.murder.maker.MakeTorrentResult made = new ReleasePacker(Clock.systemUTC(), false).pack(src, "v5",
                    org.murder.maker.Compression.NONE, origin.announce(), req.workDir(), false, (md5, size) -> { });
            org.murder.core.metainfo.MetaInfo meta = org.murder.core.metainfo.MetaInfo.read(made.torrent());
            origin.register(meta);
            // changed after it was hashed: a seeder that read it again would refuse it, one that trusts the packing does not
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(made.archive(),
                    java.nio.file.StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(new byte[] {42}), made.size() / 2);
            }
            org.murder.peer.engine.Engine seeder = origin.seed(meta, made.archive(), true);
            TrackerServer tracker = origin.embeddedTracker().orElseThrow();
            assertEquals(1, tracker.registry().scrape(meta.infoHash()).complete(), "the seed, put there in-process");
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (tracker.metrics().announces() < 1 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(tracker.metrics().announces() >= 1, "the seeder's own announce arrived");
            assertEquals(1, tracker.registry().peerCount(), "its own announce is the same peer, not a second one");
            assertTrue(seeder.port() > 0);
            try (OriginServices reading = OriginServices.forDeploy(req, Clock.systemUTC(), DeployMetrics.unregistered())) {
                reading.listen(req, null);
                Exception e = assertThrows(Exception.class, () -> reading.seed(meta, made.archive()));
                assertTrue(e.getMessage().contains("pieces do not match"), "a seeder that reads it finds the change: " + e.getMessage());
            }
        }
    }

    /**
     * deploy --tracker URL whose registration fails says so in one line with what was expected: a closed port said
     * "null", and another HTTP server's whole HTML error page was the line.
     */
    @Test
    void aTrackerThatCannotRegisterTheTorrentIsOneLineSayingWhatWasExpected() throws Exception {
        org.murder.core.metainfo.MetaInfo meta = org.murder.core.metainfo.MetaInfo.parse(org.murder.maker.TorrentWriter.singleFile("a.bin",
                1, 16384, new byte[20], List.of("http://127.0.0.1:1/announce"), true, Optional.empty(), java.time.Instant.EPOCH));
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        String url = "http://127.0.0.1:" + closed + "/announce";
        MurderException e = assertThrows(MurderException.class, () -> OriginServices.register(url, meta));
        assertEquals("register at http://127.0.0.1:" + closed + "/whitelist/" + meta.infoHash().toHex() + ": cannot connect"
                + " (connection refused) (expected: the murder tracker of --tracker, listening there)", e.getMessage());

        com.sun.net.httpserver.HttpServer other = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        other.createContext("/", x -> {
            byte[] page = "<!DOCTYPE HTML>\n<html lang=\"en\">\n<body>Unsupported method ('POST')</body></html>\n"
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            x.sendResponseHeaders(501, page.length);
            x.getResponseBody().write(page);
            x.close();
        });
        other.start();
        try {
            String at = "http://127.0.0.1:" + other.getAddress().getPort();
            e = assertThrows(MurderException.class, () -> OriginServices.register(at + "/announce", meta));
            assertEquals("register " + meta.infoHash() + " at " + at + "/whitelist/" + meta.infoHash().toHex() + ": HTTP 501"
                    + " <!DOCTYPE HTML> ... (expected: a murder tracker started with --whitelist, which answers 200 or 201)", e.getMessage());
        } finally {
            other.stop(0);
        }
    }
}
