package org.murder.orchestrator.deploy;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.murder.core.MurderException;
import org.murder.core.Printable;
import org.murder.core.metainfo.MetaInfo;
import org.murder.maker.MakeTorrentResult;
import org.murder.orchestrator.job.AgentInfo;
import org.murder.orchestrator.job.HostReport;
import org.murder.orchestrator.job.Job;
import org.murder.orchestrator.job.JobSigner;
import org.murder.orchestrator.job.Json;
import org.murder.orchestrator.release.ReleaseTag;
import org.murder.orchestrator.zk.ZkPaths;
import org.murder.peer.engine.Engine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole deploy in one call: pack and make the torrent, start a tracker and a seeder (or use a
 * running tracker), resolve the target against the registered agents, publish the signed job, follow
 * every host's report with a live view until all are done or failed or the deadline passes, and
 * return one outcome per host. The parts: {@link ReleasePacker} packs, {@link OriginServices} is the
 * tracker and seeder, {@link JobNodes} the ZooKeeper nodes outside the follow loop, {@link Outcomes}
 * the rules of how a host ended, {@link SummaryPrinter} what is printed at the end.
 */
public final class Deployer {
    private static final Logger LOG = LoggerFactory.getLogger(Deployer.class);
    /** Reports that are not the agents' own, told 10 a minute. */
    private static final org.murder.core.LogThrottle UNSIGNED_REPORTS_LOG = new org.murder.core.LogThrottle(60_000, 10);
    private static final long CACHE_LOAD_SECONDS = 30;
    /** The follow loop reads the reports at most this often. */
    private static final long MIN_PASS_MILLIS = 200;
    /** Jobs and their host reports are removed this long after they were published, at the next deploy. */
    public static final Duration JOB_TTL = Duration.ofDays(7);

    private final CuratorFramework zk;
    private final JobSigner signer;
    private final Clock clock;
    private final PrintWriter out;
    private final boolean terminal;
    private final DeployMetrics metrics;
    private final JobNodes nodes;

    private volatile List<String> targets = List.of();
    private volatile String jobId = "";
    /** The job this deployer is following now, published and not yet seen to its end (null: none). */
    private volatile Job following;
    /** Why this deploy's seed of its release stopped, empty while it serves (and for jobs without a seed: rollbacks). */
    private volatile java.util.function.Supplier<Optional<String>> seedFailure = Optional::empty;
    private int pausedAt = -1;
    private final Map<String, String> currentByHost = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile java.util.function.Consumer<DeployState> listener = state -> { };

    public Deployer(CuratorFramework zk, JobSigner signer, Clock clock, PrintWriter out, boolean terminal) {
        this(zk, signer, clock, out, terminal, DeployMetrics.unregistered());
    }

    public Deployer(CuratorFramework zk, JobSigner signer, Clock clock, PrintWriter out, boolean terminal, DeployMetrics metrics) {
        this.zk = zk;
        this.signer = signer;
        this.clock = clock;
        this.out = out;
        this.terminal = terminal;
        this.metrics = metrics;
        this.nodes = new JobNodes(zk, signer, clock);
    }

    /** Hosts a dry run lists; the rest are counted. */
    static final int DRY_RUN_ROWS = 50;
    /** The default of {@link #maxHosts(int)}. */
    public static final int DEFAULT_MAX_HOSTS = 1000;
    private int maxHosts = DEFAULT_MAX_HOSTS;

    /**
     * A deploy (or rollback) matching more than {@code max} hosts is refused before anything is
     * published: a glob typed too wide should not reach the whole fleet.
     */
    public Deployer maxHosts(int max) {
        if (max < 1) {
            throw MurderException.badInput("--max-hosts " + max + " (expected: 1 or more)");
        }
        this.maxHosts = max;
        return this;
    }

    /**
     * Who hears of the deploy as it goes ({@link DeployWeb}): each state the view renders, and at the
     * end the final one ({@link DeployState#finished}). Called on the deploying thread; it must not block.
     */
    public void onState(java.util.function.Consumer<DeployState> listener) {
        this.listener = listener;
    }

    /** The hosts the last {@link #deploy} targeted (empty before one resolved them). */
    public List<String> targets() {
        return targets;
    }

    /** The id of the job the last {@link #deploy} published (empty if it published none). */
    public String jobId() {
        return jobId;
    }

    /**
     * For a deploy that stops before its end (Ctrl-C, SIGTERM, a lost ZooKeeper): what it leaves
     * running and how to see it through. Empty when no job was published or the last one was
     * followed to its end.
     */
    public Optional<String> leftLive() {
        Job job = following;
        if (job == null) {
            return Optional.empty();
        }
        String live = "job " + Printable.escape(job.id()) + " (" + Printable.escape(job.tag()) + ", " + job.hosts().size()
                + " hosts) stays live on the agents until " + Instant.ofEpochMilli(job.deadline()).truncatedTo(ChronoUnit.SECONDS);
        if (!job.isDeploy()) { // a rollback needs no seed, and --resume takes deploys only
            return Optional.of("rollback " + live + "; the agents switch back without this process: 'murder jobs --hosts' shows"
                    + " how it ends");
        }
        return Optional.of(live + ", without this deploy's seed: 'murder deploy --resume " + Printable.escape(job.id())
                + "' seeds it again and follows it to the end");
    }

