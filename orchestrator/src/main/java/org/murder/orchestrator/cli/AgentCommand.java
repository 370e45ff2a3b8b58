package org.murder.orchestrator.cli;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.murder.core.ByteSize;
import org.murder.core.Durations;
import org.murder.core.MurderException;
import org.murder.core.Printable;
import org.murder.core.cli.LoggingOptions;
import org.murder.core.cli.Termination;
import org.murder.core.crypto.Digests;
import org.murder.metrics.DaemonMetrics;
import org.murder.metrics.HealthCheck;
import org.murder.metrics.HealthStatus;
import org.murder.metrics.MetricsEndpoint;
import org.murder.metrics.MetricsOptions;
import org.murder.metrics.MetricsServer;
import org.murder.orchestrator.agent.Agent;
import org.murder.orchestrator.agent.AgentMetrics;
import org.murder.orchestrator.agent.AgentSettings;
import org.murder.orchestrator.agent.ReleaseActivator;
import org.murder.orchestrator.agent.WarmUp;
import org.murder.orchestrator.agent.ZooKeeperHealth;
import org.murder.orchestrator.job.JobSigner;
import org.murder.orchestrator.zk.Zk;
import org.murder.peer.cli.EngineOptions;
import org.murder.peer.engine.Engine;
import org.murder.peer.engine.LoopbackTrade;
import org.murder.peer.engine.RackProofs;
import org.murder.peer.metrics.EngineMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code murder agent}: the daemon on every host. */
@Command(name = "agent", sortOptions = false,
        description = {"Run the agent daemon that takes deploy jobs on this host.",
            "Registers in ZooKeeper, takes signed jobs that name this host, downloads, verifies, activates if asked, reports",
            "and seeds. Runs until stopped (SIGTERM); a restart resumes unfinished jobs and never reruns finished ones."},
        footer = {"", "Example:", "  murder agent --zk zk1:2181,zk2:2181,zk3:2181 --roles web --port-range 6881-6889 --dest-root /srv/app"})
public final class AgentCommand implements Callable<Integer>, org.murder.core.cli.OptionsCheck {
    private static final Logger LOG = LoggerFactory.getLogger(AgentCommand.class);
    /** The longest the agent waits for its warm-up before it registers without it. */
    private static final Duration WARM_UP_LIMIT = Duration.ofSeconds(45);
    /** The warm-up's own limit for its check and transfer (closing its engines takes a few seconds at most): it says why, not the wait above. */
    private static final Duration WARM_UP_WORK = Duration.ofSeconds(30);

    @Spec
    CommandSpec spec;

    @Mixin
    LoggingOptions logging;

    @Option(names = "--name", paramLabel = "NAME", description = "Name to register under (unique). Default: the hostname.")
    String name;

    @Option(names = "--roles", paramLabel = "ROLE[,ROLE]", split = ",", description = "Roles a deploy can target with --role.")
    List<String> roles = new ArrayList<>();

    @Option(names = "--dest-root", paramLabel = "DIR", defaultValue = "/var/lib/murder/releases",
            description = "Where releases go when a job names no --dest. Default: ${DEFAULT-VALUE}.")
    Path destRoot;

    @Option(names = "--hooks-file", paramLabel = "FILE",
            description = "This host's activation hooks (murder.hooks format), over those of the release, hook by hook.")
    Path hooksFile;

    @Option(names = "--overlay-dir", paramLabel = "DIR",
            description = "Per-host files: DIR/ROLE/ and DIR/HOST/ are copied into each release before current switches.")
    Path overlayDir;

    @Option(names = "--hook-user", paramLabel = "USER",
            description = "Run hooks as USER. Default: the agent's own user, or 'murder' when the agent runs as root (never root"
                    + " unless named here).")
    String hookUser;

    @Option(names = "--warm-up", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Before registering, run a deploy's steps once on an 8 MiB release of its own over loopback (under a"
                    + " second of one core), so that the first real deploy does not pay for loading and compiling them. A"
                    + " failure is a warning; the agent waits 45 s for it at most. Default: on; --no-warm-up skips it.")
    boolean warmUp = true;

