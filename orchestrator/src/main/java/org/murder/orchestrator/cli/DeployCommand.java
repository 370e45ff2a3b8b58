package org.murder.orchestrator.cli;

import java.io.PrintWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import org.apache.curator.framework.CuratorFramework;
import org.murder.core.MurderException;
import org.murder.core.PortRange;
import org.murder.core.cli.JsonOutput;
import org.murder.core.cli.LoggingOptions;
import org.murder.core.progress.Progress;
import org.murder.metrics.DaemonMetrics;
import org.murder.metrics.HealthCheck;
import org.murder.metrics.MetricsEndpoint;
import org.murder.metrics.MetricsOptions;
import org.murder.metrics.MetricsServer;
import org.murder.orchestrator.deploy.DeployMetrics;
import org.murder.orchestrator.deploy.DeployRequest;
import org.murder.orchestrator.deploy.DeployWeb;
import org.murder.orchestrator.deploy.Deployer;
import org.murder.orchestrator.deploy.PackAhead;
import org.murder.orchestrator.deploy.SummaryPrinter;
import org.murder.orchestrator.deploy.HostOutcome;
import org.murder.orchestrator.release.ReleaseTag;
import org.murder.orchestrator.zk.Zk;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code murder deploy}: the whole flow in one command. */
@Command(name = "deploy", sortOptions = false,
        description = {"Deploy a release to the agents you target, in one command.",
            "Packs SRC, makes its torrent, starts a tracker and a seeder, publishes a signed job, shows each host's progress",
            "and prints a summary. Exit 0 only when every targeted host succeeded."},
        footer = {"", "Examples:",
            "  murder deploy ./build --tag v42 --hosts 'web-*' --dest /opt/app --activate",
            "  murder deploy ./build --tag v42 --role web --exclude web-7 --dry-run",
            "  murder deploy --rollback --tag v42 --hosts 'web-*' --dest /opt/app        # switch current back"})
public final class DeployCommand implements Callable<Integer>, org.murder.core.cli.OptionsCheck {
    @Spec
    CommandSpec spec;

    @Mixin
    LoggingOptions logging;

    @Parameters(index = "0", arity = "0..1", paramLabel = "SRC", description = "Release directory (packed) or ready .tar.gz.")
    Path source;

    @Option(names = "--resume", paramLabel = "JOB",
            description = "Take over deploy JOB whose process stopped: seed its archive again (SRC, or in --work-dir) and follow its"
                    + " waves to the end. Run on the same deploy host when the job's tracker was the embedded one.")
    String resumeJob;

    @Option(names = "--continue", paramLabel = "JOB", description = "Release the next wave of JOB, a rollout started with --pause.")
    String continueJob;

    @Option(names = "--pause", description = "With --waves or --batch: wait for 'murder deploy --continue JOB' before each wave after the first.")
    boolean pause;

    @Option(names = "--tag", paramLabel = "TAG", description = "Release tag, like v42 (immutable: new bytes need a new tag).")
    String tag;

    @Option(names = "--hosts", paramLabel = "GLOB[,GLOB]", split = ",", description = "Target agents whose name matches, like 'web-*'.")
    List<String> hosts = new ArrayList<>();

    @Option(names = "--host", paramLabel = "NAME[,NAME]", split = ",", description = "Target these agents by name.")
    List<String> hostNames = new ArrayList<>();

    @Option(names = "--role", paramLabel = "ROLE[,ROLE]", split = ",", description = "Target agents with one of these roles.")
    List<String> roles = new ArrayList<>();

    @Option(names = "--exclude", paramLabel = "GLOB[,GLOB]", split = ",", description = "Leave out agents whose name matches.")
    List<String> exclude = new ArrayList<>();

    @Option(names = "--dest", paramLabel = "DIR", description = "Destination on the hosts. Default: each agent's --dest-root.")
    String dest;

    @Option(names = "--activate", description = "Unpack into DEST/releases/TAG and switch DEST/current on each host.")
    boolean activate;