    /** The agents registered now, sorted by name. */
    public List<AgentInfo> agents() {
        return nodes.agents();
    }

    /** Every registration, each with whether it is signed with {@code signer}'s secret. */
    public List<ListedAgent> registrations(JobSigner signer) {
        return nodes.registrations(signer::verifyNode);
    }

    public List<HostOutcome> deploy(DeployRequest req) throws Exception {
        return deploy(req, null);
    }

    /**
     * Deploys with the release packed ahead ({@link #packAhead}; null: packed here, once the deploy
     * holds its locks). The caller closes {@code ahead}.
     */
    public List<HostOutcome> deploy(DeployRequest req, PackAhead ahead) throws Exception {
        try {
            ReleaseTag.parse(req.tag(), "--tag");
        } catch (IllegalArgumentException e) {
            throw MurderException.badInput(e.getMessage());
        }
        List<ListedAgent> listed = registrations(signer);
        List<AgentInfo> registered = listed.stream().map(ListedAgent::info).toList();
        java.util.Set<String> unsigned = new java.util.HashSet<>(listed.stream().filter(a -> !a.signed()).map(a -> a.info().name()).toList());
        java.util.Set<String> names = new java.util.HashSet<>(registered.stream().map(AgentInfo::name).toList());
        List<String> unknown = req.hostGlobs().stream().filter(g -> !g.matches(".*[*?\\[{].*") && !names.contains(g)).toList();
        if (!unknown.isEmpty()) { // a name given exactly (--host, or --hosts without a wildcard) is meant: not a green deploy without it
            throw MurderException.badInput("--host/--hosts " + unknown.stream().map(n -> "'" + org.murder.core.Printable.escape(n, 100) + "'")
                    .collect(java.util.stream.Collectors.joining(",")) + ": no registered agent of " + (unknown.size() == 1 ? "that name"
                    : "those names") + " (" + registered(registered) + "; expected: names 'murder agents' lists, or a glob)");
        }
        List<String> unknownExcluded = req.excludeGlobs().stream().filter(g -> !g.matches(".*[*?\\[{].*") && !names.contains(g)).toList();
        if (!unknownExcluded.isEmpty()) {
            // said, not refused: a host is mostly left out because it is down, and then not registered; but a typo of the one
            // meant to be left out deployed to it without a word
            out.println("note      --exclude " + unknownExcluded.stream().map(n -> "'" + org.murder.core.Printable.escape(n, 100) + "'")
                    .collect(java.util.stream.Collectors.joining(",")) + ": no registered agent of " + (unknownExcluded.size() == 1
                    ? "that name" : "those names") + " (" + registered(registered) + "): not a target anyway; a typo leaves out"
                    + " nothing");
            out.flush();
        }
        if (req.rollback() && req.rollbackTo().isEmpty() && zk.checkExists().forPath(ZkPaths.release(req.tag())) == null) {
            // a rollback undoes its tag where it is current: a tag never deployed (a typo in an incident) was green, undoing nothing
            throw MurderException.badInput("--tag " + org.murder.core.Printable.escape(req.tag(), 100) + ": never deployed through this"
                    + " ZooKeeper (expected: the tag of the release to roll back, as 'murder jobs' lists it; or --to TAG to switch"
                    + " the hosts to a release of your choice)");
        }
        List<AgentInfo> selected = new TargetSelector(req.hostGlobs(), req.roles(), req.excludeGlobs()).select(registered);
        if (selected.isEmpty()) {
            throw MurderException.badInput("no registered agent matches " + req.selector() + " (" + registered(registered) + ")");
        }
        requireSigned(req, selected, unsigned, registered.size());
        List<AgentInfo> targets = selected;
        List<String> hosts = targets.stream().map(AgentInfo::name).toList();
        this.targets = hosts;
        metrics.started(req.tag());
        metrics.hosts(hosts, Map.of());
        boolean tooMany = hosts.size() > maxHosts;
        if (req.dryRun()) {
            out.println("would " + (req.rollback() ? "roll back" : "deploy " + req.tag()) + " on " + hosts.size() + " hosts:");
            targets.stream().limit(DRY_RUN_ROWS).forEach(a -> out.printf("  %-24s %-16s roles %s%n",
                    org.murder.core.Printable.escape(a.name()), org.murder.core.Printable.escape(a.ip()),
                    org.murder.core.Printable.escape(String.join(",", a.roles()))));
            if (hosts.size() > DRY_RUN_ROWS) {
                out.printf("  ... and %d more%n", hosts.size() - DRY_RUN_ROWS);
            }
            if (tooMany) {
                out.printf("%d hosts is more than --max-hosts %d: a real run needs --max-hosts %d (or more)%n", hosts.size(),
                        maxHosts, hosts.size());
            }
            out.flush();
            return List.of();
        }
        if (tooMany) {
            throw MurderException.badInput(req.selector() + ": " + hosts.size() + " hosts match (expected: at most --max-hosts "
                    + maxHosts + "; check the target with --dry-run, then pass --max-hosts " + hosts.size() + " to go ahead)");
        }
        int pruned = new org.murder.orchestrator.job.JobStore(zk, signer).prune(JOB_TTL, clock, Optional.ofNullable(signer));
        if (pruned > 0) {
            LOG.info("removed {} jobs older than {}", pruned, org.murder.core.Durations.format(JOB_TTL));
        }
        try (DeployLock lock = DeployLock.acquire(zk, locks(req), lockedHosts(req, hosts), (req.rollback() ? "rollback " : "deploy ") + req.tag(),
                clock)) {
            if (!req.rollback()) {
                refuseLiveJobOfTag(req.tag());
            }
            return req.rollback() ? publishAndFollow(req, hosts, rollbackJob(req, hosts)) : deployRelease(req, hosts, ahead);
        }
    }

