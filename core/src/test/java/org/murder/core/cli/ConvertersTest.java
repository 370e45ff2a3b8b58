package org.murder.core.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Whole numbers beyond their type are refused naming the largest one, not "is not an int". */
class ConvertersTest {

    @Command(name = "test")
    static final class Numbers {
        @Option(names = "--count")
        int count;

        @Option(names = "--bytes")
        Long bytes;

        @picocli.CommandLine.Parameters(arity = "0..1")
        java.nio.file.Path dir;
    }

    private static Numbers parse(String... args) {
        Numbers n = new Numbers();
        Converters.registerAll(new CommandLine(n)).parseArgs(args);
        return n;
    }

    private static String refusal(String... args) {
        return assertThrows(CommandLine.ParameterException.class, () -> parse(args)).getMessage();
    }

    @Test
    void wholeNumbersWithinTheirTypeAreRead() {
        assertEquals(2147483647, parse("--count", "2147483647").count);
        assertEquals(-5, parse("--count", "-5").count);
        assertEquals(7, parse("--count", "+007").count);
        assertEquals(Long.MAX_VALUE, parse("--bytes", "9223372036854775807").bytes);
    }

    @Test
    void numbersBeyondTheirTypeNameTheLimit() {
        assertEquals("Invalid value for option '--count': '2147483648' (expected: a whole number up to 2147483647)",
                refusal("--count", "2147483648"));
        assertEquals("Invalid value for option '--count': '-99999999999' (expected: a whole number of at least -2147483648)",
                refusal("--count", "-99999999999"));
        assertEquals("Invalid value for option '--bytes': '99999999999999999999999' (expected: a whole number up to "
                + "9223372036854775807)", refusal("--bytes", "99999999999999999999999"));
    }

    @Test
    void textThatIsNoNumberIsSaidSoAndEscaped() {
        assertEquals("Invalid value for option '--count': '1.5' (expected: a whole number, like 10)", refusal("--count", "1.5"));
        assertEquals("Invalid value for option '--count': '\\x1b[31m' (expected: a whole number, like 10)",
                refusal("--count", "\u001b[31m"));
    }

    @Test
    void anEmptyPathIsRefusedNotTakenForTheCurrentDirectory() {
        assertEquals("Invalid value for positional parameter at index 0 (<dir>): '' (expected: a path; for the current directory say .)",
                refusal(""));
        assertEquals(java.nio.file.Path.of("."), parse(".").dir);
    }
}
