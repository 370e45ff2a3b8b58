package org.murder.orchestrator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.PortRange;
import org.murder.core.Rate;
import org.murder.orchestrator.deploy.DeployRequest;
import org.murder.orchestrator.deploy.DeployState;
import org.murder.orchestrator.deploy.DeployWeb;
import org.murder.orchestrator.deploy.Deployer;
import org.murder.orchestrator.deploy.HostOutcome;
import org.murder.orchestrator.job.JobSigner;
import org.murder.orchestrator.zk.Zk;
import org.murder.orchestrator.zk.ZkSettings;
import org.murder.peer.engine.EngineConfig;
import org.murder.testkit.HeadlessChromium;

/**
 * The live deploy page in a real browser: twelve in-process agents on loopback take a release
 * while headless Chromium loads the page of {@link DeployWeb}, once during the deploy and once
 * after it (the page still served), and keeps a screenshot in {@code target/deploy-web.png}.
 */
@Timeout(300)
class DeployWebIT {
    private static final int HOSTS = 12;
    private static final Pattern CELL = Pattern.compile("<div class=\"cell\"[^>]*>");
    private static final Pattern ATTRIBUTE = Pattern.compile("\\s(data-host|data-state|data-percent|title)=\"([^\"]*)\"");
    private static final Set<String> STATES = Set.of("waiting", "accepted", "downloading", "ready", "activating", "done", "failed");

    @TempDir
    Path tmp;

    private TestingServer server;
    private AgentFleet fleet;
    private CuratorFramework deployZk;
    private final ExecutorService deploying = Executors.newSingleThreadExecutor();