    private static final String UNSIGNED_WHY = "agents of a murder before 2026-12-06, which cannot store their reports under this"
            + " tree's locked nodes, or registrations anyone made";

    /**
     * Refuses targets whose registration is not signed with the job secret, unless they are left out with --exclude. Such a
     * host (an agent of before the signed reports, or a node anyone made) was targeted and could never report: a host that
     * switched was summed up as "never accepted the job", a rollback retried after that "failure" moved it two releases
     * back, a failed wave was rolled back only at the deadline. Left out without a word, it would fall behind every deploy
     * (and a rollback would leave it on the release rolled back). When no registration at all is signed, the secret of
     * this host is the likelier culprit, and the line says so.
     */
    private static void requireSigned(DeployRequest req, List<AgentInfo> selected, java.util.Set<String> unsigned,
            int registeredCount) {
        List<String> out = selected.stream().map(AgentInfo::name).filter(unsigned::contains).toList();
        if (out.isEmpty()) {
            return;
        }
        String names = out.stream().limit(20).map(n -> org.murder.core.Printable.escape(n, 100))
                .collect(java.util.stream.Collectors.joining(",")) + (out.size() > 20 ? ",..." : "");
        if (unsigned.size() == registeredCount) {
            throw MurderException.badInput("none of the " + registeredCount + " registered agents is signed with this host's job"
                    + " secret: is it the fleet's? (expected: the secret the agents have: --secret-file, secret-file in murder.conf,"
                    + " MURDER_SECRET_FILE; or agents upgraded to a murder of 2026-12-06 or later)");
        }
        throw MurderException.badInput(out.size() + " of the " + selected.size() + " hosts of " + req.selector() + " registered"
                + " without the job secret's signature: " + names + " (" + UNSIGNED_WHY + "; a deploy could not follow them."
                + " Expected: upgrade them, or give them this job secret, or leave them out: --exclude " + names + ")");
    }

    /** {@code N registered: a, b, ...}: the first 20 names, for a message about targets. */
    private static String registered(List<AgentInfo> agents) {
        return agents.size() + " registered" + (agents.isEmpty() ? "" : ": " + String.join(", ", agents.stream().map(AgentInfo::name)
                .limit(20).toList()) + (agents.size() > 20 ? ", ..." : ""));
    }

    /**
     * Refuses a second job of {@code tag} while one is live on its hosts: we hold the tag's lock, so
     * its deploy is gone (killed, Ctrl-C), and the agents still run its job to its deadline. A new
     * job failed on every host at once ("already running in this engine"); the old one can be
     * resumed, seeded and followed, with {@code --resume}.
     */
    private void refuseLiveJobOfTag(String tag) throws Exception {
        for (org.murder.orchestrator.job.JobStore.JobStatus s : new org.murder.orchestrator.job.JobStore(zk, signer).unfinished(tag,
                clock.millis(), Optional.ofNullable(signer))) {
            throw MurderException.failure("tag " + tag + ": job " + s.job().id() + " of a deploy that is gone is still live on "
                    + s.unfinishedHosts() + " of " + s.job().hosts().size() + " hosts until " + java.time.Instant.ofEpochMilli(s.job().deadline())
                    .truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + " (expected: 'murder deploy --resume " + s.job().id()
                    + "' to seed it and see it through, or a new deploy after that deadline)", null);
        }
    }

    /**
     * Starts packing and hashing {@code req}'s release at once, before the deploy connects to ZooKeeper
     * (see {@link PackAhead}); null when there is nothing to pack (a dry run, a rollback) or its announce
     * URL is known only once the tracker listens ({@code --tracker-port 0}).
     */
    public static PackAhead packAhead(DeployRequest req, Clock clock, boolean terminal) throws IOException {
        if (req.dryRun() || req.rollback()) {
            return null;
        }
        Path source = source(req);
        Optional<String> announce = OriginServices.announceFor(req);
        return announce.isEmpty() ? null
                : new ReleasePacker(clock, terminal).begin(source, req.tag(), req.compression(), announce.get(), req.workDir(),
                        req.activate());
    }

    private static Path source(DeployRequest req) {
        return req.source().orElseThrow(() -> MurderException.badInput("deploy: missing SRC"));
    }

    /** The tag's lock. */
    private static Map<String, String> locks(DeployRequest req) {
        return Map.of(ZkPaths.lock(req.tag()), "tag " + req.tag());
    }

