package org.murder.orchestrator.deploy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.murder.core.PortRange;
import org.murder.maker.Compression;
import org.murder.orchestrator.job.Job;
import org.murder.orchestrator.release.ReleaseTag;
import org.murder.orchestrator.rollout.Rollout;
import org.murder.orchestrator.rollout.RolloutRequest;

/**
 * One {@code murder deploy}, resolved from the command line. Made with {@link #builder()}, which
 * holds the defaults.
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
        RolloutRequest rollout) {
    public DeployRequest {
        rollout = rollout == null ? RolloutRequest.defaults() : rollout;
        hostGlobs = List.copyOf(hostGlobs);
        roles = List.copyOf(roles);
        excludeGlobs = List.copyOf(excludeGlobs);
    }

    /**
     * The request that published {@code job}, as far as following it needs: its tag, destination,
     * activation and rollout from the job; this request's network, work directory and grace.
     */
    public DeployRequest resumed(Job job) {
        Rollout r = job.rolloutOrNone();
        return new DeployRequest(source, job.tag(), job.hosts(), List.of(), List.of(), job.dest(), Duration.ofSeconds(job.seedSeconds()),
                Duration.ofMillis(Math.max(1, job.deadline() - job.createdAt())), job.activate(), job.keep(), "", false, false, bind,
                trackerPort, externalTracker, advertise, seederPorts, workDir, grace, compression,
                new RolloutRequest(r.hooks(), "", 0, r.maxFailures(), r.rollbackAll(), false));
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
    public DeployRequest withRollout(RolloutRequest r) {
        return new DeployRequest(source, tag, hostGlobs, roles, excludeGlobs, dest, seedTime, timeout, activate, keep, rollbackTo,
                rollback, dryRun, bind, trackerPort, externalTracker, advertise, seederPorts, workDir, grace, compression, r);
    }

    /** How the operator chose the targets, as the options they gave ({@code --hosts web-* --role db}). */
    public String selector() {
        List<String> parts = new ArrayList<>();
        if (!hostGlobs.isEmpty()) {
            parts.add("--hosts " + String.join(",", hostGlobs));
        }
        if (!roles.isEmpty()) {
            parts.add("--role " + String.join(",", roles));
        }
        if (!excludeGlobs.isEmpty()) {
            parts.add("--exclude " + String.join(",", excludeGlobs));
        }
        return String.join(" ", parts);
    }

    /** A builder with this request's values. */
    public Builder toBuilder() {
        return new Builder().source(source).tag(tag).hostGlobs(hostGlobs).roles(roles).excludeGlobs(excludeGlobs).dest(dest)
                .seedTime(seedTime).timeout(timeout).activate(activate).keep(keep).rollbackTo(rollbackTo).rollback(rollback)
                .dryRun(dryRun).bind(bind).trackerPort(trackerPort).externalTracker(externalTracker).advertise(advertise)
                .seederPorts(seederPorts).workDir(workDir).grace(grace).compression(compression).rollout(rollout);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Builds a {@link DeployRequest}. The defaults are those of {@code murder deploy} (seed 30 s,
     * timeout 10 min, keep 5, tracker port 8998 on 0.0.0.0, seeder ports 6881-6889, work directory
     * /var/tmp/murder, grace 10 s, zstd, every hook, no waves), except {@code advertise}: 127.0.0.1.
     * The tag has no default. {@link #build()} checks the tag, {@code keep} and {@code timeout}.
     */
    public static final class Builder {
        private Optional<Path> source = Optional.empty();
        private String tag;
        private List<String> hostGlobs = List.of();
        private List<String> roles = List.of();
        private List<String> excludeGlobs = List.of();
        private String dest = "";
        private Duration seedTime = Duration.ofSeconds(30);
        private Duration timeout = Duration.ofMinutes(10);
        private boolean activate;
        private int keep = 5;
        private String rollbackTo = "";
        private boolean rollback;
        private boolean dryRun;
        private String bind = "0.0.0.0";
        private int trackerPort = 8998;
        private Optional<String> externalTracker = Optional.empty();
        private String advertise = "127.0.0.1";
        private PortRange seederPorts = new PortRange(6881, 6889);
        private Path workDir = Path.of("/var/tmp/murder");
        private Duration grace = Duration.ofSeconds(10);
        private Compression compression = Compression.ZSTD;
        private RolloutRequest rollout = RolloutRequest.defaults();

        private Builder() {
        }

        public Builder source(Optional<Path> source) {
            this.source = source;
            return this;
        }

        public Builder source(Path source) {
            return source(Optional.of(source));
        }

        public Builder tag(String tag) {
            this.tag = tag;
            return this;
        }

        public Builder hostGlobs(List<String> hostGlobs) {
            this.hostGlobs = hostGlobs;
            return this;
        }

        public Builder roles(List<String> roles) {
            this.roles = roles;
            return this;
        }

        public Builder excludeGlobs(List<String> excludeGlobs) {
            this.excludeGlobs = excludeGlobs;
            return this;
        }

        public Builder dest(String dest) {
            this.dest = dest;
            return this;
        }

        public Builder seedTime(Duration seedTime) {
            this.seedTime = seedTime;
            return this;
        }

        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        public Builder activate(boolean activate) {
            this.activate = activate;
            return this;
        }

        public Builder keep(int keep) {
            this.keep = keep;
            return this;
        }

        public Builder rollbackTo(String rollbackTo) {
            this.rollbackTo = rollbackTo;
            return this;
        }

        public Builder rollback(boolean rollback) {
            this.rollback = rollback;
            return this;
        }

        public Builder dryRun(boolean dryRun) {
            this.dryRun = dryRun;
            return this;
        }

        public Builder bind(String bind) {
            this.bind = bind;
            return this;
        }

        public Builder trackerPort(int trackerPort) {
            this.trackerPort = trackerPort;
            return this;
        }

        public Builder externalTracker(Optional<String> externalTracker) {
            this.externalTracker = externalTracker;
            return this;
        }

        public Builder advertise(String advertise) {
            this.advertise = advertise;
            return this;
        }

        public Builder seederPorts(PortRange seederPorts) {
            this.seederPorts = seederPorts;
            return this;
        }

        public Builder workDir(Path workDir) {
            this.workDir = workDir;
            return this;
        }

        public Builder grace(Duration grace) {
            this.grace = grace;
            return this;
        }

        public Builder compression(Compression compression) {
            this.compression = compression;
            return this;
        }

        public Builder rollout(RolloutRequest rollout) {
            this.rollout = rollout;
            return this;
        }

        /** @throws IllegalArgumentException naming the field, the bad value and what was expected */
        public DeployRequest build() {
            ReleaseTag.parse(tag);
            if (keep < 1 || keep > 1000) {
                throw new IllegalArgumentException("keep: " + keep + " (expected: 1 to 1000)");
            }
            if (timeout == null || timeout.isZero() || timeout.isNegative()) {
                throw new IllegalArgumentException("timeout: " + timeout + " (expected: positive)");
            }
            if (rollbackTo != null && !rollbackTo.isEmpty()) {
                ReleaseTag.parse(rollbackTo, "rollbackTo");
            }
            return new DeployRequest(source, tag, hostGlobs, roles, excludeGlobs, dest == null ? "" : dest, seedTime, timeout,
                    activate, keep, rollbackTo == null ? "" : rollbackTo, rollback, dryRun, bind, trackerPort, externalTracker,
                    advertise, seederPorts, workDir, grace, compression, rollout);
        }
    }
}
