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
        ITypeConverter<Integer> anInt = text -> (int) integer(text, Integer.MIN_VALUE, Integer.MAX_VALUE);
        ITypeConverter<Long> aLong = text -> integer(text, Long.MIN_VALUE, Long.MAX_VALUE);
        commandLine.registerConverter(Integer.class, anInt);
        commandLine.registerConverter(Integer.TYPE, anInt);
        commandLine.registerConverter(Long.class, aLong);
        commandLine.registerConverter(Long.TYPE, aLong);
        commandLine.registerConverter(java.nio.file.Path.class, Converters::path);
        return commandLine;
    }

    /**
     * A path; an empty one is refused (picocli's would be the current directory: an unset shell
     * variable would pack, seed or download into wherever the command ran).
     */
    static java.nio.file.Path path(String text) {
        if (text.isEmpty()) {
            throw new CommandLine.TypeConversionException("'' (expected: a path; for the current directory say .)");
        }
        try {
            return java.nio.file.Path.of(text);
        } catch (java.nio.file.InvalidPathException e) {
            throw new CommandLine.TypeConversionException("'" + org.murder.core.Printable.escape(text) + "' (expected: a path: "
                    + e.getReason() + ")");
        }
    }

    /**
     * A decimal integer within {@code min..max}; picocli's own says only {@code '99999999999' is
     * not an int}. The option's own range, where it has one, is checked after.
     */
    static long integer(String text, long min, long max) {
        String t = text.strip();
        String shown = org.murder.core.Printable.escape(text, 40);
        if (!t.matches("[-+]?[0-9]+")) {
            throw new CommandLine.TypeConversionException("'" + shown + "' (expected: a whole number, like 10)");
        }
        boolean negative = t.startsWith("-");
        try {
            long v = Long.parseLong(t); // a sign and leading zeros are fine
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException tooLong) {
            // beyond a long: out of range below
        }
        throw new CommandLine.TypeConversionException("'" + shown + "' (expected: a whole number " + (negative ? "of at least " + min
                : "up to " + max) + ")");
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