    /**
     * The hosts locked beside the tag: all of them when the job switches current (an activating
     * deploy, a rollback), so that two such jobs never run on one host at once and a fleet cannot
     * end split between them; none otherwise.
     */
    private static List<String> lockedHosts(DeployRequest req, List<String> hosts) {
        return req.activate() || req.rollback() ? hosts : List.of();
    }

    private List<HostOutcome> deployRelease(DeployRequest req, List<String> hosts, PackAhead ahead) throws Exception {
        Files.createDirectories(req.workDir());
        Path source = source(req);
        try (OriginServices origin = OriginServices.forDeploy(req, clock, metrics)) {
            origin.listen(req, rackProofs()); // a busy --seeder-ports range is told now, not once the release is packed
            String announce = origin.announce();
            ReleasePacker.Check tagKeepsItsBytes = (md5, size) -> nodes.recordRelease(req.tag(), md5, size);
            MakeTorrentResult made;
            if (ahead != null && ahead.announce().equals(announce)) {
                made = ahead.finish(tagKeepsItsBytes);
            } else {
                if (ahead != null) {
                    ahead.close(); // made for another announce URL: not two packings at once
                }
                made = new ReleasePacker(clock, terminal).pack(source, req.tag(), req.compression(), announce, req.workDir(), req.activate(),
                        tagKeepsItsBytes);
            }
            MetaInfo meta = MetaInfo.read(made.torrent());
            out.printf("release   %s: %s (%s), md5 %s%n", req.tag(), made.archive(),
                    org.murder.core.ByteSize.format(made.size()), made.md5());
            origin.register(meta);
            // an archive this deploy packed (in --work-dir) was hashed as it was written: not read again; a ready archive
            // is the operator's file, which may have changed since it was hashed, and is checked as before
            Engine seeder = origin.seed(meta, made.archive(), made.packed());
            seedFailure = origin::seedFailure;
            out.printf("seeding   on port %d; tracker %s%n", seeder.port(), announce);
            out.flush();
            long now = clock.millis();
            Job job = Job.builder().id(Job.newId(req.tag(), now)).type(Job.DEPLOY).tag(req.tag())
                    .torrent(Base64.getEncoder().encodeToString(Files.readAllBytes(made.torrent()))).md5(made.md5()).size(made.size())
                    .dest(req.dest()).seedSeconds(req.seedTime().toSeconds()).activate(req.activate()).keep(req.keep()).hosts(hosts)
                    .selector(req.selector()).createdAt(now).deadline(now + req.timeout().toMillis())
                    .rollout(req.activate() ? req.rollout().forHosts(hosts) : null).build();
            try (SeedingMark seeding = SeedingMark.of(made.torrent(), clock)) {
                List<HostOutcome> outcomes = publishAndFollow(req, hosts, job);
                if (!req.grace().isZero() && outcomes.stream().anyMatch(o -> !o.alreadyThere()) && seedFailure.get().isEmpty()) {
                    LOG.info("seeding for {} more before stopping", org.murder.core.Durations.format(req.grace()));
                    Thread.sleep(req.grace().toMillis());
                }
                return outcomes;
            }
        }
    }

    private Job rollbackJob(DeployRequest req, List<String> hosts) {
        long now = clock.millis();
        return Job.builder().id(Job.newId(req.tag() + "-rollback", now)).type(Job.ROLLBACK).tag(req.tag()).dest(req.dest())
                .keep(req.keep()).rollbackTo(req.rollbackTo()).hosts(hosts).selector(req.selector()).createdAt(now)
                .deadline(now + req.timeout().toMillis())
                .rollout(new org.murder.orchestrator.rollout.Rollout(req.rollout().hooks(), List.of())).build();
    }

    /**
     * Takes over a deploy whose process stopped (killed, its host lost): reads the signed job back,
     * seeds its archive again ({@code req.source()}, or the torrent's file in {@code --work-dir}: the
     * torrent travels in the job), with a tracker where the torrent announces (this machine's
     * murder tracker, or an embedded one on the torrent's port when the torrent names this machine),
     * and follows the rollout from where it is: hosts done stay done, released waves stay released,
     * agents keep what they downloaded.
     */
    public List<HostOutcome> resume(String id, DeployRequest req) throws Exception {
        Job job = nodes.readSigned(id);
        this.jobId = job.id();
        this.targets = job.hosts();
        DeployRequest asPublished = req.resumed(job);
        MetaInfo meta = MetaInfo.parse(Base64.getDecoder().decode(job.torrent()));
        Path archive = req.source().orElse(req.workDir().resolve(meta.name()));
        if (!Files.isRegularFile(archive)) {
            throw MurderException.badInput("--resume " + id + ": " + archive + ": no such file (expected: the release archive "
                    + meta.name() + ", as SRC or in --work-dir, to seed again)");
        }
        String announce = meta.trackerTiers().isEmpty() || meta.trackerTiers().get(0).isEmpty() ? ""
                : meta.trackerTiers().get(0).get(0);
        // the work directory's release of the tag (seeded, or kept for a later deploy's delta) is marked in use from here,
        // before its archive is checked again (minutes, for a large one), so that no deploy short of room removes it meanwhile
        try (SeedingMark seeding = SeedingMark.of(req.workDir().resolve(job.tag() + ".torrent"), clock);
                DeployLock lock = DeployLock.acquire(zk, locks(asPublished), lockedHosts(asPublished, job.hosts()), "resume " + job.tag(),
                clock);
                OriginServices origin = OriginServices.forTorrent(announce, job.tag(), req.bind(), clock, metrics)) {
            origin.listen(asPublished, rackProofs());
            origin.register(meta);
            Engine seeder = origin.seed(meta, archive);
            seedFailure = origin::seedFailure;
            out.printf("resume    %s (%s, %d hosts): seeding %s on port %d; tracker %s%n", job.id(), job.tag(), job.hosts().size(),
                    archive, seeder.port(), announce);
            out.flush();
            return follow(asPublished, job, true, null);
        }
    }

