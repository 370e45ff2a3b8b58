package org.murder.orchestrator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.PortRange;
import org.murder.orchestrator.agent.ReleaseActivator;
import org.murder.orchestrator.deploy.DeployRequest;
import org.murder.orchestrator.deploy.Deployer;
import org.murder.orchestrator.deploy.SummaryPrinter;
import org.murder.orchestrator.deploy.HostOutcome;
import org.murder.orchestrator.job.JobSigner;
import org.murder.orchestrator.zk.Zk;
import org.murder.orchestrator.zk.ZkSettings;

/** Consecutive releases: hosts holding v1 rebuild most of v2 and download the rest; a damaged v1 costs downloads only. */
@Timeout(180)
class DeltaDeployIT {
    private static final FileTime MTIME = FileTime.from(Instant.parse("2026-01-01T00:00:00Z"));

    @TempDir
    Path tmp;

    private TestingServer server;
    private AgentFleet fleet;
    private CuratorFramework deployZk;
    private final StringWriter output = new StringWriter();

    @BeforeEach
    void start() throws Exception {
        server = new TestingServer(true);
        ZkSettings settings = ZkSettings.of(server.getConnectString()).withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(5));
        fleet = new AgentFleet(settings, tmp.resolve("hosts"), new ReleaseActivator());
        deployZk = Zk.connect(settings);
        fleet.start("web-1", List.of("web"));
        fleet.start("web-2", List.of("web"));
    }

    @AfterEach
    void stop() throws Exception {
        fleet.close();
        deployZk.close();
        server.close();
    }

    /** 80 files of 20-200 KB, half random (like jars), half text, with fixed mtimes (a build that keeps them). */
    private Path tree() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("build"));
        Random r = new Random(5);
        for (int i = 0; i < 80; i++) {
            byte[] data = new byte[20_000 + r.nextInt(180_000)];
            if (i % 2 == 0) {
                r.nextBytes(data);
            } else {
                for (int j = 0; j < data.length; j++) {
                    data[j] = (byte) ("line " + (j / 30) + " of the config\n").charAt(j % 20);
                }
            }
            write(root.resolve("lib/f" + i + ".bin"), data);
        }
        return root;
    }

    private static void write(Path f, byte[] data) throws Exception {
        Files.createDirectories(f.getParent());
        Files.write(f, data);
        Files.setLastModifiedTime(f, MTIME);
    }

    private List<HostOutcome> deploy(Path src, String tag) throws Exception {
        return deploy(src, tag, 3, Duration.ofSeconds(1));
    }

    private List<HostOutcome> deploy(Path src, String tag, int keep, Duration seedTime) throws Exception {
        DeployRequest req = DeployRequest.builder().source(src).tag(tag).hostGlobs(List.of("web-*")).seedTime(seedTime)
                .timeout(Duration.ofMinutes(2)).activate(true).keep(keep).bind("127.0.0.1").trackerPort(0).advertise("127.0.0.1").seederPorts(new PortRange(46000, 46999))
                .workDir(tmp.resolve("work")).grace(Duration.ZERO).build();
        List<HostOutcome> outcomes = new Deployer(deployZk, new JobSigner(AgentFleet.SECRET), Clock.systemUTC(),
                new PrintWriter(output, true), false).deploy(req);
        SummaryPrinter.summary(new PrintWriter(output, true), tag, outcomes);
        assertTrue(outcomes.stream().allMatch(HostOutcome::succeeded), output.toString());
        return outcomes;
    }

    @Test
    void hostsHoldingV1DownloadLittleOfV2AndEndWithItsExactBytes() throws Exception {
        Path src = tree();
        List<HostOutcome> first = deploy(src, "v1");
        long size = Files.size(tmp.resolve("work/v1.tar.zst"));
        assertTrue(first.stream().allMatch(o -> o.rebuilt() == 0 && o.downloaded() >= size * 9 / 10), first.toString());
        assertTrue(Files.exists(tmp.resolve("hosts/web-1/v1.tar.zst.torrent")), "the torrent is kept beside the archive");

        // v2: two files edited
        Files.writeString(src.resolve("lib/f3.bin"), "appended\n", StandardOpenOption.APPEND);
        Files.setLastModifiedTime(src.resolve("lib/f3.bin"), FileTime.from(Instant.parse("2026-02-01T00:00:00Z")));
        write(src.resolve("lib/f50.bin"), "a new config\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        // web-2's copy of v1 is damaged in its middle: it rebuilds less and downloads the rest
        Path damaged = tmp.resolve("hosts/web-2/v1.tar.zst");
        byte[] old = Files.readAllBytes(damaged);
        for (int i = old.length / 2; i < old.length / 2 + 100; i++) {
            old[i] ^= 1;
        }
        Files.write(damaged, old);

        List<HostOutcome> second = deploy(src, "v2");
        long size2 = Files.size(tmp.resolve("work/v2.tar.zst"));
        HostOutcome web1 = second.get(0);
        HostOutcome web2 = second.get(1);
        assertTrue(web1.downloaded() < size2 * 35 / 100, "web-1 downloaded " + web1.downloaded() + " of " + size2 + "\n" + output);
        assertTrue(web1.rebuilt() > size2 / 2, web1.toString());
        assertTrue(web2.downloaded() > web1.downloaded(), "the damaged frame is downloaded: " + second);
        byte[] expected = Files.readAllBytes(tmp.resolve("work/v2.tar.zst"));
        for (String h : List.of("web-1", "web-2")) {
            assertArrayEquals(expected, Files.readAllBytes(tmp.resolve("hosts/" + h + "/v2.tar.zst")), h);
            assertEquals("a new config\n", Files.readString(tmp.resolve("hosts/" + h + "/current/lib/f50.bin")), h);
        }
        assertTrue(output.toString().contains("REBUILT"), output.toString());
    }

    @Test
    void deploysInQuickSuccessionLeaveTheKeepsArchivesNotAllOfTheHours() throws Exception {
        Path src = tree();
        for (int v = 1; v <= 4; v++) {
            write(src.resolve("lib/f3.bin"), ("release " + v + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            deploy(src, "v" + v, 1, Duration.ZERO); // no seeding after: an earlier release still seeded stays (in use)
        }
        for (String h : List.of("web-1", "web-2")) {
            Path dest = tmp.resolve("hosts/" + h);
            for (String gone : List.of("v1", "v2")) {
                assertTrue(Files.notExists(dest.resolve(gone + ".tar.zst")) && Files.notExists(dest.resolve(gone + ".tar.zst.torrent")),
                        h + ": " + gone + " is beyond --keep 1 and no job uses it, however young (an agent kept a whole hour's)");
            }
            for (String kept : List.of("v3", "v4")) {
                assertTrue(Files.exists(dest.resolve(kept + ".tar.zst")), h + ": " + kept + " (the keep, and the one just deployed)");
            }
        }
    }
}
