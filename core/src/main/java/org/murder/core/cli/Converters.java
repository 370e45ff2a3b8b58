package org.murder.core.cli;

import java.time.Duration;
import org.murder.core.ByteSize;
import org.murder.core.Durations;
import org.murder.core.PortRange;
import org.murder.core.RackName;
import org.murder.core.Rate;
import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;

/**
 * picocli converters for our value types. Each error names the bad text and the expected form;
 * picocli prefixes the option name, so an operator reads
 * {@code Invalid value for option '--piece-size': size '3x' (expected: ...)}.
 */
public final class Converters {
    private Converters() {
    }

    /** Registers every converter on {@code commandLine} and its subcommands. */
    public static CommandLine registerAll(CommandLine commandLine) {
        commandLine.registerConverter(ByteSize.class, wrap(ByteSize::parse));
        commandLine.registerConverter(Rate.class, wrap(Rate::parse));
        commandLine.registerConverter(PortRange.class, wrap(PortRange::parse));
        commandLine.registerConverter(Duration.class, wrap(Durations::parse));
        commandLine.registerConverter(RackName.class, wrap(RackName::parse));
        return commandLine;
    }

    private static <T> ITypeConverter<T> wrap(java.util.function.Function<String, T> parse) {
        return text -> {
            try {
                return parse.apply(text);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        };
    }
}
