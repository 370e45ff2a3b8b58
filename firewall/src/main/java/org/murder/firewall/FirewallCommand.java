package org.murder.firewall;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.murder.core.MurderException;
import org.murder.core.PortRange;
import org.murder.core.cli.LoggingOptions;
import org.murder.peer.engine.EngineConfig;
import org.murder.tracker.TrackerConfig;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code murder firewall}: print, apply, check or remove the rules that let murder's ports in. */
@Command(name = "firewall", sortOptions = false,
        description = {"Accept TCP to the tracker port, the peer port range (and ZooKeeper's port and daemons' metrics ports when given),"
                + " optionally only from source networks.",
            "iptables: chain MURDER, jumped to once from the top of INPUT. nftables: chain murder in the table holding your input policy "
                    + "(default 'inet filter'), jumped to from its input chain. --apply is idempotent; --remove takes exactly ours away."},
        footer = {"", "Exit codes: 0 ok, 1 failed (or --check found rules missing), 2 bad usage.",
            "", "Examples:", "  murder firewall                 # print the iptables commands",
            "  murder firewall --apply --source 10.0.0.0/8",
            "  murder firewall --backend nftables --check --zk-port 2181",
            "  murder firewall --apply --source 10.0.0.0/8 --metrics-port 9481 --metrics-source 10.0.0.5"})
public final class FirewallCommand implements Callable<Integer>, org.murder.core.cli.OptionsCheck {
    /** What the command does; one at most, {@code --print} when none. */
    static final class Action {
        @Option(names = "--print", description = "Print the commands (iptables) or the ruleset (nft -f) (the default).")
        boolean print;
        @Option(names = "--apply", description = "Install the rules (as root); running it again changes nothing.")
        boolean apply;
        @Option(names = "--check", description = "Exit 1 naming each missing (or extra) rule; 0 when all are in place.")
        boolean check;
        @Option(names = "--remove", description = "Take our chain and its jump away, nothing else.")
        boolean remove;
    }

    /** The firewall tool to drive. */
    enum BackendName { iptables, ip6tables, nftables }

    @Spec
    CommandSpec spec;

    @Mixin
    LoggingOptions logging;

    @Option(names = "--port-range", paramLabel = "A-B",
            description = "The peers' port range (as given to murder peer/seed). Default: the peers' default, 6881-6889.")
    PortRange portRange = EngineConfig.DEFAULT_PORTS;

    @Option(names = "--tracker-port", paramLabel = "PORT", description = "The tracker's port. Default: the tracker's default, 8998.")
    int trackerPort = TrackerConfig.DEFAULT_PORT;

    @Option(names = "--zk-port", paramLabel = "PORT", description = "Also open ZooKeeper's port (like 2181).")
    Integer zkPort;

