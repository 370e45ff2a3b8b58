package org.murder.core.cli;

import picocli.CommandLine.Option;

/** {@code --verbose} and {@code --help}, shared by every subcommand through {@code @Mixin}. */
public final class LoggingOptions {
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Option(names = {"-v", "--verbose"}, description = "Log debug detail and print stack traces on errors.")
    boolean verbose;

    public boolean verbose() {
        return verbose;
    }
}
