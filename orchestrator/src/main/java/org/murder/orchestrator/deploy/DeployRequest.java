package org.murder.orchestrator.deploy;

import org.murder.maker.Compression;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.murder.core.PortRange;

/**
 * One {@code murder deploy}, resolved from the command line.
 *
 * @param source          release directory or ready archive (empty for a rollback)
 * @param tag             release tag
 * @param hostGlobs       agent names to target, as globs ({@code web-*})
 * @param roles           agent roles to target
 * @param excludeGlobs    agent names to leave out
 * @param dest            destination directory on the hosts (empty: each agent's --dest-root)
 * @param seedTime        how long hosts seed after completing
 * @param timeout         give up on hosts not done after this long
 * @param activate        unpack and switch {@code current} on each host
 * @param keep            releases each host keeps
 * @param rollbackTo      for a rollback job: the tag to switch back to (empty: the previous one)
 * @param rollback        publish a rollback job instead of a deploy
 * @param dryRun          print the targets and stop
 * @param bind            address the embedded tracker and seeder listen on (0.0.0.0: all)
 * @param trackerPort     port of the embedded tracker (0: any free port)
 * @param externalTracker announce URL of a running tracker to use instead (registration over HTTP)
 * @param advertise       address hosts reach this deploy host at (tracker URL, seeder announce)
 * @param seederPorts     port range of the embedded seeder
 * @param workDir         where the archive and torrent are written
 * @param grace           how long the seeder stays up after every host reported
 * @param compression     how a release directory is packed
 * @param rollout         hooks, waves and the failure budget of an activating deploy
 */
public record DeployRequest(Optional<Path> source, String tag, List<String> hostGlobs, List<String> roles,
        List<String> excludeGlobs, String dest, Duration seedTime, Duration timeout, boolean activate, int keep,
        String rollbackTo, boolean rollback, boolean dryRun, String bind, int trackerPort, Optional<String> externalTracker,
        String advertise, PortRange seederPorts, Path workDir, Duration grace, Compression compression,
        org.murder.orchestrator.rollout.RolloutRequest rollout) {
    public DeployRequest {
        rollout = rollout == null ? org.murder.orchestrator.rollout.RolloutRequest.defaults() : rollout;
        hostGlobs = List.copyOf(hostGlobs);
        roles = List.copyOf(roles);
        excludeGlobs = List.copyOf(excludeGlobs);
    }

    /** A deploy with the default rollout: every hook the release defines, no waves. */
    public DeployRequest(Optional<Path> source, String tag, List<String> hostGlobs, List<String> roles,
            List<String> excludeGlobs, String dest, Duration seedTime, Duration timeout, boolean activate, int keep,
            String rollbackTo, boolean rollback, boolean dryRun, String bind, int trackerPort, Optional<String> externalTracker,
            String advertise, PortRange seederPorts, Path workDir, Duration grace, Compression compression) {
        this(source, tag, hostGlobs, roles, excludeGlobs, dest, seedTime, timeout, activate, keep, rollbackTo, rollback, dryRun,
                bind, trackerPort, externalTracker, advertise, seederPorts, workDir, grace, compression, null);
    }

    /**
     * The request that published {@code job}, as far as following it needs: its tag, destination,
     * activation and rollout from the job; this request's network, work directory and grace.
     */
    public DeployRequest resumed(org.murder.orchestrator.job.Job job) {
        org.murder.orchestrator.rollout.Rollout r = job.rolloutOrNone();
        return new DeployRequest(source, job.tag(), job.hosts(), List.of(), List.of(), job.dest(), Duration.ofSeconds(job.seedSeconds()),
                Duration.ofMillis(Math.max(1, job.deadline() - job.createdAt())), job.activate(), job.keep(), "", false, false, bind,
                trackerPort, externalTracker, advertise, seederPorts, workDir, grace, compression,
                new org.murder.orchestrator.rollout.RolloutRequest(r.hooks(), "", 0, r.maxFailures(), r.rollbackAll(), false));
    }

    /** This request with another source. */
    public DeployRequest withSource(Optional<Path> src) {
        return new DeployRequest(src, tag, hostGlobs, roles, excludeGlobs, dest, seedTime, timeout, activate, keep, rollbackTo,
                rollback, dryRun, bind, trackerPort, externalTracker, advertise, seederPorts, workDir, grace, compression, rollout);
    }

    /** This request with another {@code rollbackTo} (empty: each host's release before current). */
    public DeployRequest withRollbackTo(String to) {
        return new DeployRequest(source, tag, hostGlobs, roles, excludeGlobs, dest, seedTime, timeout, activate, keep, to,
                rollback, dryRun, bind, trackerPort, externalTracker, advertise, seederPorts, workDir, grace, compression, rollout);
    }

    /** This request with {@code r} as its rollout. */
    public DeployRequest withRollout(org.murder.orchestrator.rollout.RolloutRequest r) {
        return new DeployRequest(source, tag, hostGlobs, roles, excludeGlobs, dest, seedTime, timeout, activate, keep, rollbackTo,
                rollback, dryRun, bind, trackerPort, externalTracker, advertise, seederPorts, workDir, grace, compression, r);
    }

    /** A deploy packed with zstd, the default. */
    public DeployRequest(Optional<Path> source, String tag, List<String> hostGlobs, List<String> roles,
            List<String> excludeGlobs, String dest, Duration seedTime, Duration timeout, boolean activate, int keep,
            String rollbackTo, boolean rollback, boolean dryRun, String bind, int trackerPort, Optional<String> externalTracker,
            String advertise, PortRange seederPorts, Path workDir, Duration grace) {
        this(source, tag, hostGlobs, roles, excludeGlobs, dest, seedTime, timeout, activate, keep, rollbackTo, rollback, dryRun,
                bind, trackerPort, externalTracker, advertise, seederPorts, workDir, grace, Compression.ZSTD);
    }
}
