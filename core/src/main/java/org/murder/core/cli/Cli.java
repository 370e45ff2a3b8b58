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
        Converters.registerAll(cl);
        cl.setExecutionExceptionHandler(new OneLineErrors());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setDefaultValueProvider(ConfigDefaults.fromSystem());
        return cl;
    }

    static final class OneLineErrors implements IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception e, CommandLine cl, ParseResult parsed) {
            boolean verbose = parsed.matchedOptionValue("--verbose", false) || parsed.subcommands().stream()
                    .anyMatch(s -> s.matchedOptionValue("--verbose", false));
            if (verbose) {
                e.printStackTrace(cl.getErr());
            }
            if (e instanceof MurderException me) {
                cl.getErr().println("murder: " + me.getMessage());
                return me.exitCode();
            }
            cl.getErr().println("murder: unexpected error: " + e);
            if (!verbose) {
                cl.getErr().println("murder: run again with --verbose for the stack trace");
            }
            return MurderException.FAILURE;
        }
    }
}
