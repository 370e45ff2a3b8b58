package org.murder.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.util.HashMap;
import java.util.Map;
import org.murder.core.MurderException;
import org.murder.core.cli.Cli;
import org.murder.core.cli.ConfigDefaults;
import org.murder.firewall.FirewallCommand;
import org.murder.maker.MakeTorrentCommand;
import org.murder.orchestrator.cli.AgentCommand;
import org.murder.orchestrator.cli.AgentsCommand;
import org.murder.orchestrator.cli.DemoCommand;
import org.murder.orchestrator.cli.DeployCommand;
import org.murder.orchestrator.cli.JobsCommand;
import org.murder.orchestrator.cli.ZooKeeperCommand;
import org.murder.orchestrator.release.ReleasesCommand;
import org.murder.orchestrator.release.RollbackCommand;
import org.murder.orchestrator.release.UnpackCommand;
import org.murder.peer.cli.PeerCommand;
import org.murder.seeder.SeedCommand;
import org.murder.tracker.TrackerCommand;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The {@code murder} root command. With no subcommand it prints the usage. */
@Command(name = "murder", mixinStandardHelpOptions = true, versionProvider = Murder.VersionProvider.class,
        description = "Push one large release to many servers fast, over BitTorrent.",
        subcommands = {DemoCommand.class, DeployCommand.class, AgentCommand.class, AgentsCommand.class, JobsCommand.class, RollbackCommand.class,
            UnpackCommand.class, ReleasesCommand.class, MakeTorrentCommand.class, InfoCommand.class, TrackerCommand.class, SeedCommand.class,
            PeerCommand.class, ZooKeeperCommand.class, FirewallCommand.class, SelftestCommand.class, CheckConfigCommand.class,
            CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 ok, 1 failure, 2 bad usage or bad input.",
            "Run 'murder help COMMAND' for the options of a command."})
public final class Murder implements Runnable {
    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code. */
    public static int run(String... args) {
        CommandLine cl;
        try {
            cl = commandLineFor(args);
        } catch (MurderException e) { // the config file named by MURDER_CONF is missing or unreadable
            System.err.println("murder: " + org.murder.core.cli.Cli.printable(e.getMessage()));
            return e.exitCode();
        }
        return cl.execute(args);
    }

    /** Every command by name (not {@code help}, which needs them all). */
    private static final Map<String, Class<?>> COMMANDS = commandsByName();

    private static Map<String, Class<?>> commandsByName() {
        Map<String, Class<?>> byName = new HashMap<>();
        for (Class<?> c : Murder.class.getAnnotation(Command.class).subcommands()) {
            Command command = c.getAnnotation(Command.class);
            if (c != CommandLine.HelpCommand.class && command != null) {
                byName.put(command.name(), c);
                for (String alias : command.aliases()) {
                    byName.put(alias, c);
                }
            }
        }
        return Map.copyOf(byName);
    }

    /**
     * The command line for {@code args}: when they start with a command's name, a tree holding
     * only that command. picocli builds the model of every command it is given, which cost each
     * start about 0.1 s of CPU for all fifteen, and a swarm starts one JVM per host.
     */
    static CommandLine commandLineFor(String... args) {
        Class<?> only = args.length == 0 ? null : COMMANDS.get(args[0]);
        if (only == null) {
            return commandLine();
        }
        CommandLine cl = new CommandLine(new One());
        cl.addSubcommand(only);
        // check-config judges the file it is given: the installed one, broken, must not stop it before it starts
        return withVerboseLogging(only == CheckConfigCommand.class ? Cli.configure(cl, ConfigDefaults.none()) : Cli.configure(cl));
    }

    /** The whole command tree. */
    public static CommandLine commandLine() {
        return withVerboseLogging(Cli.create(new Murder()));
    }