    @Option(names = "--keep", paramLabel = "K", defaultValue = "5", description = "Releases each host keeps besides the current one when activating (1: the one to roll back to)."
                    + " Default: ${DEFAULT-VALUE}.")
    int keep;

    @Option(names = "--seed-time", paramLabel = "DURATION", defaultValue = "30s", description = "Hosts seed this long after completing. Default: ${DEFAULT-VALUE}.")
    Duration seedTime;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10m", description = "Give up on hosts not done by then. Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    @Option(names = "--max-hosts", paramLabel = "N", defaultValue = "" + Deployer.DEFAULT_MAX_HOSTS,
            description = "Refuse a deploy or rollback matching more hosts than this (a glob typed too wide). Default: ${DEFAULT-VALUE}.")
    int maxHosts;

    @Option(names = "--dry-run", description = "Print the hosts that would be targeted and stop.")
    boolean dryRun;

    @Option(names = "--rollback", description = "Switch the targeted hosts' current release back instead of deploying (with --activate layouts).")
    boolean rollback;

    @Option(names = "--to", paramLabel = "TAG", description = "With --rollback: the release to switch to. Default: the one before current.")
    String rollbackTo;

    @Option(names = "--tracker-port", paramLabel = "PORT", defaultValue = "8998", description = "Port of the embedded tracker. Default: ${DEFAULT-VALUE}.")
    int trackerPort;

    @Option(names = "--tracker", paramLabel = "URL", description = "Use this running tracker (its announce URL) instead of an embedded one.")
    String tracker;

    @Option(names = "--bind", paramLabel = "ADDR", defaultValue = "0.0.0.0",
            description = "Address the embedded tracker and seeder listen on. Default: ${DEFAULT-VALUE} (every interface).")
    String bind;

    @Option(names = "--advertise", paramLabel = "ADDR", description = "Address the hosts reach this machine at. Default: its first non-loopback IPv4.")
    String advertise;

    @Option(names = "--seeder-ports", paramLabel = "A-B", defaultValue = "6881-6889", description = "Port range of the embedded seeder. Default: ${DEFAULT-VALUE}.")
    PortRange seederPorts;

    @Option(names = "--work-dir", paramLabel = "DIR", defaultValue = "/var/tmp/murder",
            description = "Where the archive and torrent are written. Default: ${DEFAULT-VALUE}.")
    Path workDir;

    @Option(names = "--grace", paramLabel = "DURATION", defaultValue = "10s",
            description = "Keep seeding this long after every host reported. Default: ${DEFAULT-VALUE}.")
    Duration grace;

    @Option(names = "--compress", paramLabel = "zstd|gzip|none", defaultValue = "zstd",
            description = "How a release directory is packed: zstd (the default), gzip (.tar.gz) or none. Agents read any.")
    String compress;

    @Option(names = "--waves", paramLabel = "N|P%,...",
            description = "With --activate: switch hosts wave by wave, cumulative sizes like 1,10%%,50%%,100%%; every host downloads at"
                    + " once, a wave switches once the one before passed its health checks.")
    String waves;

    @Option(names = "--batch", paramLabel = "N", description = "With --activate: waves of N hosts (instead of --waves).")
    Integer batch; // null: not given (a given 0 is refused, not taken for "no waves": every host would switch at once)

    @Option(names = "--max-failures", paramLabel = "N|P%", defaultValue = "0",
            description = "Hosts of a wave that may fail before the rollout stops and that wave is rolled back. Default: ${DEFAULT-VALUE}.")
    String maxFailures;

    @Option(names = "--rollback-all", description = "When a wave fails: roll back every host this deploy switched, not only that wave.")
    boolean rollbackAll;

    @Option(names = "--hooks", paramLabel = "HOOK[,HOOK]", split = ",",
            description = "Activation hooks to run (those the release's murder.hooks or the agent's --hooks-file define):"
                    + " pre-activate, post-activate, health, post-health, or none. Default: all.")
    List<String> hookNames;

