package org.murder.orchestrator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
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
import org.murder.orchestrator.deploy.HostOutcome;
import org.murder.orchestrator.job.JobSigner;
import org.murder.orchestrator.zk.Zk;
import org.murder.orchestrator.zk.ZkSettings;

/** Deploys with --activate switch every host's current; a rollback job switches it back; a hostile archive changes nothing. */
@Timeout(180)
class ActivationIT {
    @TempDir
    Path tmp;

    private TestingServer server;
    private AgentFleet fleet;
    private CuratorFramework zk;
    private final StringWriter output = new StringWriter();

    @BeforeEach
    void start() throws Exception {
        server = new TestingServer(true);
        ZkSettings settings = ZkSettings.of(server.getConnectString()).withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(5));
        fleet = new AgentFleet(settings, tmp.resolve("hosts"), new ReleaseActivator());
        fleet.start("web-1", List.of("web"));
        fleet.start("web-2", List.of("web"));
        zk = Zk.connect(settings);
    }

    @AfterEach
    void stop() throws Exception {
        fleet.close();
        zk.close();
        server.close();
    }

    private List<HostOutcome> deploy(Optional<Path> src, String tag, boolean rollback, String to) throws Exception {
        DeployRequest r = DeployRequest.builder().source(src).tag(tag).roles(List.of("web")).seedTime(Duration.ofSeconds(1))
                .timeout(Duration.ofMinutes(2)).activate(!rollback).keep(2).rollbackTo(to).rollback(rollback).bind("127.0.0.1").trackerPort(0).advertise("127.0.0.1").seederPorts(new PortRange(46000, 46999))
                .workDir(tmp.resolve("work")).grace(Duration.ZERO).build();
        return new Deployer(zk, new JobSigner(AgentFleet.SECRET), Clock.systemUTC(), new PrintWriter(output, true), false).deploy(r);
    }

    private Path build(String version) throws Exception {
        Path src = Files.createDirectories(tmp.resolve("build-" + version + "/bin"));
        Files.writeString(src.resolve("app"), "echo " + version + "\n");
        return src.getParent();
    }

    private Path current(String host) throws Exception {
        return tmp.resolve("hosts/" + host + "/current").toRealPath();
    }

    @Test
    void activateThenRollBackEveryHost() throws Exception {
        assertTrue(deploy(Optional.of(build("v1")), "v1", false, "").stream().allMatch(HostOutcome::succeeded), output.toString());
        assertTrue(deploy(Optional.of(build("v2")), "v2", false, "").stream().allMatch(HostOutcome::succeeded), output.toString());
        for (String h : List.of("web-1", "web-2")) {
            assertEquals("v2", current(h).getFileName().toString());
            assertEquals("echo v2\n", Files.readString(tmp.resolve("hosts/" + h + "/current/bin/app")));
        }
        assertTrue(deploy(Optional.empty(), "v2", true, "").stream().allMatch(HostOutcome::succeeded), output.toString());
        for (String h : List.of("web-1", "web-2")) {
            assertEquals("echo v1\n", Files.readString(tmp.resolve("hosts/" + h + "/current/bin/app")));
        }
        assertTrue(deploy(Optional.empty(), "v1", true, "v2").stream().allMatch(HostOutcome::succeeded), output.toString());
        assertEquals("echo v2\n", Files.readString(tmp.resolve("hosts/web-1/current/bin/app")));
        // undoing v1 again: every host is on v2 already, so it is left as it was, and its result says so
        List<HostOutcome> again = deploy(Optional.empty(), "v1", true, "");
        assertEquals(List.of("done=", "done="), again.stream().map(HostOutcome::label).toList(), again + "\n" + output);
        assertEquals("echo v2\n", Files.readString(tmp.resolve("hosts/web-1/current/bin/app")));
    }

    /**
     * A release a murder before the records (releases/.unpacked-from) unpacked, then a ZooKeeper tree rebuilt (its own
     * check of the tag gone): the agent takes the md5 of the archive beside the release as its record before it
     * downloads, and refuses other bytes under the tag instead of reporting them done over the old files.
     */
    @Test
    void aReleaseUnpackedBeforeTheRecordsRefusesOtherBytesUnderItsTagAfterZooKeeperIsRebuilt() throws Exception {
        assertTrue(deploy(Optional.of(build("v1")), "v1", false, "").stream().allMatch(HostOutcome::succeeded), output.toString());
        fleet.close();
        zk.close();
        server.close();
        for (String h : List.of("web-1", "web-2")) { // as the version before left them: no record, the archive older than the release
            Path host = tmp.resolve("hosts/" + h);
            assertTrue(Files.readString(host.resolve("releases/.unpacked-from")).startsWith("v1 "));
            Files.delete(host.resolve("releases/.unpacked-from"));
            Files.setLastModifiedTime(host.resolve("v1.tar.zst"),
                    java.nio.file.attribute.FileTime.fromMillis(Files.getLastModifiedTime(host.resolve("releases/v1")).toMillis() - 3_600_000));
        }
        start(); // a new, empty ZooKeeper; the same hosts' directories
        Path changed = build("v1");
        Files.writeString(changed.resolve("bin/app"), "echo other bytes\n");
        List<HostOutcome> outcomes = deploy(Optional.of(changed), "v1", false, "");
        assertEquals(2, outcomes.size(), outcomes.toString());
        for (HostOutcome o : outcomes) {
            assertFalse(o.succeeded(), o.toString());
            assertTrue(o.error() != null && o.error().contains("unpacked from an archive with md5"), o.toString());
            assertEquals("echo v1\n", Files.readString(tmp.resolve("hosts/" + o.host() + "/current/bin/app")));
        }
    }

    @Test
    void aHostileArchiveIsRefusedAndCurrentStaysWhereItWas() throws Exception {
        assertTrue(deploy(Optional.of(build("v1")), "v1", false, "").stream().allMatch(HostOutcome::succeeded), output.toString());
        Path evil = tmp.resolve("evil.tar.gz");
        try (OutputStream out = new GzipCompressorOutputStream(Files.newOutputStream(evil));
                TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            byte[] body = "pwned\n".getBytes(StandardCharsets.US_ASCII);
            TarArchiveEntry e = new TarArchiveEntry("../../escaped", true);
            e.setSize(body.length);
            tar.putArchiveEntry(e);
            tar.write(body);
            tar.closeArchiveEntry();
        }
        // the deploy checks a ready archive as the agents will unpack it: refused before anything is published
        org.murder.core.MurderException refused = org.junit.jupiter.api.Assertions.assertThrows(org.murder.core.MurderException.class,
                () -> deploy(Optional.of(evil), "evil", false, ""));
        assertEquals(org.murder.core.MurderException.BAD_INPUT, refused.exitCode());
        assertTrue(refused.getMessage().contains("'../../escaped'"), refused.getMessage());
        // and an agent handed it anyway (by a deploy host of a murder without that check, or a hand-made job) refuses it too
        for (String h : List.of("web-1", "web-2")) {
            Path dest = tmp.resolve("hosts/" + h);
            org.murder.core.MurderException e = org.junit.jupiter.api.Assertions.assertThrows(org.murder.core.MurderException.class,
                    () -> new ReleaseActivator().activate(dest, "evil", evil, 2, new org.murder.orchestrator.release.Generation(1L << 40,
                            "evil-job")));
            assertTrue(e.getMessage().contains("'../../escaped'"), e.getMessage());
        }
        for (String h : List.of("web-1", "web-2")) {
            assertEquals("echo v1\n", Files.readString(tmp.resolve("hosts/" + h + "/current/bin/app")));
            assertFalse(Files.exists(tmp.resolve("hosts/escaped")));
            assertFalse(Files.exists(tmp.resolve("escaped")));
            assertFalse(Files.exists(tmp.resolve("hosts/" + h + "/releases/evil")));
        }
    }
}
