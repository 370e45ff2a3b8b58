package org.murder.core.cli;

import picocli.CommandLine.Option;

/** {@code --verbose} and {@code --help}, shared by every subcommand through {@code @Mixin}. */
public final class LoggingOptions {
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Option(names = {"-v", "--verbose"}, description = "Log debug detail and print stack traces on errors.")
    boolean verbose;

    @Option(names = "--log-format", paramLabel = "text|json", defaultValue = "text",
            description = "Logs on stderr as text lines or as one JSON object a line (messages filled in). Default: ${DEFAULT-VALUE}.")
    String logFormat;

    public boolean verbose() {
        return verbose;
    }
}