    @Option(names = "--web", paramLabel = "PORT",
            description = "Serve a live page of the deploy on PORT (0: a free one) while it runs: hosts coloured by state and progress,"
                    + " bytes/s over time, failures grouped by reason; its data as JSON at /api/deploy.")
    Integer webPort;

    @Option(names = "--web-bind", paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "Address the --web page listens on. Default: ${DEFAULT-VALUE} (this machine only).")
    String webBind;

    @Option(names = "--web-linger", paramLabel = "DURATION", defaultValue = "0s",
            description = "With --web: keep serving the final state this long after the summary. Default: ${DEFAULT-VALUE}.")
    Duration webLinger;

    @Mixin
    ZkOptions zk;

    @Mixin
    JsonOutput json = new JsonOutput();

    @Mixin
    MetricsOptions metricsOptions;

    @Override
    public Integer call() throws Exception {
        if (continueJob != null) {
            try (CuratorFramework client = Zk.connectToWrite(zk.settings())) {
                int wave = new Deployer(client, zk.signer(), Clock.systemUTC(), spec.commandLine().getOut(), false).approveNextWave(continueJob);
                spec.commandLine().getOut().printf("wave %d of %s released%n", wave, continueJob);
                spec.commandLine().getOut().flush();
                return 0;
            }
        }
        if (resumeJob == null && tag == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "Missing required option: '--tag=TAG'");
        }
        checkOptions();
        DeployRequest request = resumeJob != null ? resumeRequest() : request();
        Optional<MetricsEndpoint> endpoint = metricsOptions.endpoint(OptionalInt.empty()); // off unless asked: a deploy ends
        PrometheusRegistry registry = DaemonMetrics.newRegistry("deploy");
        DeployMetrics metrics = new DeployMetrics(registry);
        // with --json, what a person reads (progress, the table) goes to stderr and stdout holds one JSON document
        PrintWriter human = json.enabled() ? spec.commandLine().getErr() : spec.commandLine().getOut();
        // the secret and ZooKeeper's settings are checked before anything is packed or listens: a missing secret named at once
        org.murder.orchestrator.job.JobSigner signer = zk.signer();
        org.murder.orchestrator.zk.ZkSettings zkSettings = zk.settings();
        if (resumeJob == null && !rollback && !dryRun && workDir != null) { // one that cannot be used: said now, not as an I/O error
            org.murder.core.io.IoErrors.requireWritableDir(workDir, "--work-dir", "a directory this user may create and write, on a"
                    + " file system with room for the packed release");
        }
        try (MetricsServing serving = MetricsServing.start(endpoint, registry, human);
                DeployWeb web = webPort == null || dryRun ? null : DeployWeb.start(webBind, webPort);
                // packed and hashed while the deploy connects to ZooKeeper, checks its targets and takes its locks
                PackAhead ahead = resumeJob != null ? null : Deployer.packAhead(request, Clock.systemUTC(), Progress.isTerminal());
                CuratorFramework client = Zk.connectToWrite(zkSettings)) {
            Deployer deployer = new Deployer(client, signer, Clock.systemUTC(), human, Progress.isTerminal(), metrics)
                    .maxHosts(maxHosts);
            if (web != null) {
                human.printf("web       on %s while the deploy runs%n", web.url());
                human.flush();
                deployer.onState(web);
            }
            List<HostOutcome> outcomes = followed(deployer, () -> resumeJob != null ? deployer.resume(resumeJob, request)
                    : deployer.deploy(request, ahead));
            String shownTag = resumeJob != null ? request.tag() : tag;
            if (dryRun) {
                if (json.enabled()) {
                    JsonOutput.print(spec.commandLine().getOut(), java.util.Map.of("tag", tag, "dryRun", true, "hosts", deployer.targets()));
                }
                return 0;
            }
            boolean ok = SummaryPrinter.summary(human, shownTag, outcomes);
            SummaryPrinter.releasesLine(human, deployer.currentByHost());
            if (json.enabled()) {
                JsonOutput.print(spec.commandLine().getOut(), SummaryPrinter.summaryDocument(deployer.jobId(), shownTag, outcomes,
                        deployer.currentByHost()));
            }
            if (web != null && !webLinger.isZero()) {
                human.printf("web       showing the final state on %s for %s more%n", web.url(),
                        org.murder.core.Durations.format(webLinger));
                human.flush();
                Thread.sleep(webLinger.toMillis()); // nothing to wait for: the page is there to be looked at
            }
            return ok ? 0 : 1;
        }
    }

    /**
     * Runs the deploy; when it stops before its job's end (Ctrl-C or SIGTERM: from a shutdown
     * hook; an error: as it leaves), says on stderr which job it leaves live on the agents and how
     * to see it through.
     */
    private List<HostOutcome> followed(Deployer deployer, Callable<List<HostOutcome>> run) throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        Runnable note = () -> deployer.leftLive().ifPresent(what -> {
            err.println((Progress.isTerminal() ? "\n" : "") + "deploy stopped before its end: " + what); // ends a progress line first
            err.flush();
        });
        Thread hook = new Thread(note, "murder-deploy-stopped");
        Runtime.getRuntime().addShutdownHook(hook);
        boolean hookRemoved = false;
        try {
            return run.call();
        } finally {
            try {
                hookRemoved = Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs (or ran) and says it
            }
            if (hookRemoved) {
                note.run(); // an error ended the deploy: the job it published may still be live
            }
        }
    }

    /** The metrics server while the deploy runs, when one was asked for. */
    private record MetricsServing(Optional<MetricsServer> server) implements AutoCloseable {
        static MetricsServing start(Optional<MetricsEndpoint> endpoint, PrometheusRegistry registry, java.io.PrintWriter out) {
            Optional<MetricsServer> server = endpoint.map(e -> MetricsServer.start(e, registry, HealthCheck.SERVING));
            server.ifPresent(s -> {
                out.printf("metrics   on %s while the deploy runs%n", s.url());
                out.flush();
            });
            return new MetricsServing(server);
        }

        @Override
        public void close() {
            server.ifPresent(MetricsServer::close);
        }
    }

    /** The options of this deploy host, any deploy's: ports, addresses, the web page, what is kept, the timeout, packing. */
    @Override
    public void checkOptions() {
        checkWebOptions();
        checkFileOptions();
    }

    /** Each value alone: --web-bind and --web-linger without --web PORT are the command line's to pair. */
    @Override
    public void checkFileOptions() {
        if (webPort != null && (webPort < 0 || webPort > 65535)) {
            throw MurderException.badInput("deploy: --web " + webPort + ": not a port (expected: a free port 1 to 65535, or 0)");
        }
        if (!org.murder.core.IpLiteral.is(webBind)) {
            throw MurderException.badInput("deploy: --web-bind '" + org.murder.core.Printable.escape(webBind)
                    + "' (expected: an IP address of this machine, like 127.0.0.1, or 0.0.0.0 for every interface)");
        }
        if (webLinger.isNegative()) {
            throw MurderException.badInput("deploy: --web-linger " + org.murder.core.Durations.format(webLinger)
                    + " (expected: a duration like 0s, 30s or 10m)");
        }
        if (keep < 1 || keep > 1000) {
            throw MurderException.badInput("--keep: " + keep + " (expected: 1 to 1000)");
        }
        if (timeout.isZero() || timeout.isNegative()) {
            throw MurderException.badInput("--timeout: " + org.murder.core.Durations.format(timeout)
                    + " (expected: a positive duration, like 10m)");
        }
        if (tracker != null && !tracker.matches("https?://.+")) {
            throw MurderException.badInput("--tracker '" + org.murder.core.Printable.escape(tracker, 100) + "' (expected: an http://"
                    + " announce URL)");
        }
        if (!org.murder.core.IpLiteral.is(bind)) {
            throw MurderException.badInput("--bind '" + org.murder.core.Printable.escape(bind)
                    + "' (expected: an IP address of this machine, like 10.0.0.5, or 0.0.0.0 for every interface)");
        }
        checkAdvertise();
        if (trackerPort < 0 || trackerPort > 65535) {
            throw MurderException.badInput("--tracker-port " + trackerPort + ": not a port (expected: 1 to 65535, or 0 for a free one)");
        }
        org.murder.maker.Compression.parse(compress);
    }

    /** --web-bind and --web-linger go with --web PORT (the values themselves: {@link #checkFileOptions}). */
    private void checkWebOptions() {
        if (webPort == null && (!webLinger.isZero() || !"127.0.0.1".equals(webBind))) {
            throw MurderException.badInput("deploy: " + (webLinger.isZero() ? "--web-bind" : "--web-linger") + " only goes with --web PORT");
        }
    }

    /** For --resume: the network and files of this deploy host; tag, targets and rollout come from the job. */
    private DeployRequest resumeRequest() {
        if (tag != null || !hosts.isEmpty() || !hostNames.isEmpty() || !roles.isEmpty() || rollback || dryRun || waves != null) {
            throw MurderException.badInput("--resume takes the tag, targets and rollout from the job (expected: no --tag, --hosts,"
                    + " --host, --role, --waves, --rollback or --dry-run with it)");
        }
        if (source != null && !Files.isRegularFile(source)) {
            throw MurderException.badInput("--resume: " + org.murder.core.Printable.escape(source.toString()) + ": "
                    + (Files.isDirectory(source) ? "a directory" : Files.exists(source) ? "not a regular file" : "no such file")
                    + " (expected: the job's archive file to seed, as the publishing deploy left it in its --work-dir; lost or"
                    + " damaged, 'murder make-torrent DIR' with the deploy's packing options packs the same bytes again, and"
                    + " --resume checks every piece)");
        }
        return build(network(DeployRequest.builder()).source(Optional.ofNullable(source)).tag("resume").seedTime(seedTime)
                .timeout(timeout).keep(keep));
    }

    /**
     * --advertise goes into the torrent's announce URL every host uses: an empty one made
     * {@code http://:8998/announce}, a job no host could ever finish, and used the tag up.
     */
    private void checkAdvertise() {
        if (advertise != null && !org.murder.core.IpLiteral.isHostOrAddress(advertise)) {
            throw MurderException.badInput("--advertise '" + org.murder.core.Printable.escape(advertise, 100) + "': not an address or"
                    + " host name (expected: what the hosts reach this machine at, like 10.0.0.5 or deploy-1.example.com)");
        }
    }

    DeployRequest request() {
        try {
            // refused before anything is packed or published: agents would download the release and fail to unpack it
            ReleaseTag.parse(tag, "--tag");
            if (rollbackTo != null) {
                ReleaseTag.parse(rollbackTo, "--to");
            }
        } catch (IllegalArgumentException e) {
            throw MurderException.badInput(e.getMessage());
        }
        if (hosts.isEmpty() && hostNames.isEmpty() && roles.isEmpty()) {
            throw MurderException.badInput("deploy: no target (expected: --hosts GLOB, --host NAME or --role ROLE)");
        }
        checkTargets();
        if (workDir != null && Files.exists(workDir) && !Files.isDirectory(workDir)) {
            throw MurderException.badInput("--work-dir " + org.murder.core.Printable.escape(workDir.toString())
                    + ": not a directory (expected: a directory for the packed release, or a path to create)");
        }
        if (!rollback && source == null) {
            throw MurderException.badInput("deploy: missing SRC (expected: a release directory or a ready archive)");
        }
        if (!rollback && source != null && workDir != null && Files.isDirectory(source) && inside(workDir, source)) {
            // what is packed would hold its own archive being written: refused before anything is made there
            throw MurderException.badInput("--work-dir " + org.murder.core.Printable.escape(workDir.toString()) + ": inside SRC "
                    + org.murder.core.Printable.escape(source.toString()) + " (expected: a directory outside the release, like the"
                    + " default /var/tmp/murder)");
        }
        if (rollback && source != null) {
            throw MurderException.badInput("deploy --rollback takes no SRC");
        }
        if (rollbackTo != null && !rollback) {
            throw MurderException.badInput("--to only goes with --rollback");
        }
        if (source != null && !Files.exists(source)) {
            throw MurderException.badInput("deploy: SRC " + org.murder.core.Printable.escape(source.toString())
                    + ": no such file or directory (expected: a release directory or a ready archive)");
        }
        if (activate && !rollback && source != null && Files.isDirectory(source)) {
            // what every host reads when it activates: a mistake in it (a key 'helth') failed each host after its download
            org.murder.orchestrator.rollout.Hooks.read(source.resolve(org.murder.orchestrator.rollout.Hooks.FILE), "release");
        }
        if (dest != null && !isDestination(dest)) {
            throw MurderException.badInput("--dest '" + org.murder.core.Printable.escape(dest) + "' (expected: an absolute directory on the"
                    + " hosts, like /opt/app, without '..' or control characters)");
        }
        org.murder.orchestrator.rollout.RolloutRequest rollout = rolloutRequest();
        if (!roles.isEmpty() && (!hosts.isEmpty() || !hostNames.isEmpty())) {
            // a host matching a name or a role: --role web --host web-1, meant to narrow, deployed every web host
            throw MurderException.badInput("--role with " + (hostNames.isEmpty() ? "--hosts" : "--host") + ": one or the other"
                    + " (expected: hosts by name or glob, or by role; to leave hosts of a role out, --exclude)");
        }
        List<String> globs = new ArrayList<>(hosts);
        globs.addAll(hostNames);
        return build(network(DeployRequest.builder()).source(Optional.ofNullable(source)).tag(tag).hostGlobs(globs).roles(roles)
                .excludeGlobs(exclude).dest(dest).seedTime(seedTime).timeout(timeout).activate(activate).keep(keep)
                .rollbackTo(rollbackTo).rollback(rollback).dryRun(dryRun).rollout(rollout));
    }

    /** The options about this deploy host: its addresses and ports, work directory, grace and packing. */
    private DeployRequest.Builder network(DeployRequest.Builder b) {
        return b.bind(bind).trackerPort(trackerPort).externalTracker(Optional.ofNullable(tracker))
                .advertise(advertise != null ? advertise : defaultAddress()).seederPorts(seederPorts).workDir(workDir).grace(grace)
                .compression(org.murder.maker.Compression.parse(compress));
    }

    private static DeployRequest build(DeployRequest.Builder b) {
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw MurderException.badInput("--" + e.getMessage());
        }
    }

    private org.murder.orchestrator.rollout.RolloutRequest rolloutRequest() {
        List<String> hooks = hookNames == null ? org.murder.orchestrator.rollout.RolloutRequest.ALL_HOOKS
                : hookNames.equals(List.of("none")) ? List.of() : hookNames;
        org.murder.orchestrator.rollout.RolloutRequest r;
        int hostsAWave = batch == null ? 0 : batch;
        try {
            if (batch != null && batch < 1) {
                org.murder.orchestrator.rollout.WavePlan.batches(batch, List.of());
            }
            r = new org.murder.orchestrator.rollout.RolloutRequest(hooks, waves, hostsAWave, maxFailures, rollbackAll, pause);
            r.plan(List.of("a", "b", "c"));
            org.murder.orchestrator.rollout.WavePlan.failureBudget(maxFailures, 1);
        } catch (IllegalArgumentException e) {
            throw MurderException.badInput(e.getMessage());
        }
        // given on the command line without waves they did nothing, silently (--pause is refused likewise); from murder.conf
        // or the environment they are defaults for the deploys that have waves, and a --resume's request carries no waves
        picocli.CommandLine.ParseResult given = spec == null || spec.commandLine() == null ? null : spec.commandLine().getParseResult();
        if (!r.hasWaves() && given != null && given.hasMatchedOption("--rollback-all") && rollbackAll) {
            throw MurderException.badInput("--rollback-all only goes with --waves or --batch (without waves nothing rolls back"
                    + " by itself: 'murder deploy --rollback' switches the hosts you name)");
        }
        if (!r.hasWaves() && given != null && given.hasMatchedOption("--max-failures") && !"0".equals(maxFailures)) {
            throw MurderException.badInput("--max-failures only goes with --waves or --batch (it is a wave's failure budget;"
                    + " without waves every host activates on its own)");
        }
        if (r.hasWaves() && !activate) {
            throw MurderException.badInput((hostsAWave > 0 ? "--batch" : "--waves") + " only goes with --activate (waves are about switching"
                    + " current; without it every host just downloads)");
        }
        return r;
    }

    /**
     * Targets are checked before anything is packed or ZooKeeper asked: a glob that does not compile
     * ('web[1') ended in a stack trace after both; a name or role with control characters was
     * echoed raw in the "no agent matches" line.
     */
    private void checkTargets() {
        String globChars = "[A-Za-z0-9._*?\\[\\]!-]{1,256}";
        for (String[] option : new String[][] {{"--hosts", String.join("\0", hosts)}, {"--exclude", String.join("\0", exclude)}}) {
            for (String g : option[1].isEmpty() ? new String[0] : option[1].split("\0", -1)) {
                boolean ok = g.matches(globChars);
                if (ok) {
                    try {
                        java.nio.file.FileSystems.getDefault().getPathMatcher("glob:" + g);
                    } catch (java.util.regex.PatternSyntaxException e) {
                        ok = false;
                    }
                }
                if (!ok) {
                    throw MurderException.badInput(option[0] + " '" + org.murder.core.Printable.escape(shorten(g)) + "' (expected: a glob of"
                            + " agent names, 1 to 256 of A-Z a-z 0-9 . _ - * ? [ ] !, brackets closed)");
                }
            }
        }
        for (String n : hostNames) {
            if (!org.murder.orchestrator.agent.AgentSettings.NAME.matcher(n).matches()) {
                throw MurderException.badInput("--host '" + org.murder.core.Printable.escape(shorten(n)) + "' (expected: an agent name,"
                        + " 1 to 128 of A-Z a-z 0-9 . _ -)");
            }
        }
        for (String r : roles) {
            if (!org.murder.orchestrator.agent.AgentSettings.NAME.matcher(r).matches()) {
                throw MurderException.badInput("--role '" + org.murder.core.Printable.escape(shorten(r)) + "' (expected: a role,"
                        + " 1 to 128 of A-Z a-z 0-9 . _ -)");
            }
        }
    }

    /** At most 80 characters of {@code text}, for an error line. */
    private static String shorten(String text) {
        return text.length() <= 80 ? text : text.substring(0, 80) + "...";
    }

    /** What --dest takes: absolute (an agent's working directory is no place for releases), no '..', nothing to forge a log line. */
    static boolean isDestination(String dir) {
        return dir.startsWith("/") && org.murder.core.Printable.isPlain(dir) && dir.indexOf('\0') < 0
                && java.util.Arrays.stream(dir.split("/")).noneMatch(".."::equals);
    }

    /** The first IPv4 address of an interface that is up and not loopback; 127.0.0.1 on a box with none. */
    static String defaultAddress() {
        try {
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nif.isUp() || nif.isLoopback()) {
                    continue;
                }
                for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                    if (a instanceof Inet4Address) {
                        return a.getHostAddress();
                    }
                }
            }
        } catch (java.net.SocketException e) {
            // fall through
        }
        return "127.0.0.1";
    }

    /** Whether {@code dir} is {@code root} or below it, as the kernel resolves both (links followed where they exist). */
    private static boolean inside(Path dir, Path root) {
        try {
            Path realRoot = root.toRealPath();
            Path d = dir.toAbsolutePath().normalize();
            Path existing = d;
            while (existing != null && !Files.exists(existing)) {
                existing = existing.getParent();
            }
            Path real = existing == null ? d : existing.toRealPath().resolve(existing.relativize(d));
            return real.normalize().startsWith(realRoot);
        } catch (java.io.IOException e) {
            return false; // SRC unreadable: its own check says so
        }
    }
}