    /**
     * Releases the next wave of a paused rollout ({@code --pause}): the deploy following it (or a
     * resumed one) sees the signed approval and lets the wave switch. Returns the wave approved (1-based).
     */
    public int approveNextWave(String id) throws Exception {
        Job job = nodes.readSigned(id);
        if (!job.rolloutOrNone().hasWaves()) {
            throw MurderException.badInput("--continue " + id + ": the job has no waves (expected: a deploy with --waves or --batch)");
        }
        if (nodes.wavesStopped(id)) {
            throw MurderException.failure("--continue " + id + ": the rollout was stopped (a wave failed); nothing to continue", null);
        }
        int released = releasedWaves(id);
        if (released >= job.rollout().waves().size()) {
            throw MurderException.failure("--continue " + id + ": every wave is released already", null);
        }
        if (!isFollowed(job)) {
            throw MurderException.failure("--continue " + id + ": no deploy is following the job (the process that published it"
                    + " stopped), so nothing would release the wave (expected: 'murder deploy --resume " + id + "' on the deploy host"
                    + " first; it shows the paused wave, then --continue releases it)", null);
        }
        if (released > 0) {
            long running = nodes.unfinishedOf(id, job.rollout().waves().get(released - 1));
            if (running > 0) {
                throw MurderException.failure("--continue " + id + ": wave " + released + " has not passed yet (" + running + " of "
                        + job.rollout().waves().get(released - 1).size() + " hosts still at work; expected: --continue once the deploy"
                        + " says 'paused    wave " + released + " of " + job.rollout().waves().size() + " passed')", null);
            }
        }
        signedNode(ZkPaths.waveApproval(id, released));
        return released + 1;
    }

    /** Whether a deploy holds {@code job}'s tag lock with a fresh heartbeat: a live process follows the job. */
    private boolean isFollowed(Job job) throws Exception {
        try {
            String path = ZkPaths.lock(job.tag());
            org.apache.zookeeper.data.Stat stat = new org.apache.zookeeper.data.Stat();
            LockHolder holder = Json.read(zk.getData().storingStatIn(stat).forPath(path), LockHolder.class);
            // a dead deploy's lock outlives it by its session timeout, its heartbeat by up to SILENT: the holder's process says
            if (holder.isDeadProcessOn(DeployLock.localHost())) {
                return false;
            }
            if (DeployLock.isFresh(holder, clock.millis())) {
                return true;
            }
            // stale by this host's clock, which may be off the deploy host's: a live holder renews the node within two beats
            long until = System.nanoTime() + DeployLock.HEARTBEAT.multipliedBy(2).toNanos();
            while (System.nanoTime() < until) {
                Thread.sleep(250);
                org.apache.zookeeper.data.Stat now = zk.checkExists().forPath(path);
                if (now == null) {
                    return false;
                }
                if (now.getVersion() != stat.getVersion()) {
                    return true;
                }
            }
            return false;
        } catch (org.apache.zookeeper.KeeperException.NoNodeException gone) {
            return false;
        } catch (IllegalArgumentException notOurs) {
            return true; // held by something else: not ours to judge
        }
    }

    /** How many waves of job {@code id} the deployer released. */
    private int releasedWaves(String id) throws Exception {
        return nodes.releasedWaves(id);
    }

    private List<HostOutcome> publishAndFollow(DeployRequest req, List<String> hosts, Job unsigned) throws Exception {
        Job job = signer.sign(unsigned);
        this.jobId = job.id();
        nodes.checkSize(job);
        return follow(req, job, false, () -> {
            // stamped (and signed) as it goes out: agents measure the job from when it was published
            Job stamped = signer.sign(unsigned.stampedAt(clock.millis()));
            nodes.publish(stamped);
            following = stamped; // live on the agents from here on, whatever becomes of this process
            out.printf("job       %s published for %d hosts (%s), deadline %s%n", job.id(), hosts.size(), req.selector(),
                    org.murder.core.Durations.format(req.timeout()));
            out.flush();
            return null;
        });
    }