    @BeforeEach
    void start() throws Exception {
        server = new TestingServer(true);
        ZkSettings settings = ZkSettings.of(server.getConnectString()).withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(5));
        fleet = new AgentFleet(settings, tmp.resolve("hosts"), AgentFleet.noActivation());
        deployZk = Zk.connect(settings);
    }

    @AfterEach
    void stop() throws Exception {
        deploying.shutdownNow();
        deploying.awaitTermination(30, TimeUnit.SECONDS);
        fleet.close();
        deployZk.close();
        server.close();
    }

    private Path release(int bytes) throws Exception {
        Path src = Files.createDirectories(tmp.resolve("build"));
        byte[] data = new byte[bytes];
        new Random(7).nextBytes(data);
        Files.write(src.resolve("payload.bin"), data);
        return src;
    }

    /** Each cell of the grid in the dumped DOM: its attributes by name. */
    private static List<Map<String, String>> cells(String dom) {
        List<Map<String, String>> cells = new ArrayList<>();
        Matcher cell = CELL.matcher(dom);
        while (cell.find()) {
            Map<String, String> attributes = new LinkedHashMap<>();
            Matcher a = ATTRIBUTE.matcher(cell.group());
            while (a.find()) {
                attributes.put(a.group(1), a.group(2));
            }
            cells.add(attributes);
        }
        return cells;
    }

    @Test
    void thePageShowsEveryHostWhileTheDeployRunsAndTheResultAfter() throws Exception {
        HeadlessChromium chromium = HeadlessChromium.in(Path.of("target", "deploy-web-chromium"));
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= HOSTS; i++) {
            names.add(String.format("web-%02d", i));
            // throttled, so the deploy lasts while the browser starts and loads the page
            fleet.start(names.get(i - 1), List.of("web"), EngineConfig.builder().maxDown(Rate.parse("1MB/s")));
        }
        Path src = release(4_000_000);
        StringWriter output = new StringWriter();
        Deployer deployer = new Deployer(deployZk, new JobSigner(AgentFleet.SECRET), Clock.systemUTC(), new PrintWriter(output, true),
                false);
        try (DeployWeb web = DeployWeb.start("127.0.0.1", 0)) {
            CountDownLatch published = new CountDownLatch(1);
            deployer.onState(state -> {
                web.accept(state);
                if (!state.hosts().isEmpty()) {
                    published.countDown();
                }
            });
            DeployRequest request = DeployRequest.builder().source(src).tag("v7").hostGlobs(List.of("web-*"))
                    .seedTime(Duration.ofSeconds(5)).timeout(Duration.ofMinutes(3)).keep(3).bind("127.0.0.1").trackerPort(0)
                    .advertise("127.0.0.1").seederPorts(new PortRange(46000, 46999)).workDir(tmp.resolve("work")).grace(Duration.ZERO)
                    .build();
            Future<List<HostOutcome>> deploy = deploying.submit(() -> deployer.deploy(request));
            assertTrue(published.await(120, TimeUnit.SECONDS), "the job was published within 120 s:\n" + output);

            // during the deploy: a cell per host, each with its state
            String during = chromium.dumpDom(web.url(), Duration.ofSeconds(3));
            boolean wasRunning = !web.state().finished();
            List<Map<String, String>> cells = cells(during);
            assertEquals(names, cells.stream().map(c -> c.get("data-host")).toList(), during);
            for (Map<String, String> c : cells) {
                assertTrue(STATES.contains(c.get("data-state")), c + "\n" + during);
                assertTrue(c.get("title").startsWith(c.get("data-host") + ": " + c.get("data-state") + " "), c.toString());
            }
            assertTrue(during.contains("murder deploy <span id=\"tag\">v7</span>"), during);
            System.out.println("DeployWebIT: during the deploy (still running when loaded: " + wasRunning + "), the cells were "
                    + cells.stream().map(c -> c.get("data-host") + "=" + c.get("data-state") + "@" + c.get("data-percent")).toList());

            List<HostOutcome> outcomes = deploy.get(180, TimeUnit.SECONDS);
            assertTrue(outcomes.stream().allMatch(HostOutcome::succeeded), outcomes + "\n" + output);
            assertEquals(DeployState.DONE, web.state().result());

            // after it, the page still served: every cell done, the header says so
            String after = chromium.dumpDom(web.url(), Duration.ofSeconds(3));
            List<Map<String, String>> done = cells(after);
            assertEquals(names, done.stream().map(c -> c.get("data-host")).toList(), after);
            assertTrue(done.stream().allMatch(c -> "done".equals(c.get("data-state")) && "100".equals(c.get("data-percent"))), after);
            assertTrue(after.contains("<div id=\"result\" data-result=\"done\">DONE: all " + HOSTS + " hosts in "), after);
            assertTrue(after.contains("<span data-state=\"done\">" + HOSTS + " done</span>"), after);
            assertTrue(Pattern.compile("<polyline id=\"chart-line\" points=\"[0-9., ]+\"").matcher(after).find(),
                    "the bytes/s chart has points:\n" + after);

            Path png = Path.of("target", "deploy-web.png");
            chromium.screenshot(web.url(), Duration.ofSeconds(3), png, 1200, 900);
            assertTrue(Files.isRegularFile(png), png + " written");
            assertTrue(Files.size(png) > 10_000, png + ": " + Files.size(png) + " bytes, expected a real picture of the page");
            byte[] signature = java.util.Arrays.copyOf(Files.readAllBytes(png), 8);
            assertEquals("\u0089PNG", new String(signature, 0, 4, java.nio.charset.StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    void aFleetWithHostileNamesAndReasonsShowsAsTextAndFailuresAreGrouped() throws Exception {
        HeadlessChromium chromium = HeadlessChromium.in(Path.of("target", "deploy-web-chromium"));
        List<String> names = new ArrayList<>();
        Map<String, org.murder.orchestrator.job.HostReport> reports = new LinkedHashMap<>();
        String hostile = "<img src=x onerror=\"document.title='owned'\">";
        for (int i = 1; i <= 500; i++) {
            String name = i == 7 ? "web-7" + hostile : "web-" + i;
            names.add(name);
            org.murder.orchestrator.job.HostReport accepted = org.murder.orchestrator.job.HostReport.accepted(1000, 0);
            reports.put(name, i % 100 == 0 ? accepted.failed("disk full " + hostile, 1) : i == 51 ? accepted.failed("\u202eetisil", 1)
                    : i % 3 == 0 ? accepted.progress(1000, 0, 1).done(1, "") : accepted.progress(i % 100 * 10, 5000, 2));
        }
        try (DeployWeb web = DeployWeb.start("127.0.0.1", 0)) {
            web.accept(DeployState.of("v8-job", "v8" + hostile, names, 1000, reports, 4000));
            String dom = chromium.dumpDom(web.url(), Duration.ofSeconds(2));
            assertEquals(500, cells(dom).size());
            assertTrue(dom.contains("<div id=\"grid\" data-size=\"large\">"), "a fleet gets small cells");
            assertTrue(!dom.contains("<img"), "no element from the data:\n" + dom);
            assertTrue(dom.contains("<title>murder deploy</title>"), "no script from the data ran");
            assertTrue(dom.contains("data-host=\"web-7&lt;img src=x onerror=&quot;document.title='owned'&quot;&gt;\""), dom);
            assertTrue(dom.contains("<td class=\"count\">5</td><td>disk full &lt;img src=x"), "failures grouped by reason:\n" + dom);
            assertTrue(dom.contains("<td>web-100, web-200, web-300, web-400, web-500</td>"), dom);
            assertTrue(dom.contains("<div id=\"result\" data-result=\"running\">running: "), dom);
            assertTrue(dom.contains("<td>\\u202eetisil</td>") && !dom.contains("\u202e"), "a bidi override shows as \\u202e:\n" + dom);
            chromium.screenshot(web.url(), Duration.ofSeconds(2), Path.of("target", "deploy-web-fleet.png"), 1200, 900);
        }
    }
}
