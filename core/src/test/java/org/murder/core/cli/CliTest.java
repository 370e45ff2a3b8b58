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
}