    /**
     * Follows a job's reports (and its waves) to the end; {@code resumed}: taken over from another
     * deploy. {@code publish} (null: published already) runs once this deployer's views of the
     * agents and reports are loaded: at fleet size, loading them while thousands of agents answer
     * the job would slow both.
     */
    private List<HostOutcome> follow(DeployRequest req, Job job, boolean resumed, java.util.concurrent.Callable<Void> publish)
            throws Exception {
        List<String> hosts = job.hosts();
        ProgressView view = new ProgressView(out, terminal, hosts, job.size());
        Map<String, HostReport> reports = new HashMap<>();
        org.murder.orchestrator.rollout.WaveController waves = job.rolloutOrNone().hasWaves()
                ? new org.murder.orchestrator.rollout.WaveController(job.rollout().waves(), job.rollout().maxFailures()) : null;
        if (waves != null && resumed) {
            waves.resume(releasedWaves(job.id()), nodes.wavesStopped(job.id()));
        }
        Map<String, Long> missingSince = new HashMap<>();
        java.util.Set<String> signedSeen = new java.util.HashSet<>(); // hosts whose agent's signed report was read
        Map<String, Long> reportSeenAt = new HashMap<>(); // when each host's report last changed, for a timeout's reason
        Object changed = new Object();
        java.util.concurrent.atomic.AtomicBoolean dirty = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable wakeUp = () -> {
            synchronized (changed) {
                dirty.set(true);
                changed.notifyAll();
            }
        };
        try (CuratorCache hostsCache = CuratorCache.build(zk, ZkPaths.hosts(job.id()));
                CuratorCache agentsCache = CuratorCache.build(zk, ZkPaths.AGENTS);
                CuratorCache wavesCache = CuratorCache.build(zk, ZkPaths.waves(job.id()));
                ConnectionNotes connection = new ConnectionNotes(zk, clock, wakeUp)) {
            CuratorCacheListener wake = CuratorCacheListener.builder().forAll((type, before, after) -> wakeUp.run()).build();
            Map<String, ChildData> parsed = new HashMap<>(); // the node each host's report was last read from
            hostsCache.listenable().addListener(wake);
            agentsCache.listenable().addListener(wake);
            wavesCache.listenable().addListener(wake); // an operator's --continue
            java.util.concurrent.CountDownLatch loaded = new java.util.concurrent.CountDownLatch(2);
            CuratorCacheListener initialized = CuratorCacheListener.builder().forInitialized(loaded::countDown).build();
            hostsCache.listenable().addListener(initialized);
            agentsCache.listenable().addListener(initialized);
            hostsCache.start();
            agentsCache.start();
            if (waves != null) {
                wavesCache.start();
            }
            if (!loaded.await(CACHE_LOAD_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) {
                LOG.warn("the registered agents and the reports not loaded within {} s; following them as they come", CACHE_LOAD_SECONDS);
            }
            if (publish != null) {
                publish.call(); // sets following as it publishes
            } else {
                following = job; // resumed: live on the agents already
            }
            long started = resumed ? job.createdAt() : clock.millis();
            long deadline = resumed ? job.deadline() : started + req.timeout().toMillis();
            long settleUntil = -1; // past the deadline: until when the hosts' own last reports are waited for
            while (true) {
                connection.drain(deadline).forEach(line -> {
                    view.finish();
                    out.println(line);
                    out.flush();
                });
                long passStarted = System.nanoTime();
                dirty.set(false);
                for (String h : hosts) {
                    hostsCache.get(ZkPaths.host(job.id(), h)).filter(node -> node != parsed.get(h)).ifPresent(node -> {
                        parsed.put(h, node); // only reports that changed are parsed again: thousands of hosts, several passes a second
                        reportSeenAt.put(h, clock.millis());
                        try {
                            reports.put(h, org.murder.orchestrator.job.ReportSeal.read(ZkPaths.host(job.id(), h), node.getData(), signer));
                            signedSeen.add(h);
                        } catch (IllegalArgumentException e) {
                            // a failure fails its host whoever wrote it (an agent with another secret rejects the job so), but
                            // never over what its agent signed, and never with the bytes, times or switch it claims
                            HostReport failure = org.murder.orchestrator.job.ReportSeal.unsignedFailure(node.getData());
                            if (failure != null && !signedSeen.contains(h)) {
                                reports.put(h, failure);
                            } else {
                                long heldBack = UNSIGNED_REPORTS_LOG.acquire();
                                if (heldBack >= 0) {
                                    LOG.warn("{}: {}{}", ZkPaths.host(job.id(), h), e.getMessage(), org.murder.core.LogThrottle.suffix(heldBack));
                                }
                            }
                        }
                    });
                    boolean registered = agentsCache.get(ZkPaths.agent(h)).filter(d -> org.murder.orchestrator.zk.Zk.isRegistration(d.getStat())).isPresent();
                    if (registered) {
                        missingSince.remove(h);
                    } else {
                        missingSince.putIfAbsent(h, clock.millis());
                    }
                }
                long now = clock.millis();
                if (waves != null && settleUntil < 0) { // past the deadline nothing is steered: the waves' stop is written
                    steerWaves(job, waves, h -> Outcomes.isFinished(reports.get(h), missingSince.get(h), now),
                            h -> reports.get(h) == null || !HostReport.DONE.equals(reports.get(h).state()),
                            w -> !job.rollout().pause() || wavesCache.get(ZkPaths.waveApproval(job.id(), w)).map(ChildData::getData)
                                    .map(d -> signer.verifyText(ZkPaths.waveApproval(job.id(), w),
                                            new String(d, java.nio.charset.StandardCharsets.US_ASCII).strip()))
                                    .orElse(false));
                }
                Map<String, Long> unregistered = new HashMap<>();
                missingSince.forEach((h, since) -> unregistered.put(h, now - since));
                view.render(reports, unregistered, now - started);
                listener.accept(DeployState.of(job.id(), job.tag(), hosts, job.size(), reports, now - started));
                metrics.hosts(hosts, reports);
                boolean allFinished = hosts.stream().allMatch(h -> Outcomes.isFinished(reports.get(h), missingSince.get(h), now));
                // the seed stopped (its archive cut or written to while shared): hosts that lack pieces only it had would wait
                // to the deadline for them, and the operator with them, without a word why
                // only while a host still needs bytes: hosts ready for their wave or running hooks have the whole archive
                Optional<String> seedStopped = Job.DEPLOY.equals(job.type()) && !allFinished && hosts.stream().anyMatch(h ->
                        !Outcomes.isFinished(reports.get(h), missingSince.get(h), now) && stillDownloading(reports.get(h)))
                        ? seedFailure.get() : Optional.empty();
                if (seedStopped.isPresent()) {
                    view.finish();
                    out.printf("seed      FAILED: %s%n          following stops here; the job stays live on the agents until %s (the"
                            + " hosts downloading may still finish from each other: 'murder jobs --hosts %s'); to seed it again:"
                            + " 'murder deploy --resume %s ARCHIVE' with the archive the torrent was made from%n", seedStopped.get(),
                            Instant.ofEpochMilli(job.deadline()).truncatedTo(ChronoUnit.SECONDS), job.id(), job.id());
                    out.flush();
                }
                boolean connected = zk.getZookeeperClient().isConnected();
                if (now >= deadline && settleUntil < 0 && !allFinished && seedStopped.isEmpty()) {
                    if (waves != null && !waves.allReleased() && waves.stoppedAt() < 0 && connected) { // else the hosts' own deadline does it
                        // hosts waiting for a wave the deadline cut off give up now, rather than at their own deadline
                        signedNode(ZkPaths.wavesStop(job.id()));
                    }
                    // the agents stop at the same deadline and say how far they got and why (their report is the one
                    // 'murder jobs' shows): a summary decided before those reports land says less, and may contradict them
                    long waitingFor = connected ? hosts.stream().filter(h -> reportsAtDeadline(reports.get(h), missingSince.get(h), now))
                            .count() : 0;
                    settleUntil = now + (waitingFor == 0 ? 0 : settleMillis(hosts.size()));
                    if (waitingFor > 0) {
                        view.finish();
                        out.printf("deadline  passed with %d host%s still at work: waiting up to %d s for their agents' last reports%n",
                                waitingFor, waitingFor == 1 ? "" : "s", (settleUntil - now + 999) / 1000);
                        out.flush();
                    }
                }
                // a disconnect while settling does not end it: the reports may land once it is back, within the window
                boolean settled = settleUntil >= 0 && (now >= settleUntil
                        || hosts.stream().noneMatch(h -> reportsAtDeadline(reports.get(h), missingSince.get(h), now)));
                if (allFinished || settled || seedStopped.isPresent()) {
                    view.finish();
                    long unreachable = connection.unreachableFor(now);
                    if (unreachable >= 0 && !allFinished) {
                        out.printf("note      ZooKeeper unreachable for the last %d s: the results below are the hosts' reports as"
                                + " last read, and they may have finished since ('murder jobs %s' once ZooKeeper is back)%n",
                                unreachable, job.id());
                    }
                    reports.forEach((h, r) -> currentByHost.put(h, r.current()));
                    List<HostOutcome> outcomes = Outcomes.of(hosts, reports, missingSince, reportSeenAt, now,
                            seedStopped.isPresent() ? "not done when the seed stopped" : "not done by the deadline");
                    if (waves != null && waves.stoppedAt() >= 0) {
                        outcomes = rollBackAfter(req, job, waves, reports, outcomes);
                    }
                    metrics.finished(outcomes);
                    listener.accept(DeployState.finished(job.id(), job.tag(), hosts, job.size(), reports, now - started, outcomes));
                    following = null;
                    return outcomes;
                }
                // at most a pass every MIN_PASS_MILLIS: a fleet's reports arrive by the thousand a second
                long rest = MIN_PASS_MILLIS - java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - passStarted);
                if (rest > 0) {
                    Thread.sleep(rest);
                }
                synchronized (changed) {
                    if (!dirty.get()) {
                        changed.wait(Math.min(1000, Math.max(1, (settleUntil >= 0 ? settleUntil : deadline) - now)));
                    }
                }
            }
        }
    }