    private static CommandLine withVerboseLogging(CommandLine cl) {
        CommandLine.IExecutionStrategy runLast = new CommandLine.RunLast();
        cl.setExecutionStrategy(parsed -> {
            Cli.flagsGivenMeanTrue(parsed);
            boolean verbose = parsed.asCommandLineList().stream()
                    .anyMatch(c -> c.getParseResult().hasMatchedOption("--verbose"));
            CommandLine.Model.OptionSpec formatOption = parsed.asCommandLineList().stream()
                    .map(c -> c.getCommandSpec().findOption("--log-format"))
                    .filter(java.util.Objects::nonNull)
                    .reduce((first, last) -> last).orElse(null);
            String format = formatOption == null ? "text" : String.valueOf((Object) formatOption.getValue());
            if (format.equals("json")) {
                LogConfigurator.useJson((ch.qos.logback.classic.LoggerContext) LoggerFactory.getILoggerFactory());
                CommandLine root = parsed.commandSpec().commandLine();
                root.setErr(new java.io.PrintWriter(new JsonErrLines(root.getErr()), true)); // its last line too
            } else if (!format.equals("text")) {
                // with the option: the handler names where a default came from (MURDER_LOG_FORMAT, a line of MURDER_CONF)
                throw new CommandLine.ParameterException(parsed.asCommandLineList().get(parsed.asCommandLineList().size() - 1),
                        "--log-format: '" + format + "' (expected: text or json)", formatOption, format);
            }
            BriefTraces.verbose(verbose); // KnownNoise reads it too
            if (!org.murder.core.io.FileNames.utf8()) {
                LoggerFactory.getLogger(Murder.class).warn("file names are read as {} here, not UTF-8: names outside ASCII cannot be"
                        + " packed, unpacked or downloaded; run murder under a UTF-8 locale (LC_CTYPE=C.UTF-8; bin/murder sets it)",
                        org.murder.core.io.FileNames.charset());
            }
            if (verbose) {
                ((Logger) LoggerFactory.getLogger("org.murder")).setLevel(Level.DEBUG);
                for (String client : LogConfigurator.CLIENT_LOGGERS) {
                    ((Logger) LoggerFactory.getLogger(client)).setLevel(Level.WARN);
                }
            }
            boolean help = parsed.asCommandLineList().stream().anyMatch(c -> c.isUsageHelpRequested() || c.isVersionHelpRequested());
            if (!help) {
                checkConfigKeys(parsed.commandSpec());
            }
            try {
                return runLast.execute(parsed);
            } catch (CommandLine.ExecutionException e) {
                // ZooKeeper's refusals (another job secret's tree) in words, wherever a command first met them
                java.util.Optional<org.murder.core.MurderException> said = org.murder.orchestrator.zk.ZkErrors.explain(e.getCause());
                if (said.isPresent()) {
                    throw new CommandLine.ExecutionException(e.getCommandLine(), said.get().getMessage(), said.get());
                }
                throw e;
            }
        });
        return cl;
    }

    /**
     * Refuses a config file key that no murder command takes. The tree of one command knows only
     * that command's options: only when a key is not among them is the whole tree built (about
     * 0.1 s) to look for it in the others.
     */
    private static void checkConfigKeys(CommandSpec tree) {
        if (!(tree.commandLine().getDefaultValueProvider() instanceof ConfigDefaults defaults) || !defaults.hasFileKeys()
                || defaults.unknownKeys(tree).isEmpty()) {
            return;
        }
        try {
            defaults.checkKeys(commandLine().getCommandSpec());
        } catch (MurderException e) {
            throw new CommandLine.ExecutionException(tree.commandLine(), e.getMessage(), e);
        }
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "murder: missing command");
    }

    /** The root of a one-command tree: {@code murder} with the same name, help and version options. */
    @Command(name = "murder", mixinStandardHelpOptions = true, versionProvider = Murder.VersionProvider.class)
    static final class One implements Runnable {
        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "murder: missing command");
        }
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"murder " + org.murder.core.BuildInfo.full() + " (Java " + Runtime.version() + ", digests: "
                    + org.murder.core.crypto.Digests.providerName() + ")"};
        }
    }
}
