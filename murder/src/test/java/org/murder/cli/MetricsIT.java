package org.murder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.PortRange;
import org.murder.core.metainfo.MetaInfo;
import org.murder.metrics.DaemonMetrics;
import org.murder.peer.engine.Engine;
import org.murder.peer.engine.EngineConfig;
import org.murder.peer.engine.EngineStats;
import org.murder.peer.engine.SessionListener;
import org.murder.peer.engine.SessionOptions;
import org.murder.peer.engine.Torrent;
import org.murder.peer.storage.Storage;
import org.murder.testkit.Promtool;
import org.murder.testkit.Scraped;

/**
 * Each daemon started for real from the distribution (target/murder), scraped over HTTP: the
 * seeder after a real peer downloaded from it, the agent and {@code murder deploy} around a real
 * deploy against Curator's TestingServer, the agent's /healthz across a ZooKeeper outage; every
 * page through promtool, and the Grafana dashboard's metrics against what the daemons serve.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MetricsIT {
    private static final Path DASHBOARD = Path.of("..", "scripts", "grafana", "murder-deploy.json").toAbsolutePath().normalize();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path tmp;

    private final List<Process> daemons = new ArrayList<>();
    private TestingServer zookeeper;
    private Engine downloader;

    @AfterEach
    void stopAll() throws Exception {
        for (Process p : daemons) {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        if (downloader != null) {
            downloader.close();
        }
        if (zookeeper != null) {
            zookeeper.close();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private Process murder(Path log, String... args) throws IOException {
        Process p = MurderProcess.start(tmp, log, args);
        daemons.add(p);
        return p;
    }

    /** Waits for what a process we do not control says or serves (no event to wait on); fails with {@code what}. */
    private static void await(String what, long seconds, Check check) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!check.holds()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + seconds + " s: " + what);
            }
            Thread.sleep(50);
        }
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    private static void awaitLog(Path log, Process p, String text) throws Exception {
        await("'" + text + "' in " + log, 60, () -> {
            if (!p.isAlive() && !Files.readString(log).contains(text)) {
                throw new AssertionError("exited " + p.exitValue() + ":\n" + Files.readString(log));
            }
            return Files.readString(log).contains(text);
        });
    }

    private static Scraped scrape(int port) throws Exception {
        return Scraped.get(URI.create("http://127.0.0.1:" + port + "/metrics"));
    }

    private static String healthz(int port) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }

    private static Scraped awaitScrape(int port, String what, Predicate<Scraped> until) throws Exception {
        Scraped[] last = new Scraped[1];
        try {
            await(what, 60, () -> until.test(last[0] = scrape(port)));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last page:\n" + (last[0] == null ? "none" : last[0].text()), e);
        }
        return last[0];
    }

    @Test
    void theSeederCountsWhatARealPeerDownloadedFromIt() throws Exception {
        Path seedDir = Files.createDirectories(tmp.resolve("seed"));
        byte[] data = new byte[3 * 1024 * 1024 + 5];
        new Random(16).nextBytes(data);
        Files.write(seedDir.resolve("v1.tar.gz"), data);
        CliRun made = CliRun.of("make-torrent", seedDir.resolve("v1.tar.gz").toString(), "--tracker",
                "http://127.0.0.1:9/announce", "--piece-size", "256KiB", "--out", seedDir.resolve("v1.torrent").toString());
        assertEquals(0, made.exitCode(), made.err());
        MetaInfo meta = MetaInfo.read(seedDir.resolve("v1.torrent"));
        int peerPort = freePort();
        int metricsPort = freePort();
        Path log = tmp.resolve("seed.log");
        Process seed = murder(log, "seed", "--dir", seedDir.toString(), "--bind", "127.0.0.1", "--port-range",
                peerPort + "-" + peerPort, "--metrics-port", String.valueOf(metricsPort));
        awaitLog(log, seed, "seeding   every torrent in " + seedDir + " on port " + peerPort + "; metrics on http://127.0.0.1:"
                + metricsPort + "/metrics");
        assertEquals("200 ok\n", healthz(metricsPort));
        String torrent = "{info_hash=\"" + meta.infoHash().toHex() + "\",torrent=\"v1.tar.gz\"}";
        awaitScrape(metricsPort, "the seeder checked v1.tar.gz", page -> page.find("murder_peer_torrent_verified_bytes" + torrent)
                .orElse(-1) == data.length);

        downloader = Engine.start(EngineConfig.builder().portRange(new PortRange(42900, 42999))
                .bindAddress(InetAddress.getLoopbackAddress()).build(), Clock.systemUTC());
        Torrent download = downloader.add(meta, Storage.forDownload(meta, Files.createDirectories(tmp.resolve("peer"))),
                SessionOptions.download(Optional.empty(), Optional.of(Duration.ZERO)), SessionListener.NONE);
        download.addPeers(List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), peerPort)));
        download.completed().get(60, TimeUnit.SECONDS);
        download.finished().get(10, TimeUnit.SECONDS);
        EngineStats fetched = downloader.stats();
        assertEquals(data.length, fetched.downloadedBytes());
        assertEquals(meta.pieceCount(), fetched.piecesVerified());
        assertEquals(0, fetched.piecesFailed());
        assertEquals(List.of(), fetched.running(), "the download left with no seed time");

        // the one peer took every byte from the seeder, once
        Scraped page = awaitScrape(metricsPort, "the seeder counted every byte it sent, and the peer gone",
                p -> p.value("murder_peer_uploaded_bytes_total") == data.length && p.value("murder_peer_connected_peers") == 0);
        assertEquals(data.length, page.value("murder_peer_torrent_uploaded_bytes_total" + torrent));
        assertEquals(data.length, page.value("murder_peer_torrent_size_bytes" + torrent));
        assertEquals(0, page.value("murder_peer_downloaded_bytes_total"));
        assertEquals(0, page.value("murder_peer_pieces_failed_total"));
        assertEquals(0, page.value("murder_peer_peers_banned_total"));
        assertEquals(1, page.value("murder_peer_torrents"));
        assertEquals(1, page.value("murder_build_info{daemon=\"seed\",version=\"" + DaemonMetrics.VERSION + "\",revision=\"" + DaemonMetrics.REVISION + "\"}"));
        assertTrue(page.value("process_open_fds") > 0, page.text());
        Promtool.assertClean(page.text());

        seed.destroy(); // SIGTERM: a clean stop, exit 0
        assertTrue(seed.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, seed.exitValue(), Files.readString(log));
    }

    @Test
    void aMetricsPortInUseIsAOneLineFailure() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path log = tmp.resolve("seed.log");
            Process seed = murder(log, "seed", "--dir", Files.createDirectories(tmp.resolve("empty")).toString(), "--bind",
                    "127.0.0.1", "--port-range", freePort() + "-" + 65535, "--metrics-port", String.valueOf(taken.getLocalPort()));
            assertTrue(seed.waitFor(30, TimeUnit.SECONDS));
            assertEquals("murder: --metrics-port: " + taken.getLocalPort() + " is in use (expected: a free TCP port)",
                    Files.readString(log).strip());
            assertEquals(1, seed.exitValue());
        }
    }

    @Test
    void theAgentAndTheDeployCountARealDeployAndTheAgentsHealthFollowsZooKeeper() throws Exception {
        zookeeper = new TestingServer(true);
        String zk = zookeeper.getConnectString();
        Path secret = tmp.resolve("secret");
        Files.writeString(secret, "a-test-secret-of-32-characters!!\n");
        java.nio.file.Files.setPosixFilePermissions(secret, // as installed: no warning
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        int agentPeerPort = freePort();
        int agentMetrics = freePort();
        Path agentLog = tmp.resolve("agent.log");
        Process agent = murder(agentLog, "agent", "--name", "it-agent", "--zk", zk, "--secret-file", secret.toString(), "--bind",
                "127.0.0.1", "--ip", "127.0.0.1", "--port-range", agentPeerPort + "-" + agentPeerPort, "--dest-root",
                tmp.resolve("releases").toString(), "--metrics-port", String.valueOf(agentMetrics));
        awaitLog(agentLog, agent, "; metrics on http://127.0.0.1:" + agentMetrics + "/metrics)");
        assertEquals("200 ok\n", healthz(agentMetrics));
        Scraped idle = scrape(agentMetrics);
        assertEquals(1, idle.value("murder_agent_zookeeper_connected"));
        assertEquals(0, idle.value("murder_agent_jobs_total{result=\"done\"}"));

        Path release = Files.createDirectories(tmp.resolve("build"));
        byte[] data = new byte[2 * 1024 * 1024];
        new Random(42).nextBytes(data); // incompressible: the archive is about this big
        Files.write(release.resolve("app.bin"), data);
        Files.writeString(release.resolve("VERSION"), "v1\n");
        int deployMetrics = freePort();
        int seederPort = freePort();
        Path workDir = tmp.resolve("work");
        Path deployLog = tmp.resolve("deploy.log");
        Process deploy = murder(deployLog, "deploy", release.toString(), "--tag", "v1", "--host", "it-agent", "--zk", zk,
                "--secret-file", secret.toString(), "--dest", tmp.resolve("app").toString(), "--activate", "--seed-time", "0s",
                "--grace", "5s", "--timeout", "2m", "--tracker-port", String.valueOf(freePort()), "--advertise", "127.0.0.1",
                "--seeder-ports", seederPort + "-" + seederPort, "--work-dir", workDir.toString(),
                "--metrics-port", String.valueOf(deployMetrics));
        awaitLog(deployLog, deploy, "metrics   on http://127.0.0.1:" + deployMetrics + "/metrics while the deploy runs");
        assertEquals("200 ok\n", healthz(deployMetrics));

        // while the deploy seeds its grace time: the host is done, and the embedded seeder served it the whole archive
        Scraped deployPage = awaitScrape(deployMetrics, "the deploy saw it-agent done", p -> p.find("murder_deploy_hosts{state=\"done\"}")
                .orElse(0) == 1);
        Path archive;
        try (Stream<Path> files = Files.list(workDir)) {
            archive = files.filter(f -> f.getFileName().toString().startsWith("v1.tar")).findFirst().orElseThrow();
        }
        long archiveSize = Files.size(archive);
        MetaInfo meta = MetaInfo.read(workDir.resolve("v1.torrent"));
        assertEquals(meta.totalLength(), archiveSize);
        assertEquals(archiveSize, deployPage.value("murder_peer_uploaded_bytes_total"), deployPage.text());
        assertEquals(0, deployPage.value("murder_deploy_hosts{state=\"failed\"}"));
        assertEquals(0, deployPage.value("murder_deploy_hosts{state=\"pending\"}"));
        assertEquals(1, deployPage.value("murder_deploy_info{tag=\"v1\"}"));
        assertTrue(deployPage.value("murder_deploy_elapsed_seconds") > 0, deployPage.text());
        assertEquals(1, deployPage.value("murder_build_info{daemon=\"deploy\",version=\"" + DaemonMetrics.VERSION + "\",revision=\"" + DaemonMetrics.REVISION + "\"}"));
        Promtool.assertClean(deployPage.text());
        assertTrue(deploy.waitFor(60, TimeUnit.SECONDS), Files.readString(deployLog));
        assertEquals(0, deploy.exitValue(), Files.readString(deployLog));

        Scraped agentPage = awaitScrape(agentMetrics, "the agent counted its job done",
                p -> p.value("murder_agent_jobs_total{result=\"done\"}") == 1 && p.value("murder_agent_jobs_running") == 0);
        assertEquals(0, agentPage.value("murder_agent_jobs_total{result=\"failed\"}"));
        assertEquals(0, agentPage.value("murder_agent_jobs_total{result=\"timeout\"}"));
        assertEquals(archiveSize, agentPage.value("murder_peer_downloaded_bytes_total"));
        assertEquals(meta.pieceCount(), agentPage.value("murder_peer_pieces_verified_total"));
        assertEquals(0, agentPage.value("murder_peer_pieces_failed_total"));
        assertEquals(1, agentPage.value("murder_agent_download_seconds_count"));
        assertEquals(1, agentPage.value("murder_agent_download_seconds_bucket{le=\"+Inf\"}"));
        assertEquals(1, agentPage.value("murder_agent_verify_seconds_count"));
        assertEquals(1, agentPage.value("murder_agent_activation_seconds_count"));
        assertEquals(1, agentPage.value("murder_build_info{daemon=\"agent\",version=\"" + DaemonMetrics.VERSION + "\",revision=\"" + DaemonMetrics.REVISION + "\"}"));
        Promtool.assertClean(agentPage.text());
        assertDashboardMetricsAreServed(deployPage, agentPage);

        // ZooKeeper gone: the agent says so on /healthz (503, with why) and in its gauge; back: ok again
        zookeeper.stop();
        await("/healthz 503 with ZooKeeper stopped", 30, () -> healthz(agentMetrics).startsWith("503 "));
        String down = healthz(agentMetrics);
        assertTrue(down.matches("503 zookeeper disconnected \\((suspended|lost) for \\S+\\): no new jobs until it is back\n"), down);
        assertEquals(0, scrape(agentMetrics).value("murder_agent_zookeeper_connected"));
        zookeeper.restart();
        await("/healthz 200 with ZooKeeper back", 60, () -> healthz(agentMetrics).equals("200 ok\n"));
        assertEquals(1, scrape(agentMetrics).value("murder_agent_zookeeper_connected"));

        agent.destroy();
        assertTrue(agent.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, agent.exitValue(), Files.readString(agentLog));
    }

    /** Every metric an expression of the dashboard names is one the deploy or an agent serves. */
    private static void assertDashboardMetricsAreServed(Scraped... pages) throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        assertEquals("murder-deploy", dashboard.path("uid").asText());
        Set<String> served = new TreeSet<>();
        for (Scraped page : pages) {
            served.addAll(page.sampleNames());
        }
        Set<String> referenced = new TreeSet<>();
        Pattern metric = Pattern.compile("\\b(murder|jvm|process)_[a-z0-9_]+");
        int panels = 0;
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                Matcher m = metric.matcher(target.path("expr").asText());
                while (m.find()) {
                    referenced.add(m.group());
                }
                panels++;
            }
        }
        assertTrue(panels >= 10, "targets in " + DASHBOARD + ": " + panels);
        Set<String> missing = new TreeSet<>(referenced);
        missing.removeAll(served);
        assertEquals(Set.of(), missing, "metrics the dashboard names that no daemon serves");
        for (String name : List.of("murder_deploy_hosts", "murder_agent_jobs_total", "murder_peer_uploaded_bytes_total",
                "murder_agent_download_seconds_bucket", "murder_agent_zookeeper_connected")) {
            assertTrue(referenced.contains(name), name + " on the dashboard");
        }
        assertFalse(referenced.isEmpty());
    }
}
