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
}
