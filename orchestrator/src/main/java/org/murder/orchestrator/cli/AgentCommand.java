package org.murder.orchestrator.cli;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.curator.framework.CuratorFramework;
import org.murder.core.MurderException;
import org.murder.core.cli.LoggingOptions;
import org.murder.orchestrator.agent.Agent;
import org.murder.orchestrator.agent.AgentSettings;
import org.murder.orchestrator.agent.ReleaseActivator;
import org.murder.orchestrator.job.JobSigner;
import org.murder.orchestrator.zk.Zk;
import org.murder.peer.cli.EngineOptions;
import org.murder.peer.engine.Engine;
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
public final class AgentCommand implements Callable<Integer> {
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

    @Mixin
    EngineOptions engineOptions;

    @Mixin
    ZkOptions zk;

    @Override
    public Integer call() throws Exception {
        String agentName = name != null ? name : InetAddress.getLocalHost().getHostName();
        AgentSettings settings;
        try {
            settings = new AgentSettings(agentName, roles, destRoot, engineOptions.announceIp()
                    .orElseGet(AgentCommand::localAddress));
        } catch (IllegalArgumentException e) {
            throw MurderException.badInput(e.getMessage());
        }
        JobSigner signer = zk.signer();
        CountDownLatch stopped = new CountDownLatch(1);
        Engine engine = Engine.start(engineOptions.configBuilder().build(), Clock.systemUTC());
        CuratorFramework client;
        try {
            client = Zk.connect(zk.settings());
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
        if (hooksFile != null && !java.nio.file.Files.isRegularFile(hooksFile)) {
            throw MurderException.badInput("--hooks-file " + hooksFile + ": no such file (expected: a murder.hooks file)");
        }
        if (overlayDir != null && !java.nio.file.Files.isDirectory(overlayDir)) {
            throw MurderException.badInput("--overlay-dir " + overlayDir + ": not a directory");
        }
        String runAs = hookUser != null ? hookUser : "root".equals(System.getProperty("user.name")) ? "murder" : null;
        org.murder.orchestrator.rollout.HostSetup setup = new org.murder.orchestrator.rollout.HostSetup(
                java.util.Optional.ofNullable(hooksFile), java.util.Optional.ofNullable(overlayDir), java.util.Optional.ofNullable(runAs),
                java.time.Duration.ofSeconds(1));
        Agent agent = new Agent(client, settings, engine, signer, new ReleaseActivator(), Clock.systemUTC(), setup);
        org.murder.core.cli.Termination.onStop(new Thread(() -> {
            agent.close();
            engine.close();
            client.close();
            stopped.countDown();
        }, "murder-agent-stop"));
        agent.start(30);
        spec.commandLine().getOut().printf("agent %s registered at %s (peer port %d, releases under %s)%n", agentName,
                zk.settings().connect(), engine.port(), destRoot);
        spec.commandLine().getOut().flush();
        stopped.await();
        return 0;
    }

    static String localAddress() {
        try {
            return InetAddress.getLocalHost().getHostAddress();
        } catch (java.io.IOException e) {
            return "127.0.0.1";
        }
    }
}
