package org.murder.core.cli;

import org.murder.core.MurderException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Builds a {@link CommandLine} the murder way: our converters, exit code 2 for bad usage, and a
 * one-line message instead of a stack trace for our own errors ({@code --verbose} shows the trace).
 */
public final class Cli {
    private Cli() {
    }

    public static CommandLine create(Object command) {
        return configure(new CommandLine(command));
    }

    /**
     * Sets up {@code cl} and every subcommand it holds now (picocli applies converters and the
     * default provider to the hierarchy present at the call): add subcommands first.
     */
    public static CommandLine configure(CommandLine cl) {
        return configure(cl, ConfigDefaults.fromSystem());
    }

    /** {@link #configure(CommandLine)} with {@code defaults} in place of this process's environment and murder.conf. */
    public static CommandLine configure(CommandLine cl, ConfigDefaults defaults) {
        Converters.registerAll(cl);
        cl.setExecutionExceptionHandler(new OneLineErrors());
        cl.setParameterExceptionHandler(new OneLineUsageErrors());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setDefaultValueProvider(defaults);
        return cl;
    }

    /**
     * Sets every boolean flag given on the command line to what it says: true, or false when given as
     * {@code --flag=false}. picocli sets a flag to the opposite of its default, and the default may come
     * from murder.conf or the environment: with {@code tracker.ignore-ip-param = true} in the file,
     * {@code --ignore-ip-param} turned the hardening off. {@code --activate=false} (an Ansible template's
     * {@code --activate={{ x | lower }}}) meant true and switched every host. Negatable flags
     * ({@code --no-x}) and flags that take a value are left to picocli. Call once parsing succeeded,
     * before the command runs.
     */
    public static void flagsGivenMeanTrue(CommandLine.ParseResult parsed) {
        for (CommandLine c : parsed.asCommandLineList()) {
            for (CommandLine.Model.OptionSpec o : c.getParseResult().matchedOptions()) {
                if (!o.negatable() && o.arity().max() == 0 && (o.type() == boolean.class || o.type() == Boolean.class)) {
                    o.setValue(givenValue(o, c.getParseResult().originalArgs()));
                }
            }
        }
    }

    /**
     * What the last mention of flag {@code o} among {@code args} says: false for {@code --flag=false}, true
     * for {@code --flag} or {@code --flag=true} (picocli's own record of the value is what it toggled to).
     */
    private static boolean givenValue(CommandLine.Model.OptionSpec o, java.util.List<String> args) {
        boolean value = true;
        for (String arg : args) {
            if (arg.equals("--")) {
                break;
            }
            for (String name : o.names()) {
                if (arg.equals(name)) {
                    value = true;
                } else if (arg.startsWith(name + "=")) {
                    value = !arg.substring(name.length() + 1).equalsIgnoreCase("false");
                }
            }
        }
        return value;
    }