    @Option(names = "--source", paramLabel = "CIDR",
            description = "Accept only from this network (like 10.0.0.0/8 or a single address). Repeatable. Default: from anywhere.")
    List<String> sources = new ArrayList<>();

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Also open a daemon's --metrics-port (the agent's 9481, the seeder's 9482) for a Prometheus on another host"
                    + " (the daemon must listen there: --metrics-bind). Repeatable.")
    List<Integer> metricsPorts = new ArrayList<>();

    @Option(names = "--metrics-source", paramLabel = "CIDR",
            description = "Accept the metrics ports only from this network (the Prometheus host, like 10.0.0.5). Repeatable."
                    + " Default: the --source networks.")
    List<String> metricsSources = new ArrayList<>();

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "iptables",
            description = "iptables, ip6tables or nftables. Default: ${DEFAULT-VALUE}.")
    BackendName backend;

    @Option(names = "--nft-table", paramLabel = "'FAMILY NAME'", defaultValue = "inet filter",
            description = "nftables: the table that holds your input policy. Default: '${DEFAULT-VALUE}'.")
    String nftTable;

    @Option(names = "--nft-chain", paramLabel = "CHAIN", defaultValue = "input",
            description = "nftables: the input base chain in that table. Default: ${DEFAULT-VALUE}.")
    String nftChain;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Action action;

    private final Shell shell;

    public FirewallCommand() {
        this(Shell.system());
    }

    FirewallCommand(Shell shell) {
        this.shell = shell;
    }

    /** The actions, one of which the command line may give. */
    private static final List<String> ACTIONS = List.of("--print", "--apply", "--check", "--remove");

    /**
     * What the command does: the action its command line names, {@code --print} when none. Never the file's or the
     * environment's: picocli fills the group of a matched action from them too, so firewall.apply = true in murder.conf turned
     * a --remove into an apply (and one with no action on the command line printed the rules, whatever it said). Such a
     * setting is refused; so is an action given as false ({@code --check=false}), which the dispatch took for --remove.
     */
    private String action() {
        for (String name : ACTIONS) {
            org.murder.core.cli.ConfigDefaults.configured(spec, name).ifPresent(e -> {
                throw MurderException.badInput("an action in murder.conf or the environment: " + name + " = "
                        + org.murder.core.Printable.escape(e.getKey()) + " (from " + org.murder.core.Printable.escape(e.getValue())
                        + "; expected: murder firewall " + name + " on the command line, and nothing there)");
            });
        }
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        if (action == null || parsed == null) {
            return "--print";
        }
        for (String name : ACTIONS) {
            if (parsed.hasMatchedOption(name)) {
                if (!Boolean.TRUE.equals(spec.findOption(name).getValue())) {
                    throw MurderException.badInput(name + "=false: an action is given or not (expected: " + name
                            + ", or another action, or none for --print)");
                }
                return name;
            }
        }
        return "--print";
    }

    /** What the command line and the options ask: the action, the rules and the backend that renders them. */
    private record Plan(String what, RuleSet rules, Backend backend) {
    }

    @Override
    public void checkOptions() {
        plan();
    }

    private Plan plan() {
        String what = action();
        if (backend != BackendName.nftables && spec.commandLine().getParseResult() != null) {
            for (String nftOnly : List.of("--nft-table", "--nft-chain")) {
                if (spec.commandLine().getParseResult().hasMatchedOption(nftOnly)) { // given for nothing: said, not passed over
                    throw MurderException.badInput(nftOnly + " is for --backend nftables (expected: --backend nftables with it, or"
                            + " neither: --backend " + backend + " puts its rules in a chain of its own, jumped to from INPUT)");
                }
            }
        }
        try {
            List<Source> parsed = sources.stream().map(Source::parse).distinct().toList(); // one rule for a source named twice
            RuleSet rules = RuleSet.of(portRange, trackerPort, zkPort, parsed, metricsPorts,
                    metricsSources.stream().map(Source::parse).toList());
            Backend b = switch (backend) {
                case iptables -> Backend.iptables();
                case ip6tables -> Backend.ip6tables();
                case nftables -> Backend.nftables(NftTable.parse(nftTable), nftChain);
            };
            b.validate(rules);
            return new Plan(what, rules, b);
        } catch (IllegalArgumentException e) {
            throw MurderException.badInput("firewall: " + org.murder.core.Printable.escape(e.getMessage()));
        }
    }

    @Override
    public Integer call() {
        Plan plan = plan();
        String what = plan.what();
        RuleSet rules = plan.rules();
        Backend b = plan.backend();
        PrintWriter out = spec.commandLine().getOut();
        try {
            if (what.equals("--print")) {
                out.print(b.render(rules));
            } else if (what.equals("--apply")) {
                List<String> changes = b.apply(rules, shell);
                changes.forEach(c -> out.println("ran       " + c));
                out.println((changes.isEmpty() ? "unchanged " : "applied   ") + b.name() + ": " + rules.rules().size()
                        + " rules accepting " + rules.describe() + ", in " + b.where());
                List<Status.Entry> blocked = b.inspect(rules, shell).blocked();
                blocked.forEach(e -> out.println("blocked   " + e.text()));
                out.flush();
                if (!blocked.isEmpty()) { // not ours to move: said, and the exit says so too
                    throw new MurderException("firewall: " + b.name() + ": " + blocked.size() + " rule(s) above the jump to our chain"
                            + " drop murder's traffic before our rules see it (expected: none; delete them, or insert them below the"
                            + " jump)", MurderException.FAILURE);
                }
            } else if (what.equals("--check")) {
                Status status = b.inspect(rules, shell);
                for (Status.Entry e : status.entries()) {
                    out.printf("%-9s %s%n", e.kind().name().toLowerCase(java.util.Locale.ROOT), e.text());
                }
                out.flush();
                if (!status.oursExact()) {
                    throw new MurderException("firewall: " + b.name() + ": " + status.count(Status.Kind.MISSING) + " missing, "
                            + status.count(Status.Kind.EXTRA) + " extra" + (status.blocked().isEmpty() ? "" : ", "
                            + status.blocked().size() + " blocked") + " (run murder firewall --apply with the same options)",
                            MurderException.FAILURE);
                }
                if (!status.exact()) {
                    throw new MurderException("firewall: " + b.name() + ": " + status.blocked().size() + " rule(s) above the jump to"
                            + " our chain drop murder's traffic before our rules see it (expected: none; delete them, or insert them"
                            + " below the jump)", MurderException.FAILURE);
                }
                out.println("ok        " + b.name() + ": every rule in place in " + b.where());
            } else {
                List<String> changes = b.remove(shell);
                changes.forEach(c -> out.println("ran       " + c));
                out.println(changes.isEmpty() ? "unchanged " + b.name() + ": nothing of ours installed"
                        : "removed   " + b.name() + ": " + b.where());
            }
        } finally {
            out.flush();
        }
        return 0;
    }
}
