package org.murder.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.murder.core.MurderException;
import org.murder.core.Printable;
import org.murder.core.cli.Cli;
import org.murder.core.cli.ConfigDefaults;
import org.murder.core.cli.LoggingOptions;
import org.murder.core.cli.OptionsCheck;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code murder check-config [FILE]}: reads a murder.conf as every command would, before it is put in place or a service
 * is restarted on it: its lines, its keys (each an option of some command) and each value as the commands that take it
 * convert it (a rate, a duration, a port range, an address). An Ansible template's {@code validate:}; a file that only
 * failed when each service next started (every agent of a fleet, restarted by a handler) is refused where it is written.
 * Each command's {@link OptionsCheck} is made too (ranges, options against each other); what a command finds once it runs
 * (a port free, a directory writable, ZooKeeper reachable) is the host's, and not looked at here.
 */
@Command(name = "check-config", description = {"Check a murder.conf: its lines, that every key is an option of a murder command,"
        + " that every value converts as the commands that take it read it, and fits their ranges and their other options. Prints one line and exits 0 when it is fine; one"
        + " line naming the file, line, key and what was expected and exit 2 when not. Nothing is started or connected to."},
        footer = {"", "Examples:", "  murder check-config /etc/murder/murder.conf.new && mv /etc/murder/murder.conf.new /etc/murder/murder.conf",
            "  # Ansible: template: ... validate: '/usr/bin/murder check-config %s'"})
public final class CheckConfigCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    LoggingOptions logging;

    @Parameters(paramLabel = "FILE", arity = "0..1", description = "The file to check. Default: MURDER_CONF, else /etc/murder/murder.conf.")
    Path file;

    @Override
    public Integer call() {
        String named = System.getenv("MURDER_CONF");
        Path path = file != null ? file : named == null || named.isEmpty() ? ConfigDefaults.DEFAULT_FILE : Path.of(named);
        if (!Files.exists(path)) {
            throw MurderException.badInput(Printable.escape(path.toString()) + ": no such file (expected: a murder.conf to check)");
        }
        // the file alone: what the environment says (MURDER_ZK, ...) is not the file's to answer for
        ConfigDefaults defaults = new ConfigDefaults(name -> null, path);
        CommandLine tree = Cli.configure(new CommandLine(new Murder()), defaults); // never the installed file
        defaults.checkKeys(tree.getCommandSpec());
        List<String> commands = new ArrayList<>();
        for (Map.Entry<String, CommandLine> sub : tree.getSubcommands().entrySet()) {
            if (sub.getValue().getCommandSpec().userObject() instanceof CommandLine.HelpCommand
                    || sub.getValue().getCommandSpec().userObject() instanceof CheckConfigCommand
                    || !sub.getKey().equals(sub.getValue().getCommandName())) {
                continue; // help, this command, an alias of a command checked under its name
            }
            // a command of its own (picocli parses a subcommand only under its parent's parse), as Murder#commandLineFor makes it
            CommandLine alone = Cli.configure(new CommandLine(sub.getValue().getCommandSpec().userObject().getClass()), defaults);
            try {
                alone.parseArgs(); // no arguments: every option takes its default, converted as the command would
            } catch (CommandLine.MissingParameterException e) {
                // its operands (deploy's SRC, peer's TORRENT): not the file's; its defaults were converted before this
            } catch (CommandLine.ParameterException e) {
                String line = e.getArgSpec() instanceof CommandLine.Model.OptionSpec option ? defaults.sourceOf(option).orElse(null) : null;
                throw MurderException.badInput((line == null ? Printable.escape(path.toString()) : line) + ": as '" + sub.getKey()
                        + "' reads it: " + e.getMessage());
            }
            // read once parsing succeeded (Murder's execution strategy), not by a converter
            CommandLine.Model.OptionSpec format = alone.getCommandSpec().findOption("--log-format");
            if (format != null && !java.util.Set.of("text", "json").contains(String.valueOf((Object) format.getValue()))) {
                throw MurderException.badInput(defaults.sourceOf(format).orElse(Printable.escape(path.toString())) + ": as '" + sub.getKey()
                        + "' reads it: --log-format: '" + Printable.escape(String.valueOf((Object) format.getValue()), 60)
                        + "' (expected: text or json)");
            }
            if (alone.getCommandSpec().userObject() instanceof OptionsCheck check) {
                try {
                    check.checkFileOptions(); // ranges and combinations: threads = 0, firewall.apply = true, ...
                } catch (MurderException e) {
                    throw MurderException.badInput(lineOf(e.getMessage(), alone, defaults).orElse(Printable.escape(path.toString()))
                            + ": as '" + sub.getKey() + "' reads it: " + e.getMessage());
                }
            }
            commands.add(sub.getKey());
        }
        spec.commandLine().getOut().println(Printable.escape(path.toString()) + ": ok (" + commands.size() + " commands read it)");
        spec.commandLine().getOut().flush();
        return 0;
    }

    private static final java.util.regex.Pattern LEADING_OPTION = java.util.regex.Pattern.compile("^(?:[a-z-]+: )?(--[a-z0-9-]+)\\b");

    /** FILE:LINE of the option a check's message starts with ("--threads: 0 (expected: ...)"), when the file set it. */
    private static java.util.Optional<String> lineOf(String message, CommandLine command, ConfigDefaults defaults) {
        java.util.regex.Matcher m = LEADING_OPTION.matcher(message == null ? "" : message);
        if (!m.find()) {
            return java.util.Optional.empty();
        }
        CommandLine.Model.OptionSpec option = command.getCommandSpec().findOption(m.group(1));
        return option == null ? java.util.Optional.empty() : defaults.sourceOf(option);
    }
}