    /**
     * Bad usage (an unknown option, a value that does not convert, a missing required option): one
     * line naming it and where the help is, exit 2; no usage screen. {@code murder} alone still
     * prints the list of commands.
     */
    static final class OneLineUsageErrors implements CommandLine.IParameterExceptionHandler {
        @Override
        public int handleParseException(CommandLine.ParameterException e, String[] args) {
            CommandLine cl = e.getCommandLine();
            String message = String.valueOf(e.getMessage()).lines().findFirst().orElse("").strip();
            if (message.startsWith("murder: ")) {
                message = message.substring("murder: ".length());
            }
            if (message.startsWith("Error: ")) { // picocli's words for options that exclude each other: 'murder: Error: ...'
                message = message.substring("Error: ".length());
            }
            if (cl.getParent() == null && message.equals("missing command")) {
                cl.usage(cl.getErr());
                return CommandLine.ExitCode.USAGE;
            }
            String hint = "";
            if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
                hint = "; did you mean " + u.getSuggestions().get(0) + "?";
            }
            if (message.endsWith("' is not a boolean")) { // picocli's words for a flag's value from murder.conf or the environment
                message = message + " (expected: true or false)";
            }
            String source = sourceOfDefault(cl, e.getArgSpec(), args);
            if (source != null) {
                message = message + " (from " + source + ")";
            }
            cl.getErr().println("murder: " + printable(message) + hint + " (see '"
                    + cl.getCommandSpec().qualifiedName() + " --help')");
            return CommandLine.ExitCode.USAGE;
        }
    }

    /**
     * Where the value of {@code arg} came from when not from the command line: the environment
     * variable or the config file line, so that {@code MURDER_ZK_TIMEOUT=banana} is named as such.
     */
    private static String sourceOfDefault(CommandLine cl, CommandLine.Model.ArgSpec arg, String[] args) {
        if (!(arg instanceof CommandLine.Model.OptionSpec option)
                || !(cl.getDefaultValueProvider() instanceof ConfigDefaults defaults)) {
            return null;
        }
        for (String a : args) {
            for (String name : option.names()) {
                if (a.equals(name) || a.startsWith(name + "=")) {
                    return null;
                }
            }
        }
        return defaults.sourceOf(option).orElse(null);
    }

    private static final java.util.regex.Pattern LEADING_OPTION = java.util.regex.Pattern.compile("^(?:[a-z-]+: )?(--[a-z][a-z0-9-]*)\\b");

    /**
     * Where the option an error starts with ({@code --zk: '...'}, {@code deploy: --web 80: ...}) got its value, when
     * not from the command line: a command's own checks named the option, not that murder.conf's line 3 or
     * MURDER_ZK gave it; null when the message names no option of the command, or it was given as an argument.
     */
    private static String sourceOfNamedOption(CommandLine cl, String message) {
        java.util.regex.Matcher m = LEADING_OPTION.matcher(String.valueOf(message));
        if (!m.find() || !(cl.getDefaultValueProvider() instanceof ConfigDefaults defaults)) {
            return null;
        }
        CommandLine.Model.OptionSpec option = cl.getCommandSpec().findOption(m.group(1));
        if (option == null || cl.getParseResult() != null && cl.getParseResult().hasMatchedOption(option)) {
            return null;
        }
        return defaults.sourceOf(option).orElse(null);
    }

    /** The most characters of an error message shown: its start and its end (where "expected: ..." is), not megabytes of a value. */
    static final int MAX_MESSAGE = 2000;

    /**
     * {@code message} as one line for stderr: escaped (see Printable), and when longer than
     * {@link #MAX_MESSAGE} characters its first and last part with how much was left out between (a
     * 10 MB value read from a file, a 100 KB option value).
     */
    public static String printable(String message) {
        if (message == null || message.length() <= MAX_MESSAGE) {
            return org.murder.core.Printable.escape(message);
        }
        int head = MAX_MESSAGE * 3 / 4;
        int tail = MAX_MESSAGE - head;
        return org.murder.core.Printable.escape(message.substring(0, head)) + " ... (" + (message.length() - head - tail)
                + " characters left out) ... " + org.murder.core.Printable.escape(message.substring(message.length() - tail));
    }

    static final class OneLineErrors implements IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception e, CommandLine cl, ParseResult parsed) {
            boolean verbose = parsed.matchedOptionValue("--verbose", false) || parsed.subcommands().stream()
                    .anyMatch(s -> s.matchedOptionValue("--verbose", false));
            if (verbose) {
                // its messages quote what they refused as it came (a torrent's name): escaped line by line, as the last line is
                java.io.StringWriter trace = new java.io.StringWriter();
                e.printStackTrace(new java.io.PrintWriter(trace));
                trace.toString().lines().forEach(line -> cl.getErr().println(line.startsWith("\t")
                        ? "\t" + org.murder.core.Printable.escape(line.substring(1)) : org.murder.core.Printable.escape(line)));
            }
            if (e instanceof MurderException me) {
                String message = me.getMessage();
                String source = me.exitCode() == MurderException.BAD_INPUT ? sourceOfNamedOption(cl, message) : null;
                cl.getErr().println("murder: " + printable(source == null ? message : message + " (from " + source + ")"));
                return me.exitCode();
            }
            Throwable cause = e instanceof java.io.UncheckedIOException u ? u.getCause() : e;
            java.nio.file.FileSystemException io = cause instanceof java.nio.file.FileSystemException f ? f : null;
            if (io != null) { // a path and what went wrong with it, in words: not a Java class name
                cl.getErr().println("murder: " + org.murder.core.io.IoErrors.describe(io)); // escaped
                if (!verbose) {
                    cl.getErr().println("murder: run again with --verbose for where it happened");
                }
                return MurderException.FAILURE;
            }
            cl.getErr().println("murder: unexpected error: " + printable(String.valueOf(e)));
            if (!verbose) {
                cl.getErr().println("murder: run again with --verbose for the stack trace");
            }
            return MurderException.FAILURE;
        }
    }
}
