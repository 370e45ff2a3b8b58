package org.murder.core.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CliTest {
    @Test
    void aHugeMessageKeepsItsStartAndItsExpectationNotMegabytesOfItsValue() {
        String value = "x".repeat(10_000_000);
        String message = "dest/v42.md5: '" + value + "' (expected: 32 hex digits)";
        String shown = Cli.printable(message);
        assertTrue(shown.length() < Cli.MAX_MESSAGE + 100, "shown " + shown.length() + " characters");
        assertTrue(shown.startsWith("dest/v42.md5: 'xxx"), shown.substring(0, 40));
        assertTrue(shown.endsWith("xx' (expected: 32 hex digits)"), shown.substring(shown.length() - 60));
        assertTrue(shown.contains(" ... (" + (message.length() - Cli.MAX_MESSAGE) + " characters left out) ... "));
        assertEquals(1, shown.lines().count());
    }

    @Test
    void aShortMessageIsOnlyEscaped() {
        assertEquals("name v42\\x1b[2J (expected: a tag)", Cli.printable("name v42\u001b[2J (expected: a tag)"));
    }

    @picocli.CommandLine.Command(name = "fails")
    static final class Fails implements java.util.concurrent.Callable<Integer> {
        final Exception thrown;

        Fails(Exception thrown) {
            this.thrown = thrown;
        }

        @Override
        public Integer call() throws Exception {
            throw thrown;
        }
    }

    private static String[] run(Exception thrown) {
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cl = Cli.create(new Fails(thrown));
        cl.setErr(new java.io.PrintWriter(err, true));
        int code = cl.execute();
        return new String[] {String.valueOf(code), err.toString()};
    }

    @Test
    void anIoErrorNamesItsPathInWordsNotAsAnUnexpectedError() {
        String[] r = run(new java.nio.file.NoSuchFileException("/var/tmp/murder/v1.torrent\u001b[2J"));
        assertEquals("1", r[0]);
        assertEquals("murder: /var/tmp/murder/v1.torrent\\x1b[2J: no such file or directory\nmurder: run again with --verbose for where it"
                + " happened\n", r[1]);
        r = run(new java.io.UncheckedIOException(new java.nio.file.FileSystemException("/srv/app/v2.part", null, "No space left on device")));
        assertEquals("murder: /srv/app/v2.part: No space left on device\nmurder: run again with --verbose for where it happened\n", r[1]);
        r = run(new java.net.ConnectException("Connection refused")); // no path to name: the class says what failed
        assertTrue(r[1].startsWith("murder: unexpected error: java.net.ConnectException: Connection refused\n"), r[1]);
        r = run(new IllegalStateException("a bug"));
        assertTrue(r[1].startsWith("murder: unexpected error: java.lang.IllegalStateException: a bug\n"), r[1]);
    }
}
