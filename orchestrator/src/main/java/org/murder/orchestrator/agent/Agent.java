package org.murder.orchestrator.agent;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.murder.core.Hex;
import org.murder.core.RackName;
import org.murder.core.crypto.Digests;
import org.murder.core.metainfo.MetaInfo;
import org.murder.orchestrator.job.AgentInfo;
import org.murder.orchestrator.job.HostReport;
import org.murder.orchestrator.job.Job;
import org.murder.orchestrator.job.JobSigner;
import org.murder.orchestrator.job.Json;
import org.murder.orchestrator.release.Generation;
import org.murder.orchestrator.zk.ZkPaths;
import org.murder.peer.engine.Engine;
import org.murder.peer.engine.SessionListener;
import org.murder.peer.engine.SessionOptions;
import org.murder.peer.engine.Snapshot;
import org.murder.peer.engine.Torrent;
import org.murder.peer.storage.Storage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon on each host: registers itself ({@link Registration}: ephemeral, made again after a
 * session expiry), watches {@code /jobs} ({@link JobWatcher}: each job read once), and runs every
 * signed job that names it on the in-process engine, reporting to {@code /reports/<job>/<bucket>/<name>}
 * at the cadence {@link ReportCadence} sets for the job's fleet size. A job is run once per host:
 * finished reports are never redone, unfinished ones are resumed after a restart. ZooKeeper
 * outages pause the reports, never the download or the activation: reports go through a
 * {@link Reporter}, so a job thread never waits for ZooKeeper. A job stops at its deadline
 * (the {@code .part} stays for a later resume), and activates only if no job published after
 * it switched the destination already (see {@link Generation}).
 */