    @Mixin
    EngineOptions engineOptions;

    @Mixin
    ZkOptions zk;

    @Mixin
    MetricsOptions metricsOptions;

    /**
     * The agent's first connection: an ensemble not there yet (no quorum at boot, a member restarting) is waited for, the
     * wait said once and again every 10 minutes; the agent exited after --zk-timeout, and under init.d (no restart) the
     * host left the fleet's deploys for good. A bad setting (credentials, chroot), or a --zk none of whose hosts has an
     * address (a typo, or DNS down), still ends it at once.
     */
    static CuratorFramework connectPatiently(java.util.function.Supplier<CuratorFramework> connect, String ensemble) {
        long toldAt = 0;
        for (int attempt = 1; ; attempt++) {
            try {
                CuratorFramework client = connect.get();
                if (attempt > 1) {
                    LOG.info("ZooKeeper {} reached after {} attempts: registering", ensemble, attempt);
                }
                return client;
            } catch (MurderException e) {
                if (e.exitCode() != MurderException.FAILURE || !String.valueOf(e.getMessage()).contains("not reachable within")
                        || Zk.noneResolves(ensemble)) {
                    throw e; // a setting, or no member with an address (a typo in --zk): nothing to wait for
                }
                long now = System.nanoTime();
                if (toldAt == 0 || now - toldAt >= java.util.concurrent.TimeUnit.MINUTES.toNanos(10)) {
                    toldAt = now;
                    LOG.warn("{}; waiting for it: the agent registers and takes jobs once it connects (attempt {})", e.getMessage(),
                            attempt);
                }
                try {
                    Thread.sleep(1000); // between attempts, each of which waited the whole connect timeout
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    @Override
    public void checkOptions() {
        engineOptions.refuseDownLimitUnderARequestPer(org.murder.peer.engine.EngineConfig.DEFAULT_STALL_TIMEOUT, Optional.empty());
    }

    @Override
    public Integer call() throws Exception {
        checkOptions();
        if (engineOptions.peersGiven()) { // listed in the help (the engine's options are shared), never used: said, not silently
            // (a warning, not a refusal: an unqualified 'peer' in murder.conf, meant for murder peer, reaches the agent too)
            LOG.warn("--peer is not used by the agent: it takes its peers from the tracker of each job (--peer is for murder peer"
                    + " and murder seed)");
        }
        String agentName = name != null ? name : InetAddress.getLocalHost().getHostName();
        AgentSettings settings;
        try {
            settings = new AgentSettings(agentName, roles, destRoot, engineOptions.announceIp()
                    .orElseGet(AgentCommand::localAddress));
        } catch (IllegalArgumentException e) {
            throw MurderException.badInput(e.getMessage());
        }
        JobSigner signer = zk.signer();
        org.murder.orchestrator.zk.ZkSettings zkSettings = zk.settings(); // a bad --zk or --zk-timeout fails before any port is taken
        if (!destRoot.isAbsolute() || java.nio.file.Files.exists(destRoot) && !java.nio.file.Files.isDirectory(destRoot)) {
            throw MurderException.badInput("--dest-root " + org.murder.core.Printable.escape(destRoot.toString()) + ": "
                    + (destRoot.isAbsolute() ? "not a directory" : "a relative path") + " (expected: an absolute directory,"
                    + " made at start if missing)");
        }
        org.murder.core.io.IoErrors.requireWritableDir(destRoot, "--dest-root", "a directory this user may create and write,"
                + " on a file system with room for releases");
        if (hooksFile != null) {
            String problem;
            try { // what is there, or why it cannot be known (a directory the agent cannot search is not "no such file")
                problem = java.nio.file.Files.readAttributes(hooksFile, java.nio.file.attribute.BasicFileAttributes.class)
                        .isRegularFile() ? null : "not a regular file";
            } catch (java.io.IOException e) {
                problem = org.murder.core.io.IoErrors.reason(e);
            }
            if (problem != null) {
                throw MurderException.badInput("--hooks-file " + org.murder.core.Printable.escape(hooksFile.toString()) + ": "
                        + problem + " (expected: a murder.hooks file the agent can read)");
            }
        }
        if (hooksFile != null) {
            org.murder.core.io.FileModes.refuseChangeableByEveryone(hooksFile, "--hooks-file");
            org.murder.orchestrator.rollout.Hooks.read(hooksFile, "--hooks-file"); // a mistake in it fails now, not at a deploy
        }
        if (overlayDir != null && !java.nio.file.Files.isDirectory(overlayDir)) {
            throw MurderException.badInput("--overlay-dir " + org.murder.core.Printable.escape(overlayDir.toString())
                    + ": not a directory (expected: a directory of ROLE/ and HOST/ directories)");
        }
        if (overlayDir != null) {
            org.murder.core.io.FileModes.refuseChangeableByEveryone(overlayDir, "--overlay-dir");
        }
        if (spec != null && spec.commandLine() != null
                && spec.commandLine().getDefaultValueProvider() instanceof org.murder.core.cli.ConfigDefaults conf && conf.hasFileKeys()) {
            // it may name the hooks, their user and the overlays: as much a root's as they are
            org.murder.core.io.FileModes.refuseChangeableByEveryone(conf.path(), "murder.conf");
        }
        String self = System.getProperty("user.name");
        if (hookUser != null && !"root".equals(self) && !hookUser.equals(self)) {
            // runuser switches users for root only: the agent started, then every activation failed at its first hook
            throw MurderException.badInput("--hook-user " + Printable.escape(hookUser) + ": this agent runs as " + Printable.escape(self)
                    + ", not root, and cannot run hooks as another user (expected: no --hook-user, or " + Printable.escape(self)
                    + "; or run the agent as root)");
        }
        String runAs = hookUser != null ? hookUser : "root".equals(self) ? "murder" : null;
        if (runAs != null && !userExists(runAs)) {
            if (hookUser != null) {
                throw MurderException.badInput("--hook-user " + Printable.escape(hookUser) + ": no such user on this host (expected: an"
                        + " existing user to run the activation hooks as)");
            }
            LOG.warn("hook user 'murder' does not exist on this host: every activation hook (a release's murder.hooks, --hooks-file)"
                    + " will fail until it does (create it: useradd --system murder; or run hooks as another user: --hook-user USER)");
        }
        org.murder.orchestrator.rollout.HostSetup setup = new org.murder.orchestrator.rollout.HostSetup(
                Optional.ofNullable(hooksFile), Optional.ofNullable(overlayDir), Optional.ofNullable(runAs), java.time.Duration.ofSeconds(1));
        Optional<MetricsEndpoint> endpoint = metricsOptions.endpoint(OptionalInt.of(MetricsOptions.AGENT_PORT));
        CountDownLatch stopped = new CountDownLatch(1);
        // metrics first: a port in use fails the agent before it listens for peers or joins ZooKeeper
        PrometheusRegistry registry = DaemonMetrics.newRegistry("agent");
        AtomicReference<HealthCheck> health = new AtomicReference<>(
                () -> HealthStatus.unhealthy("starting: connecting to zookeeper " + zkSettings.connect()));
        Optional<MetricsServer> metricsServer = endpoint.map(e -> MetricsServer.start(e, registry, () -> health.get().check()));
        Engine engine = null;
        CuratorFramework client;
        try {
            // the agents of a deploy share the job secret: their rack claims carry proofs under it, and only proven ones count
            engine = Engine.start(engineOptions.configBuilder().rackProofs(RackProofs.keyedBy(signer.rackProofsKey())).build(),
                    Clock.systemUTC());
            EngineMetrics.register(registry, engine::stats, false); // a torrent per deploy: no series per torrent
            client = connectPatiently(() -> Zk.connectToWrite(zkSettings), zkSettings.connect());
        } catch (RuntimeException e) {
            if (engine != null) {
                engine.close();
            }
            metricsServer.ifPresent(MetricsServer::close);
            throw e;
        }
        HealthCheck zooKeeper = ZooKeeperHealth.watch(client, registry, Clock.systemUTC());
        Engine started = engine;
        Agent agent = new Agent(client, settings, engine, signer, new ReleaseActivator(), Clock.systemUTC(), setup,
                new AgentMetrics(registry));
        // unhealthy while another session holds the agent's name: it takes no jobs then
        health.set(() -> agent.nameHeldElsewhere().map(HealthStatus::unhealthy).orElseGet(zooKeeper::check));
        CompletableFuture<Void> stopping = new CompletableFuture<>();
        Termination.onStop(new Thread(() -> {
            stopping.complete(null);
            try {
                metricsServer.ifPresent(MetricsServer::close);
                agent.close();
                started.close();
                client.close();
            } finally {
                stopped.countDown(); // main returns even if a close failed
            }
        }, "murder-agent-stop"));
        if (warmUp && !warmUp(agentName, signer, stopping)) {
            stopped.await(); // stopped while warming up: never registered
            return 0;
        }
        try {
            agent.start(30);
        } catch (Exception e) {
            if (!stopping.isDone()) {
                throw e;
            }
            stopped.await(); // stopped while registering: a clean stop, not a failure
            return 0;
        }
        java.util.Optional<String> elsewhere = agent.nameHeldElsewhere();
        spec.commandLine().getOut().printf("agent %s %s at %s (peer port %d, releases under %s%s)%s%n", agentName,
                elsewhere.isEmpty() ? "registered" : "started, not registered,", zk.settings().connect(), engine.port(),
                org.murder.core.Printable.escape(destRoot.toString()), metricsServer.map(m -> "; metrics on " + m.url()).orElse(""),
                elsewhere.map(why -> ": " + org.murder.core.Printable.escape(why)).orElse(""));
        spec.commandLine().getOut().flush();
        stopped.await();
        return 0;
    }

    /** Whether {@code name} is a user of this host (as the system's name service sees it). */
    static boolean userExists(String name) {
        try {
            java.nio.file.FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName(name);
            return true;
        } catch (java.nio.file.attribute.UserPrincipalNotFoundException e) {
            return false;
        } catch (java.io.IOException | UnsupportedOperationException e) {
            return true; // cannot tell here: the hook's own failure will name it
        }
    }

    /**
     * Runs the warm-up on a thread of its own and waits for it at most {@link #WARM_UP_LIMIT}:
     * whatever it does (fails, throws an Error, hangs), the agent goes on to register. False when
     * the agent was stopped meanwhile.
     */
    private static boolean warmUp(String agentName, JobSigner signer, CompletableFuture<Void> stopping)
            throws InterruptedException {
        CompletableFuture<WarmUp.Result> run = LoopbackTrade.onOwnThread(
                () -> WarmUp.run(signer, Path.of(System.getProperty("java.io.tmpdir")), Clock.systemUTC(), WARM_UP_WORK),
                "murder-agent-warm-up");
        try {
            CompletableFuture.anyOf(run, stopping).get(WARM_UP_LIMIT.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("[agent={}] warm-up not done after {}; going on without it: the first deploy may be slower", agentName,
                    Durations.format(WARM_UP_LIMIT));
            return true;
        } catch (ExecutionException e) {
            // the warm-up failed: said below
        }
        if (stopping.isDone()) {
            return false;
        }
        try {
            WarmUp.Result r = run.join();
            LOG.info("[agent={}] warmed up in {}: a signed job checked, {} moved over loopback and verified (digests: {})", agentName,
                    Durations.format(r.took()), ByteSize.format(r.bytes()),
                    Digests.providerName());
        } catch (CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            LOG.warn("[agent={}] warm-up failed ({}); going on: the first deploy may be slower", agentName,
                    cause.getMessage() == null ? cause.toString() : cause.getMessage());
            LOG.debug("warm-up", cause);
        }
        return true;
    }

    static String localAddress() {
        try {
            return InetAddress.getLocalHost().getHostAddress();
        } catch (java.io.IOException e) {
            return "127.0.0.1";
        }
    }
}