    /**
     * Whether the agent of a host unfinished at the deadline will write why: it took the job (it has a
     * report) and is registered. An agent that never took it, or is gone, writes nothing.
     */
    private static boolean reportsAtDeadline(HostReport r, Long missingSince, long now) {
        return r != null && !r.isFinished() && missingSince == null;
    }

    /**
     * How long past the deadline the agents' own last reports are waited for: their stop (a second's
     * check, a goodbye to the tracker) and the fleet's spread of state changes (10 s at 15,000 hosts).
     */
    public static long settleMillis(int hosts) {
        return DEADLINE_SETTLE_MILLIS + org.murder.orchestrator.agent.ReportCadence.spreadMillis(hosts);
    }

    /** The agents' stop at the deadline, without the fleet's spread (see {@link #settleMillis}). */
    static final long DEADLINE_SETTLE_MILLIS = 8_000;

    /** Whether a host with report {@code r} (null: none yet) may still need bytes from the seed: not yet ready, activating or finished. */
    private static boolean stillDownloading(HostReport r) {
        return r == null || !java.util.Set.of(HostReport.READY, HostReport.ACTIVATING, HostReport.DONE, HostReport.FAILED)
                .contains(r.state());
    }

    /** Releases the next wave, or stops the rollout, as {@link org.murder.orchestrator.rollout.WaveController} says. */
    private void steerWaves(Job job, org.murder.orchestrator.rollout.WaveController waves, java.util.function.Predicate<String> finished,
            java.util.function.Predicate<String> failed, java.util.function.IntPredicate approved) throws Exception {
        while (true) {
            org.murder.orchestrator.rollout.WaveController.Step step = waves.next(finished, failed, approved);
            int waiting = waves.awaitingApproval();
            if (waiting > 0 && waiting != pausedAt) {
                pausedAt = waiting;
                out.printf("paused    wave %d of %d passed; run 'murder deploy --continue %s' to release wave %d%n", waiting,
                        waves.waves().size(), job.id(), waiting + 1);
            }
            if (step.release().isPresent()) {
                int w = step.release().getAsInt();
                signedNode(ZkPaths.wave(job.id(), w));
                List<String> wave = waves.waves().get(w);
                out.printf("wave      %d of %d released: %d hosts (%s%s), at most %d may fail%n", w + 1, waves.waves().size(),
                        wave.size(), String.join(", ", wave.stream().limit(5).map(org.murder.core.Printable::escape).toList()),
                        wave.size() > 5 ? ", ..." : "", waves.budget(w));
            } else if (step.stopAt().isPresent()) {
                int w = step.stopAt().getAsInt();
                signedNode(ZkPaths.wavesStop(job.id()));
                List<String> wave = waves.waves().get(w);
                out.printf("wave      %d of %d FAILED on %d of %d hosts (at most %d may fail): stopping the rollout; %d hosts of later"
                        + " waves stay on their release%n", w + 1, waves.waves().size(), wave.stream().filter(failed).count(),
                        wave.size(), waves.budget(w), waves.notReleased().size());
            } else {
                out.flush();
                return;
            }
        }
    }