public final class Agent implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);
    private static final long REPORT_MILLIS = 1000;
    /** How long a session stopped at the deadline may take to say goodbye to the tracker. */
    private static final long STOP_WAIT_SECONDS = 10;

    private final CuratorFramework zk;
    private final AgentSettings settings;
    private final Engine engine;
    private final JobSigner signer;
    /** Job nodes ignored, told 10 a minute. */
    private final org.murder.core.LogThrottle ignoredLog = new org.murder.core.LogThrottle(60_000, 10);
    /** A ZooKeeper transaction id from this run's start: what was stored before it predates this run. */
    private volatile long startedAtZxid;
    /** Jobs run here to an end, across restarts: never run again. */
    private final FinishedJobs finished;
    private final Activator activator;
    private final RolloutActivation rollouts;
    private final Clock clock;
    private final AgentMetrics metrics;
    private final ExecutorService jobs = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "murder-agent-job");
        t.setDaemon(true);
        return t;
    });
    private final Set<String> started = ConcurrentHashMap.newKeySet();
    private final Set<String> ignored = ConcurrentHashMap.newKeySet();
    private final RejectionBudget rejections = new RejectionBudget();
    private static final long UNREGISTER_WAIT_MILLIS = 3_000;
    private Reporter reporter;
    private volatile Registration registration;
    private volatile JobWatcher watcher;
    /** The host count of the last job seen: how widely this agent spreads its re-reads after a reconnection. */
    private final java.util.concurrent.atomic.AtomicInteger fleetSize = new java.util.concurrent.atomic.AtomicInteger(1);
    private volatile boolean closed;
    private volatile String ensembleId = "";
    /**
     * Archives this agent's jobs check, download or unpack now, counted (two jobs of one destination may name the same one):
     * never pruned, from the job's start (its md5 check of one already there takes seconds) to its end.
     */
    private final java.util.Map<String, Integer> archivesInUse = new ConcurrentHashMap<>();
    /** The {@code .part} files of the jobs running now, counted (two jobs of one destination may name the same archive). */
    private final java.util.Map<Path, Integer> partsInUse = new ConcurrentHashMap<>();

    public Agent(CuratorFramework zk, AgentSettings settings, Engine engine, JobSigner signer, Activator activator, Clock clock) {
        this(zk, settings, engine, signer, activator, clock, org.murder.orchestrator.rollout.HostSetup.none(),
                new AgentMetrics(new io.prometheus.metrics.model.registry.PrometheusRegistry()));
    }

    public Agent(CuratorFramework zk, AgentSettings settings, Engine engine, JobSigner signer, Activator activator, Clock clock,
            AgentMetrics metrics) {
        this(zk, settings, engine, signer, activator, clock, org.murder.orchestrator.rollout.HostSetup.none(), metrics);
    }

    /** An agent whose activations use this host's hooks file, overlay directory and hook user ({@code setup}). */
    public Agent(CuratorFramework zk, AgentSettings settings, Engine engine, JobSigner signer, Activator activator, Clock clock,
            org.murder.orchestrator.rollout.HostSetup setup) {
        this(zk, settings, engine, signer, activator, clock, setup,
                new AgentMetrics(new io.prometheus.metrics.model.registry.PrometheusRegistry()));
    }

    public Agent(CuratorFramework zk, AgentSettings settings, Engine engine, JobSigner signer, Activator activator, Clock clock,
            org.murder.orchestrator.rollout.HostSetup setup, AgentMetrics metrics) {
        this.rollouts = new RolloutActivation(activator, setup, new ZkWaveGate(zk, signer, clock), settings.name(), settings.roles());
        this.zk = zk;
        this.settings = settings;
        this.engine = engine;
        this.signer = signer;
        this.activator = activator;
        this.clock = clock;
        this.metrics = metrics;
        this.finished = new FinishedJobs(settings.destRoot(), clock);
    }

    /** Registers and starts watching; returns once registered (or throws after {@code registerTimeoutSeconds}). */
    public void start(long registerTimeoutSeconds) throws Exception {
        zk.createContainers(ZkPaths.JOBS);
        zk.createContainers(ZkPaths.AGENTS);
        reporter = new Reporter(zk, settings.name(), signer);
        AgentInfo info = new AgentInfo(settings.name(), hostname(), settings.ip(), settings.roles(),
                engine.config().portRange().toString(), settings.destRoot().toString(), org.murder.core.BuildInfo.full(), clock.millis(),
                engine.config().rack().map(RackName::value).orElse(null), AgentProcess.current().orElse(null));
        registration = new Registration(zk, settings.name(), ZkPaths.agent(settings.name()), signer.signNode(Json.write(info)),
                fleetSize::get, this::nameIsOurs, signer::verifyNode);
        if (!registration.start(TimeUnit.SECONDS.toMillis(registerTimeoutSeconds))) {
            if (registration.lastFailure() instanceof org.apache.zookeeper.KeeperException.NoAuthException noAuth) {
                throw org.murder.core.MurderException.failure(org.murder.orchestrator.zk.ZkErrors.notAllowed(
                        noAuth.getPath() == null ? ZkPaths.agent(settings.name()) : noAuth.getPath()), noAuth);
            }
            throw new IllegalStateException("could not register " + ZkPaths.agent(settings.name()) + " within "
                    + registerTimeoutSeconds + " s");
        }
        ensembleId = ensembleId(zk);
        // needed only by an agent that has never recorded a finished job (one just upgraded); it costs a write
        startedAtZxid = finished.neverWritten() ? zxidNow(zk) : 0;
        watcher = new JobWatcher(zk, settings.name(), id -> started.contains(id) || ignored.contains(id), this::onJob,
                fleetSize::get);
        watcher.start();
        LOG.info("[agent={}] watching {} for jobs", settings.name(), ZkPaths.JOBS);
        if (registration.ours()) {
            LOG.info("[agent={}] registered (roles {}, peer port {}, releases under {})", settings.name(), settings.roles(),
                    engine.port(), settings.destRoot());
        }
    }

    /**
     * Why this agent takes no jobs now: another session holds its name (another live agent of the same
     * name, or its own earlier run until that session expires). Empty when it holds its registration.
     */
    public java.util.Optional<String> nameHeldElsewhere() {
        Registration r = registration;
        return r == null || r.ours() ? java.util.Optional.empty() : r.heldByOther();
    }

    /** The registration became ours: the jobs skipped while another session held the name are read now. */
    private void nameIsOurs() {
        JobWatcher w = watcher;
        if (w != null) {
            w.listNow();
        }
    }

    private void onJob(String id, byte[] data, org.apache.zookeeper.data.Stat stat) {
        if (closed || started.contains(id) || ignored.contains(id)) {
            return;
        }
        Job job;
        try {
            job = org.murder.orchestrator.job.JobCodec.decode(data);
            job.validate();
        } catch (IllegalArgumentException e) {
            ignore(id, "not a valid job: " + e.getMessage());
            return;
        }
        if (!registration.ours() && job.hosts().contains(settings.name())) {
            return; // another session holds our name: ours to run (or report rejected) once it is ours (nameIsOurs)
        }
        if (!signer.verify(job)) {
            String why = job.signature().isEmpty() ? "unsigned job" : "bad signature (signed with another secret than this agent's, or"
                    + " changed after signing)";
            if (ignored.add(id)) {
                LOG.warn("[agent={} job={}] {}: ignored", settings.name(), id, why);
                if (job.id().equals(id) && job.hosts().contains(settings.name())) {
                    jobs.execute(() -> reportRejected(job, "rejected: " + why));
                }
            }
            return;
        }
        if (!job.id().equals(id)) {
            ignore(id, "its id '" + job.id() + "' is not its node name: ignored");
            return;
        }
        if (!job.hosts().contains(settings.name())) {
            ignored.add(id);
            return;
        }
        fleetSize.set(job.hosts().size());
        if (stat == null || stat.getCzxid() <= 0) {
            ignore(id, "no creation id from ZooKeeper: ignored");
            return;
        }
        Generation generation = new Generation(stat.getCzxid(), job.id(), ensembleId);
        if (started.add(id)) {
            long publishedAtZk = stat.getCtime(); // by the ZooKeeper leader's clock
            jobs.execute(() -> run(job, generation, publishedAtZk));
        }
    }

    /** The ensemble's id ({@link ZkPaths#ENSEMBLE_ID}), made by the first agent that finds none. */
    static String ensembleId(CuratorFramework zk) throws Exception {
        try {
            zk.create().forPath(ZkPaths.ENSEMBLE_ID, java.util.UUID.randomUUID().toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        } catch (KeeperException.NodeExistsException e) {
            // made by another agent: read it below
        }
        for (int attempt = 0; ; attempt++) {
            org.apache.zookeeper.data.Stat stat = new org.apache.zookeeper.data.Stat();
            byte[] data = zk.getData().storingStatIn(stat).forPath(ZkPaths.ENSEMBLE_ID);
            String id = data == null ? "" : new String(data, java.nio.charset.StandardCharsets.US_ASCII).strip();
            if (id.matches("[A-Za-z0-9-]{1,64}")) {
                return id;
            }
            if (attempt == 3) {
                throw org.murder.core.MurderException.failure(ZkPaths.ENSEMBLE_ID + ": " + id.length() + " bytes that are not an id,"
                        + " again after replacing it 3 times (expected: the id an agent wrote, letters, digits and '-')", null);
            }
            // not an agent's: anyone who could write it stopped every agent that started; a new one is made (one agent wins)
            LOG.warn("{}: {} bytes that are not an id (someone else wrote it); replacing it with a new one", ZkPaths.ENSEMBLE_ID,
                    id.length());
            try {
                zk.setData().withVersion(stat.getVersion()).forPath(ZkPaths.ENSEMBLE_ID,
                        java.util.UUID.randomUUID().toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            } catch (KeeperException.BadVersionException raced) {
                // another agent replaced it first: read again
            }
        }
    }

    /**
     * Tells the deployer, in this host's report, that its job was refused, so that a deploy signed
     * with the wrong secret fails in seconds rather than at its deadline. Bounded, since anyone who
     * can write {@code /jobs} can make such jobs: only for a job naming this host, before its
     * deadline, at most {@link RejectionBudget#PER_MINUTE} a minute, never over a report that exists
     * (create, not set) and never making the job's reports node (the deployer makes it before it
     * publishes). Such a report can make a deploy fail, never succeed.
     */
    private void reportRejected(Job job, String why) {
        long now = clock.millis();
        if (now > job.deadline() || !rejections.allow(now)) {
            return;
        }
        String path = ZkPaths.host(job.id(), settings.name());
        try {
            try {
                // the bucket, only below a reports node that exists
                zk.create().withMode(CreateMode.CONTAINER).forPath(path.substring(0, path.lastIndexOf('/')));
            } catch (KeeperException.NodeExistsException made) {
                // by another host
            }
            zk.create().forPath(path, Json.write(HostReport.accepted(job.size(), now).failed(why, now)));
            LOG.info("[agent={} job={}] reported {}", settings.name(), job.id(), why);
        } catch (KeeperException.NodeExistsException | KeeperException.NoNodeException e) {
            LOG.debug("[agent={} job={}] rejection not reported: {}", settings.name(), job.id(), e.toString());
        } catch (Exception e) {
            LOG.info("[agent={} job={}] rejection not reported: {}", settings.name(), job.id(), e.toString());
        }
    }

    /** The job's fleet size, which sets how often this host's report on it is stored (see ReportCadence). */
    private static int hosts(Job job) {
        return job.hosts().size();
    }

    private void ignore(String id, String why) {
        if (ignored.add(id)) {
            long heldBack = ignoredLog.acquire(); // thousands of nodes anyone made: a few lines a minute, then a count
            if (heldBack >= 0) {
                LOG.warn("[agent={} job={}] {}{}", settings.name(), id, why, org.murder.core.LogThrottle.suffix(heldBack));
            }
        }
    }

    private void run(Job job, Generation generation, long publishedAtZk) {
        metrics.jobStarted();
        AgentMetrics.Result result = null;
        try {
            result = runJob(job, generation, publishedAtZk);
        } finally {
            if (result == null) {
                metrics.jobLeft();
            } else {
                metrics.jobEnded(result);
            }
        }
    }

    /** Runs {@code job}; returns how it ended, or null when it was not this run's to end (finished before, retried later). */
    private AgentMetrics.Result runJob(Job job, Generation generation, long publishedAtZk) {
        String path = ZkPaths.host(job.id(), settings.name());
        Optional<HostReport> previous;
        try {
            previous = readReport(path);
        } catch (Exception e) {
            // not knowing whether it already ran is no reason to run it again: a later event retries
            LOG.warn("[agent={} job={}] read {}: {}; will retry", settings.name(), job.id(), path, e.toString());
            started.remove(job.id());
            return null;
        }
        if (finished.contains(job.id()) && (previous.isEmpty() || previous.get().isFinished())) {
            // a job node made again with its reports gone is not run again; one whose last report, stored before the end,
            // is still this agent's (its final one lost to a ZooKeeper outage and a restart) runs to report its end again
            if (previous.isEmpty()) {
                ignore(job.id(), "ran here to its end before (a job node made again, its reports gone): ignored");
            } else { // what every restart sees of the jobs it finished, until they are pruned: nothing to warn of
                LOG.debug("[agent={} job={}] already {}", settings.name(), job.id(), previous.get().state());
            }
            return null;
        }
        if (previous.isEmpty() && finished.neverWritten() && unsignedFinishedBefore(path, startedAtZxid)) {
            // just upgraded from an agent that signed no reports: its own report of a job it finished is unsigned (run
            // again, a rollback job went one more release back); from its first job on, its record decides
            LOG.info("[agent={} job={}] finished before this agent signed its reports: not run again", settings.name(), job.id());
            return null;
        }
        if (previous.isPresent() && previous.get().isFinished()) {
            LOG.debug("[agent={} job={}] already {}", settings.name(), job.id(), previous.get().state());
            return null;
        }
        if (clock.millis() > job.deadline()) {
            LOG.info("[agent={} job={}] past its deadline: not {}", settings.name(), job.id(),
                    previous.isEmpty() ? "started" : "resumed");
            if (previous.isPresent()) {
                reporter.offer(path, previous.get().failed("past the job's deadline when this agent came back", clock.millis()), hosts(job));
                return AgentMetrics.Result.TIMEOUT;
            }
            // never started here: the deploy counts it, not this agent; unless the job is live by ZooKeeper's clock, when
            // this host's clock or the deploy host's is off, and every deploy to it would time out without a word
            Optional<String> off = clockOff(job, publishedAtZk);
            if (off.isEmpty()) {
                return null;
            }
            LOG.warn("[agent={} job={}] {}", settings.name(), job.id(), off.get());
            // the job is signed: so is this report (an unsigned one is cut to 200 characters)
            long now = clock.millis();
            reporter.offer(path, HostReport.accepted(job.size(), now).failed(off.get(), now), hosts(job));
            return AgentMetrics.Result.FAILED;
        }
        long now = clock.millis();
        HostReport accepted = HostReport.accepted(job.size(), previous.map(HostReport::startedAt).orElse(now));
        if (previous.isPresent() && previous.get().isMoving()) {
            // resumed mid-download: what it had verified stands until the check of its .part says otherwise, so that its
            // host (and the deploy's total) does not drop back to 0 % and climb again while the disk is read
            accepted = accepted.withBytes(previous.get().bytes());
        }
        if (switchedBefore(previous)) {
            // resumed after this job switched current: still its switch, whatever happens before the activation reports again
            accepted = accepted.withActivation(previous.get().hooks(), previous.get().current(), true);
        }
        reporter.offer(path, accepted, hosts(job));
        Progress progress = new Progress(accepted);
        HostReport last;
        try {
            last = job.isDeploy() ? deploy(job, path, progress, previous, generation)
                    : rollback(job, path, progress, switchedBefore(previous), generation);
        } catch (org.murder.orchestrator.rollout.RolloutFailure e) {
            if (closed) { // the agent's stop cut the hook short: nothing failed, and a restart runs the activation again
                LOG.info("[agent={} job={}] stopped with the agent during the activation ({}); a restart resumes it", settings.name(),
                        job.id(), e.getMessage());
            } else {
                LOG.warn("[agent={} job={}] failed: {}", settings.name(), job.id(), e.getMessage());
            }
            HostReport sofar = progress.last();
            last = sofar.withActivation(e.results(), e.switched() ? currentAfter(job, sofar) : sofar.current(), e.switched())
                    .failed(e.getMessage(), clock.millis());
        } catch (org.murder.orchestrator.rollout.WaveGate.RolloutStopped e) {
            LOG.info("[agent={} job={}] {}", settings.name(), job.id(), e.getMessage());
            last = progress.last().failed(e.getMessage(), clock.millis());
        } catch (RuntimeException e) {
            if (closed) { // the agent's stop (SIGTERM) interrupted the download: a restart resumes it from its .part
                LOG.info("[agent={} job={}] stopped with the agent ({}); a restart resumes it", settings.name(), job.id(), e.getMessage());
            } else {
                LOG.warn("[agent={} job={}] failed: {}", settings.name(), job.id(), e.getMessage());
            }
            last = progress.last().failed(e.getMessage() == null ? e.toString() : e.getMessage(), clock.millis());
        }
        reporter.offer(path, last, hosts(job));
        if (!closed) { // stopped with the agent, it is resumed after a restart
            finished.add(job.id(), job.deadline());
        }
        return HostReport.DONE.equals(last.state()) ? AgentMetrics.Result.DONE
                : progress.wasTimedOut() ? AgentMetrics.Result.TIMEOUT : AgentMetrics.Result.FAILED;
    }

    /** The last progress report of a job, for a failure to keep its bytes. Used by the job's thread only. */
    private static final class Progress {
        private HostReport last;
        private boolean timedOut;

        /** The bytes a resumed job had verified before the restart: reported while its .part is checked again. */
        private long resumedAt;

        Progress(HostReport accepted) {
            last = accepted;
            resumedAt = accepted.bytes();
        }

        HostReport last() {
            return last;
        }

        HostReport update(Snapshot s) {
            long verified = s.verified();
            if (s.state() == org.murder.peer.engine.SessionState.CHECKING) {
                verified = Math.max(verified, resumedAt); // the check of a resumed .part counts up from 0
            } else {
                resumedAt = 0; // checked: what the disk holds is the figure from now on
            }
            last = last.progress(verified, s.downRate(), s.peers(), s.downloaded(), s.uploaded());
            return last;
        }

        HostReport set(HostReport r) {
            last = r;
            return r;
        }

        void rebuilt(long bytes) {
            last = last.withRebuilt(bytes);
        }

        /** The job's deadline stopped it. */
        void timedOut() {
            timedOut = true;
        }

        boolean wasTimedOut() {
            return timedOut;
        }
    }

    private HostReport deploy(Job job, String path, Progress progress, Optional<HostReport> previous, Generation generation) {
        Path dest = destination(job);
        MetaInfo meta = MetaInfo.parse(Base64.getDecoder().decode(job.torrent()));
        Path archive = dest.resolve(meta.name());
        // from here to the job's end its .part is this job's: no other job short of space removes it (a stalled download
        // does not touch it for minutes, and a resumed one is still being checked)
        Path part = archive.resolveSibling(archive.getFileName() + org.murder.peer.storage.Storage.PART_SUFFIX);
        partsInUse.merge(part, 1, Integer::sum);
        archivesInUse.merge(meta.name(), 1, Integer::sum);
        try {
            return deployHolding(job, path, progress, previous, generation, dest, meta, archive);
        } finally {
            archivesInUse.computeIfPresent(meta.name(), (k, n) -> n > 1 ? n - 1 : null);
            partsInUse.computeIfPresent(part, (k, n) -> n > 1 ? n - 1 : null);
        }
    }

    private HostReport deployHolding(Job job, String path, Progress progress, Optional<HostReport> previous, Generation generation,
            Path dest, MetaInfo meta, Path archive) {
        HostReport accepted = progress.last();
        long checkStarted = System.nanoTime();
        Optional<String> onDisk = md5Of(archive);
        if (onDisk.isPresent()) {
            // a release of this tag unpacked by a murder before the records (releases/.unpacked-from) came from this archive:
            // its md5 is the record, so that other bytes under the tag are refused here too
            try {
                new org.murder.orchestrator.release.ReleaseManager(dest).recordIfUnknown(job.tag(), archive, onDisk.get());
            } catch (RuntimeException e) { // only a record: the activation below says what is wrong with the destination
                LOG.debug("[agent={} job={}] record what {} was unpacked from: {}", settings.name(), job.id(), job.tag(), e.toString());
            }
        }
        if (onDisk.isPresent() && onDisk.get().equals(job.md5())) {
            metrics.verified(System.nanoTime() - checkStarted);
            // downloading when the agent stopped: this job fetched it before the restart; else it was there before the job
            boolean ours = previous.isPresent() && java.util.Set.of(HostReport.DOWNLOADING, HostReport.READY, HostReport.ACTIVATING)
                    .contains(previous.get().state());
            LOG.info("[agent={} job={}] {} already here with md5 {} ({}): nothing to download", settings.name(), job.id(), archive,
                    job.md5(), ours ? "downloaded by this job before a restart" : "there before this job");
            keepTorrentBeside(job, archive);
            try { // in use (see deploy()) until the job's end: no job short of space removes it, and the keep does not count it
                return activateIfAsked(job, path, progress, dest, archive, generation)
                        .done(clock.millis(), ours ? HostReport.BEFORE_RESTART : HostReport.ALREADY_THERE);
            } finally {
                pruneReleases(job, dest);
            }
        }
        repairInPart(job, archive);
        makeRoom(job, dest, meta);
        return download(job, path, progress, generation, dest, meta, archive);
    }

    /**
     * The archive is here but its md5 is not the job's (bit rot, a bad write): a download never
     * writes into a file under its final name, so it becomes the download's {@code .part}, whose good
     * pieces the check keeps and whose others the swarm repairs. A {@code .part} already there wins.
     */
    private void repairInPart(Job job, Path archive) {
        if (!Files.isRegularFile(archive, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Path part = archive.resolveSibling(archive.getFileName() + org.murder.peer.storage.Storage.PART_SUFFIX);
        try {
            if (Files.exists(part, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(archive);
                LOG.warn("[agent={} job={}] {}: md5 is not {}; removed (its download {} resumes)", settings.name(), job.id(), archive,
                        job.md5(), part.getFileName());
            } else {
                Files.move(archive, part, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                LOG.warn("[agent={} job={}] {}: md5 is not {}; repairing it from the swarm (as {})", settings.name(), job.id(), archive,
                        job.md5(), part.getFileName());
            }
        } catch (IOException e) {
            LOG.warn("[agent={} job={}] {}: md5 is not {}, and it cannot be set aside for repair: {}", settings.name(), job.id(),
                    archive, job.md5(), org.murder.core.io.IoErrors.describe(e));
        }
    }

    private HostReport download(Job job, String path, Progress progress, Generation generation, Path dest, MetaInfo meta,
            Path archive) {
        HostReport accepted = progress.last();
        stopEarlierSeeding(job, meta);
        rebuildFromOlderReleases(job, meta, dest);
        AtomicReference<Snapshot> latest = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicLong goodAtStart = new java.util.concurrent.atomic.AtomicLong(-1);
        long downloadStarted = System.nanoTime();
        StepTimes steps = new StepTimes();
        Torrent session = engine.add(meta, Storage.forDownload(meta, dest),
                SessionOptions.download(Optional.of(job.md5()), Optional.of(java.time.Duration.ofSeconds(job.seedSeconds()))),
                new SessionListener() {
                    @Override
                    public void onProgress(Snapshot s) {
                        latest.set(s);
                    }

                    @Override
                    public void onStateChange(org.murder.peer.engine.SessionState state, Snapshot s) {
                        if (state != org.murder.peer.engine.SessionState.CHECKING) {
                            goodAtStart.compareAndSet(-1, s.verified()); // what the check of the disk found
                        }
                        steps.reached(state);
                    }
                });
        LOG.info("[agent={} job={}] downloading {} ({} bytes) into {}", settings.name(), job.id(), meta.name(), meta.totalLength(),
                dest);
        reporter.offer(path, accepted.progress(accepted.bytes(), 0, 0), hosts(job));
        try {
            while (!session.completed().isDone()) {
                long left = job.deadline() - clock.millis();
                if (left <= 0) {
                    progress.timedOut();
                    return stopAtDeadline(job, session, progress, archive);
                }
                try {
                    session.completed().get(Math.min(REPORT_MILLIS, left), TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    Snapshot s = latest.get();
                    if (s != null) {
                        progress.rebuilt(Math.max(0, goodAtStart.get()));
                        reporter.offer(path, progress.update(s), hosts(job));
                    }
                }
            }
            session.completed().get();
        } catch (ExecutionException e) {
            lastSnapshot(session, latest.get()).ifPresent(progress::update);
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        steps.observe(downloadStarted, metrics);
        progress.rebuilt(Math.max(0, goodAtStart.get()));
        currentSnapshot(session, latest.get()).ifPresent(progress::update);
        keepTorrentBeside(job, archive);
        try {
            activateIfAsked(job, path, progress, dest, archive, generation);
        } finally {
            pruneReleases(job, dest);
        }
        HostReport done = progress.last().done(clock.millis(), "");
        LOG.info("[agent={} job={}] done: {} verified (md5 {}): {} downloaded, {} already on disk; seeding {} s", settings.name(),
                job.id(), archive, job.md5(), org.murder.core.ByteSize.format(done.downloaded()),
                org.murder.core.ByteSize.format(done.rebuilt()), job.seedSeconds());
        if (session.finished().isDone()) { // no seed time: what it uploaded is known now
            return done.withUploaded(session.finished().join().uploaded());
        }
        // the host goes on seeding (for at least a second): say what it uploaded once that is over
        session.finished().thenAccept(s -> reporter.offer(path, done.withUploaded(s.uploaded()), hosts(job)));
        return done;
    }

    /** The job's deadline passed mid-download: stop (the .part stays for a resume) and say how far it got. */
    private HostReport stopAtDeadline(Job job, Torrent session, Progress progress, Path archive) throws InterruptedException {
        String situation = situation(session); // before the stop closes its connections
        Snapshot last;
        try {
            last = session.stop().get(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            last = session.snapshot();
        }
        HostReport at = progress.update(last);
        String why = String.format(java.util.Locale.ROOT, "past the job's deadline (%s): stopped at %d%% (%s of %s verified%s);"
                + " %s%s kept for a later deploy to resume", java.time.Instant.ofEpochMilli(job.deadline()), last.percent(),
                org.murder.core.ByteSize.format(last.verified()), org.murder.core.ByteSize.format(last.total()),
                situation.isEmpty() ? "" : "; " + situation, archive.getFileName(), Storage.PART_SUFFIX);
        LOG.warn("[agent={} job={}] {}", settings.name(), job.id(), why);
        return at.failed(why, clock.millis());
    }

    /** What {@link Torrent#situation()} says (300 characters at most: a report's error is cut at 2,000), or nothing when its loop does not answer within a second. */
    private static String situation(Torrent session) {
        try {
            String s = session.situation().get(1, TimeUnit.SECONDS);
            return s.length() <= 300 ? s : s.substring(0, 297) + "...";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        } catch (ExecutionException | java.util.concurrent.TimeoutException | java.util.concurrent.RejectedExecutionException e) {
            return ""; // a session already closed: its report says how far it got without the why
        }
    }

    /**
     * Builds what it can of the new archive from the older ones this host holds (their torrents are
     * kept beside them: see keepForDeltas); the session then checks every piece, as for a resume.
     */
    private void rebuildFromOlderReleases(Job job, MetaInfo meta, Path dest) {
        Optional<org.murder.maker.FrameIndex> frames = org.murder.maker.ReleaseDelta.framesOf(meta);
        if (frames.isEmpty()) {
            return;
        }
        List<org.murder.maker.ReleaseDelta.Source> sources = org.murder.maker.ReleaseDelta.sourcesIn(dest, meta.name());
        if (sources.isEmpty()) {
            return;
        }
        long started = System.nanoTime();
        try {
            org.murder.maker.ReleaseDelta.Result r = org.murder.maker.ReleaseDelta.rebuild(frames.get(), sources,
                    dest.resolve(meta.name() + Storage.PART_SUFFIX));
            LOG.info("[agent={} job={}] rebuilt {} of {} frames ({}) of {} from {} in {} ms", settings.name(), job.id(),
                    r.framesReused(), r.frames(), org.murder.core.ByteSize.format(r.bytesReused()), meta.name(),
                    sources.stream().map(s -> s.archive().getFileName().toString()).toList(),
                    (System.nanoTime() - started) / 1_000_000);
        } catch (IOException e) {
            // nothing lost: the download fetches what could not be built
            LOG.warn("[agent={} job={}] rebuild {} from older releases: {}", settings.name(), job.id(), meta.name(), e.toString());
        }
    }

    /** Keeps the torrent beside the verified archive: the next release is rebuilt from it, and prune knows it as ours. */
    private void keepTorrentBeside(Job job, Path archive) {
        try {
            org.murder.core.io.AtomicFiles.write(org.murder.maker.ReleaseDelta.torrentBeside(archive),
                    Base64.getDecoder().decode(job.torrent()), true);
        } catch (RuntimeException e) {
            LOG.warn("[agent={} job={}] keep {}'s torrent beside it: {}", settings.name(), job.id(), archive, e.getMessage());
        }
    }

    /**
     * An earlier job's copy of this torrent that only seeds now (its job done, its seed time running) gives way: a
     * second job of the same release (a tag deployed again after its archive was removed by hand) failed with
     * "already running in this engine" until that seed time ended (fault audit). One still downloading is left to
     * its job, and the engine refuses the second.
     */
    private void stopEarlierSeeding(Job job, MetaInfo meta) {
        Optional<org.murder.peer.engine.Torrent> earlier = engine.running(meta.infoHash());
        if (earlier.isEmpty() || !earlier.get().completed().isDone()) {
            return;
        }
        LOG.info("[agent={} job={}] {}: stopping the seeding of an earlier job's copy first", settings.name(), job.id(), meta.name());
        try {
            earlier.get().stop().get(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.warn("[agent={} job={}] {}: the earlier copy did not stop: {}", settings.name(), job.id(), meta.name(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * When the destination lacks the space the download still needs, removes older releases' archives (never one a job
     * of this agent is downloading, nor this one's) before the download's own check refuses it.
     */
    private void makeRoom(Job job, Path dest, MetaInfo meta) {
        // the whole archive's size: a .part is as long as the file from its start (sparse), whatever it holds
        try {
            org.murder.maker.ReleaseDelta.pruneForSpace(dest, meta.totalLength(), other -> other.name().equals(meta.name())
                    || archivesInUse.containsKey(other.name()) || engine.running(other.infoHash()).isPresent(),
                    archive -> archive.equals(meta.name()) || archivesInUse.containsKey(archive)
                            || partsInUse.containsKey(dest.resolve(archive + org.murder.peer.storage.Storage.PART_SUFFIX)));
        } catch (RuntimeException e) {
            LOG.warn("[agent={} job={}] make room in {}: {}", settings.name(), job.id(), dest, e.getMessage());
        }
    }

    /**
     * Removes archives of releases beyond the job's keep: never one a job of this agent downloads or unpacks, nor one it
     * seeds. What the agent does not use is not judged by its age: the agent is the destination's only user.
     */
    private void pruneReleases(Job job, Path dest) {
        try {
            org.murder.maker.ReleaseDelta.prune(dest, Math.max(1, job.keep()), meta -> engine.running(meta.infoHash()).isPresent(),
                    archivesInUse::containsKey, java.time.Duration.ZERO, clock);
        } catch (RuntimeException e) {
            LOG.warn("[agent={} job={}] prune {}: {}", settings.name(), job.id(), dest, e.getMessage());
        }
    }

    /** The session's final snapshot when it has one within a few seconds, else the last progress seen. */
    private static Optional<Snapshot> lastSnapshot(Torrent session, Snapshot latest) {
        return within(session.finished(), STOP_WAIT_SECONDS, latest);
    }

    /** The session's snapshot now (its final one once finished), else the last progress seen. */
    private static Optional<Snapshot> currentSnapshot(Torrent session, Snapshot latest) {
        return within(session.finished().isDone() ? session.finished() : session.snapshotAsync(), 2, latest);
    }

    private static Optional<Snapshot> within(java.util.concurrent.CompletableFuture<Snapshot> snapshot, long seconds,
            Snapshot fallback) {
        try {
            return Optional.of(snapshot.get(seconds, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            // fall back to the last progress
        }
        return Optional.ofNullable(fallback);
    }

    /**
     * When a download's session reached its last two steps (System.nanoTime): every piece verified
     * (finishing), and the md5 done and the file in place (seeding). Set on the session's loop, read
     * by the job's thread once the session completed.
     */
    private static final class StepTimes {
        private volatile long finishingAt;
        private volatile long seedingAt;

        void reached(org.murder.peer.engine.SessionState state) {
            if (state == org.murder.peer.engine.SessionState.FINISHING) {
                finishingAt = System.nanoTime();
            } else if (state == org.murder.peer.engine.SessionState.SEEDING) {
                seedingAt = System.nanoTime();
            }
        }

        void observe(long startedAt, AgentMetrics metrics) {
            long finishing = finishingAt;
            long seeding = seedingAt;
            if (finishing != 0) {
                metrics.downloaded(finishing - startedAt);
                if (seeding != 0) {
                    metrics.verified(seeding - finishing);
                }
            }
        }
    }

    /**
     * Activates when the job asks (see {@link RolloutActivation}), reporting {@code ready} while its
     * wave waits and {@code activating} as hooks run; returns the progress with how it went.
     */
    /** Whether this job had switched {@code current} when the agent stopped (its last report before the restart says so). */
    private static boolean switchedBefore(Optional<HostReport> previous) {
        return previous.isPresent() && previous.get().switched();
    }

    private HostReport activateIfAsked(Job job, String path, Progress progress, Path dest, Path archive, Generation generation) {
        if (!job.activate()) {
            return progress.last();
        }
        long started = System.nanoTime();
        WaveWait wait = new WaveWait(listener(job, path, progress));
        boolean interrupted = false; // or otherwise not an activation
        try {
            // a resumed job's accepted report carries the switch it made before the restart
            RolloutActivation.Outcome o = rollouts.activate(job, dest, archive, generation, progress.last().switched(), wait);
            progress.set(progress.last().withActivation(o.hooks(), o.current(), o.switched()));
        } catch (InterruptedException e) {
            interrupted = true;
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for its wave", e);
        } catch (org.murder.orchestrator.rollout.WaveGate.RolloutStopped
                | org.murder.orchestrator.release.Generation.SupersededException notActivated) {
            interrupted = true; // no activation happened (its rollout stopped, or a newer job switched): none timed
            throw notActivated;
        } finally {
            if (!interrupted) { // a failed activation (a hook, a health check) is timed too: the slow ones were missing
                metrics.activated(System.nanoTime() - started - wait.waitedNanos());
            }
        }
        LOG.info("[agent={} job={}] activated {} in {}", settings.name(), job.id(), job.tag(), dest);
        return progress.last();
    }

    /**
     * A listener that also times the wait for this host's wave (from {@code ready} to the next {@code activating}): the
     * activation's histogram is unpack, switch and hooks, not the hours a paused rollout waits (a 0.2 s activation was
     * counted as 22 s).
     */
    static final class WaveWait implements RolloutActivation.Listener {
        private final RolloutActivation.Listener reports;
        private final java.util.concurrent.atomic.AtomicLong readySince = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.concurrent.atomic.AtomicLong waited = new java.util.concurrent.atomic.AtomicLong();

        WaveWait(RolloutActivation.Listener reports) {
            this.reports = reports;
        }

        @Override
        public void ready(String current, boolean switched) {
            readySince.compareAndSet(0, System.nanoTime());
            reports.ready(current, switched);
        }

        @Override
        public void activating(List<org.murder.orchestrator.rollout.HookResult> sofar, String current, boolean switched) {
            long since = readySince.getAndSet(0);
            if (since != 0) {
                waited.addAndGet(System.nanoTime() - since);
            }
            reports.activating(sofar, current, switched);
        }

        /** The wave's wait so far, a wait still under way included. */
        long waitedNanos() {
            long since = readySince.get();
            return waited.get() + (since == 0 ? 0 : System.nanoTime() - since);
        }
    }

    private RolloutActivation.Listener listener(Job job, String path, Progress progress) {
        return new RolloutActivation.Listener() {
            @Override
            public void ready(String current, boolean switched) {
                reporter.offer(path, progress.set(progress.last().in(HostReport.READY, List.of(), current, switched)), hosts(job));
            }

            @Override
            public void activating(List<org.murder.orchestrator.rollout.HookResult> sofar, String current, boolean switched) {
                reporter.offer(path, progress.set(progress.last().in(HostReport.ACTIVATING, sofar, current, switched)), hosts(job));
            }
        };
    }

    private HostReport rollback(Job job, String path, Progress progress, boolean switchedBefore, Generation generation) {
        long started = System.nanoTime();
        RolloutActivation.Outcome o = rollouts.rollback(job, destination(job), generation, switchedBefore, listener(job, path, progress));
        metrics.activated(System.nanoTime() - started);
        LOG.info("[agent={} job={}] rolled back: current is {}", settings.name(), job.id(), o.current());
        return progress.last().withActivation(o.hooks(), o.current(), o.switched()).done(clock.millis(),
                o.switched() ? "" : HostReport.LEFT_AS_IT_WAS);
    }

    /**
     * What {@code current} is on after {@code job} switched it and then failed: as the destination says it (a rollback's
     * switch goes to the release before, not to the job's tag, which the deploy's summary showed a host on after its
     * rollback's health failed), else the deploy's tag, or the last reported.
     */
    private String currentAfter(Job job, HostReport sofar) {
        try {
            Optional<String> onDisk = activator.current(destination(job));
            if (onDisk.isPresent()) {
                return onDisk.get();
            }
        } catch (RuntimeException e) {
            LOG.debug("[agent={} job={}] current after the failure: {}", settings.name(), job.id(), e.toString());
        }
        return job.isDeploy() ? job.tag() : sofar.current();
    }

    private Path destination(Job job) {
        Path dest = job.dest().isEmpty() ? settings.destRoot() : Path.of(job.dest());
        if (!job.dest().isEmpty() && !dest.isAbsolute()) { // `murder deploy` refuses one; it would land in the agent's working directory
            throw new IllegalStateException("dest '" + org.murder.core.Printable.escape(job.dest()) + "': not an absolute directory");
        }
        if (Files.exists(dest) && !Files.isDirectory(dest)) {
            throw new IllegalStateException(org.murder.core.Printable.escape(dest.toString()) + ": not a directory (expected: the"
                    + " directory for the releases, or a path to create)");
        }
        try {
            Files.createDirectories(dest);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create " + org.murder.core.io.IoErrors.describe(e), e);
        }
        if (!Files.isWritable(dest)) {
            throw new IllegalStateException(dest + ": not writable by this agent");
        }
        return dest;
    }

    /** The md5 (hex) of {@code file}, empty when it is not a regular file or cannot be read. */
    private static Optional<String> md5Of(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        MessageDigest digest = Digests.md5();
        byte[] buffer = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.of(Hex.encode(digest.digest()));
    }

    /**
     * Why a signed job past its deadline by this host's clock is not past it by ZooKeeper's (its node made less than its
     * timeout ago by the leader's clock): this host's clock, or the deploy host's when it published, is off from
     * ZooKeeper's by more than the job's timeout. Empty when the job is past its deadline for ZooKeeper too, or when
     * ZooKeeper's time cannot be read. A host whose clock was an hour ahead (NTP broken) let every deploy to it time out.
     */
    private Optional<String> clockOff(Job job, long publishedAtZk) {
        long timeout = job.deadline() - job.createdAt();
        if (publishedAtZk <= 0 || timeout <= 0) {
            return Optional.empty();
        }
        long zkNow;
        try {
            zkNow = zkNow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (Exception e) {
            return Optional.empty();
        }
        long age = zkNow - publishedAtZk;
        if (age < 0 || age >= timeout) {
            return Optional.empty();
        }
        long ours = clock.millis() - zkNow;
        long deployers = job.createdAt() - publishedAtZk;
        long late = clock.millis() - job.deadline();
        if (Math.max(Math.abs(ours), Math.abs(deployers)) < late) {
            return Optional.empty(); // the offsets do not explain it (ZooKeeper's leader changed between the two times, say)
        }
        return Optional.of(String.format(java.util.Locale.ROOT, "clock off: this host's clock is %+d s from ZooKeeper's, the deploy"
                + " host's was %+d s; the job, published %d s ago, is past its deadline by this host's clock (expected: clocks within"
                + " the job's timeout, %d s, of each other: check NTP)", ours / 1000, deployers / 1000, age / 1000, timeout / 1000));
    }

    /** ZooKeeper's time less this host's, as last read (a probe node's creation); when it was read, by this host's clock (0: never). */
    private long zkOffset;
    private long zkOffsetReadAt;
    /** This host's time when the last probe for ZooKeeper's time failed; 0: it did not. */
    private long zkTimeFailedAt;

    /**
     * ZooKeeper's time now (its leader's clock), from a probe made at most a minute ago and this host's clock since: an
     * agent restarted among a week of jobs it never ran looks at each of them, and a thousand agents at once.
     */
    private synchronized long zkNow() throws Exception {
        long local = clock.millis();
        if (zkOffsetReadAt == 0 || Math.abs(local - zkOffsetReadAt) > 60_000) {
            if (zkTimeFailedAt != 0 && Math.abs(local - zkTimeFailedAt) < 60_000) {
                throw new IllegalStateException("ZooKeeper's time unread: the last probe failed less than a minute ago");
            }
            try {
                long zkTime = probe(zk).getCtime();
                local = clock.millis();
                zkOffset = zkTime - local;
                zkOffsetReadAt = local;
                zkTimeFailedAt = 0;
            } catch (Exception e) {
                zkTimeFailedAt = local; // on a connection that comes and goes, not one probe per job
                throw e;
            }
        }
        return local + zkOffset;
    }

    /**
     * A ZooKeeper transaction id from now: what ZooKeeper stored before it is from before this run (the
     * registration may still be an earlier run's node, until its session expires). The czxid of an ephemeral
     * node made for it ({@link ZkPaths#ZXID_PROBE}), where rewriting a node (/ensemble-id, before) made an
     * agent of another tree's credentials crash at start. Making a node needs the tree's credentials too since
     * December 7 (see ZkSettings#guardedBy); such an agent cannot register before this, and says why.
     */
    static long zxidNow(CuratorFramework zk) throws Exception {
        return probe(zk).getCzxid();
    }

    /** The stat of a node made now ({@link ZkPaths#ZXID_PROBE}, removed at once): a transaction id and the leader's time from now. */
    private static org.apache.zookeeper.data.Stat probe(CuratorFramework zk) throws Exception {
        org.apache.zookeeper.data.Stat stat = new org.apache.zookeeper.data.Stat();
        String made = zk.create().storingStatIn(stat).creatingParentContainersIfNeeded()
                .withMode(org.apache.zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL).forPath(ZkPaths.ZXID_PROBE);
        try {
            zk.delete().forPath(made);
        } catch (KeeperException.NoAuthException | KeeperException.NoNodeException e) {
            // ephemeral: it goes with this session
        }
        return stat;
    }

    /**
     * Whether the report at {@code path}, signed or not, says finished and was stored before ZooKeeper's
     * {@code zxid} (before this agent's run registered): one this agent wrote before an upgrade, not one
     * written meanwhile by anyone (see FinishedJobs#neverWritten).
     */
    private boolean unsignedFinishedBefore(String path, long zxid) {
        try {
            org.apache.zookeeper.data.Stat stat = new org.apache.zookeeper.data.Stat();
            HostReport r = Json.read(zk.getData().storingStatIn(stat).forPath(path), HostReport.class);
            return r.isFinished() && stat.getMzxid() < zxid;
        } catch (Exception e) {
            return false;
        }
    }

    /** The report, empty when there is none; throws when ZooKeeper cannot say. */
    private Optional<HostReport> readReport(String path) throws Exception {
        try {
            return Optional.of(org.murder.orchestrator.job.ReportSeal.read(path, zk.getData().forPath(path), signer));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (IllegalArgumentException garbage) {
            LOG.warn("[agent={}] {}: {}; taken as no report of this agent's (an agent of before the signed reports wrote it, or someone"
                    + " else)", settings.name(), path, garbage.getMessage());
            return Optional.empty();
        }
    }

    private static String hostname() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }

    @Override
    public void close() {
        closed = true;
        if (watcher != null) {
            watcher.close();
        }
        if (registration != null) {
            // deleting the node retries while ZooKeeper is away (50 s and more, with the service manager waiting to kill
            // us): without a connection, or when it takes long, the ephemeral node goes with the session instead
            Thread unregister = new Thread(() -> {
                try {
                    registration.close();
                } catch (RuntimeException e) {
                    LOG.debug("unregister: {}", e.toString());
                }
            }, "murder-agent-unregister");
            unregister.setDaemon(true);
            if (zk.getZookeeperClient().isConnected()) {
                unregister.start();
                try {
                    unregister.join(UNREGISTER_WAIT_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } else {
                unregister.start(); // stops keeping the node; not waited for
                LOG.info("[agent={}] ZooKeeper is not connected: {} goes when the session ends", settings.name(),
                        ZkPaths.agent(settings.name()));
            }
        }
        // reports stop first: a job interrupted by the shutdown must not report itself failed (a restart resumes it)
        if (reporter != null) {
            reporter.close();
        }
        jobs.shutdownNow();
    }
}
