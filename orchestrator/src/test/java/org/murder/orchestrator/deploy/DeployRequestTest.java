package org.murder.orchestrator.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.murder.core.PortRange;
import org.murder.maker.Compression;
import org.murder.orchestrator.rollout.RolloutRequest;

class DeployRequestTest {
    @Test
    void theDefaultsAreThoseOfMurderDeploy() {
        DeployRequest r = DeployRequest.builder().tag("v1").build();
        assertEquals(Optional.empty(), r.source());
        assertEquals(List.of(), r.hostGlobs());
        assertEquals("", r.dest());
        assertEquals(Duration.ofSeconds(30), r.seedTime());
        assertEquals(Duration.ofMinutes(10), r.timeout());
        assertEquals(5, r.keep());
        assertEquals("", r.rollbackTo());
        assertEquals("0.0.0.0", r.bind());
        assertEquals(8998, r.trackerPort());
        assertEquals(new PortRange(6881, 6889), r.seederPorts());
        assertEquals(Path.of("/var/tmp/murder"), r.workDir());
        assertEquals(Duration.ofSeconds(10), r.grace());
        assertEquals(Compression.ZSTD, r.compression());
        assertEquals(RolloutRequest.defaults(), r.rollout());
    }

    @Test
    void aBuilderOfARequestGivesItBack() {
        DeployRequest r = DeployRequest.builder().source(Path.of("build")).tag("v2").hostGlobs(List.of("web-*")).roles(List.of("db"))
                .excludeGlobs(List.of("web-7")).activate(true).keep(3).trackerPort(0).build();
        assertEquals(r, r.toBuilder().build());
        assertEquals(1234, r.toBuilder().trackerPort(1234).build().trackerPort());
    }

    @Test
    void theSelectorNamesTheOptions() {
        assertEquals("--hosts web-*,api-1 --role db --exclude web-7", DeployRequest.builder().tag("v1")
                .hostGlobs(List.of("web-*", "api-1")).roles(List.of("db")).excludeGlobs(List.of("web-7")).build().selector());
        assertEquals("--role db", DeployRequest.builder().tag("v1").roles(List.of("db")).build().selector());
    }

    @Test
    void buildRefusesWhatNoDeployCouldDo() {
        assertEquals("tag '.v1' (expected: 1 to 100 of A-Z a-z 0-9 . _ -, not starting with '.' or '-')",
                assertThrows(IllegalArgumentException.class, () -> DeployRequest.builder().tag(".v1").build()).getMessage());
        assertEquals("tag 'null' (expected: 1 to 100 of A-Z a-z 0-9 . _ -, not starting with '.' or '-')",
                assertThrows(IllegalArgumentException.class, () -> DeployRequest.builder().build()).getMessage());
        assertEquals("keep: 0 (expected: 1 to 1000)",
                assertThrows(IllegalArgumentException.class, () -> DeployRequest.builder().tag("v1").keep(0).build()).getMessage());
        assertEquals("timeout: PT0S (expected: positive)", assertThrows(IllegalArgumentException.class,
                () -> DeployRequest.builder().tag("v1").timeout(Duration.ZERO).build()).getMessage());
        assertEquals("rollbackTo '..' (expected: 1 to 100 of A-Z a-z 0-9 . _ -, not starting with '.' or '-')",
                assertThrows(IllegalArgumentException.class, () -> DeployRequest.builder().tag("v1").rollback(true).rollbackTo("..")
                        .build()).getMessage());
    }

    /** A --resume rebuilds the request from the job: a wave deploy's --rollback-all (its waves in the job) is taken as it is. */
    @org.junit.jupiter.api.Test
    void aResumedWaveDeployWithRollbackAllIsFollowedAsPublished() {
        org.murder.orchestrator.job.Job job = org.murder.orchestrator.job.Job.builder().id("v2-x").tag("v2").torrent("ZA==")
                .md5("0123456789abcdef0123456789abcdef").size(1).hosts(List.of("web-1", "web-2")).selector("--hosts web-*")
                .createdAt(1).deadline(60_001).activate(true).keep(5)
                .rollout(new org.murder.orchestrator.rollout.Rollout(org.murder.orchestrator.rollout.RolloutRequest.ALL_HOOKS,
                        List.of(List.of("web-1"), List.of("web-2")), "0", true, true)).build();
        DeployRequest resumed = DeployRequest.builder().tag("v2").hostGlobs(List.of("web-*")).build().resumed(job);
        org.junit.jupiter.api.Assertions.assertTrue(resumed.rollout().rollbackAll());
        assertEquals("v2", resumed.tag());
    }
}