    /** A node holding the signature of its own path: agents take the deployer's word only with the secret. */
    private void signedNode(String path) throws Exception {
        nodes.signedNode(path);
    }

    /**
     * After a wave failed beyond its budget: a rollback job for the hosts this deploy switched in
     * that wave (every wave with {@code --rollback-all}), their hooks run again; the outcomes say
     * which release each host is on.
     */
    private List<HostOutcome> rollBackAfter(DeployRequest req, Job job, org.murder.orchestrator.rollout.WaveController waves,
            Map<String, HostReport> reports, List<HostOutcome> outcomes) throws Exception {
        List<String> scope = job.rollout().rollbackAll() ? job.hosts() : waves.waves().get(waves.stoppedAt());
        List<String> back = scope.stream().filter(h -> reports.get(h) != null && reports.get(h).switched()).toList();
        if (back.isEmpty()) {
            return outcomes;
        }
        out.printf("rollback  %d hosts that switched to %s: %s%n", back.size(), req.tag(),
                String.join(", ", back.stream().map(org.murder.core.Printable::escape).toList()));
        out.flush();
        String deployJob = jobId;
        List<HostOutcome> rolled;
        try {
            rolled = publishAndFollow(req.withRollbackTo(""), back, rollbackJob(req, back));
        } finally {
            jobId = deployJob;
        }
        return Outcomes.afterRollback(outcomes, rolled, currentByHost);
    }

    /** {@link SummaryPrinter#releasesLine}. */
    public static void releasesLine(PrintWriter out, Map<String, String> current) {
        SummaryPrinter.releasesLine(out, current);
    }

    /** The release each host's {@code current} was on at the end of the last {@link #deploy} (hosts that reported it). */
    public Map<String, String> currentByHost() {
        return Map.copyOf(currentByHost);
    }

    /** {@link SummaryPrinter#summaryDocument(String, String, List)}. */
    public static Map<String, Object> summaryDocument(String jobId, String tag, List<HostOutcome> outcomes) {
        return SummaryPrinter.summaryDocument(jobId, tag, outcomes);
    }

    /** {@link SummaryPrinter#summaryDocument(String, String, List, Map)}. */
    public static Map<String, Object> summaryDocument(String jobId, String tag, List<HostOutcome> outcomes, Map<String, String> current) {
        return SummaryPrinter.summaryDocument(jobId, tag, outcomes, current);
    }

    /** {@link SummaryPrinter#summary}. */
    public static boolean summary(PrintWriter out, String tag, List<HostOutcome> outcomes) {
        return SummaryPrinter.summary(out, tag, outcomes);
    }

    /** The origin judges peers' racks as the agents do: by their proofs under the job secret (none without a signer). */
    private org.murder.peer.engine.RackProofs rackProofs() {
        return signer == null ? null : org.murder.peer.engine.RackProofs.keyedBy(signer.rackProofsKey());
    }
}
