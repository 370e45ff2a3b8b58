package org.murder.orchestrator.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ReleaseTagTest {
    private static final String EXPECTED = "(expected: 1 to 100 of A-Z a-z 0-9 . _ -, not starting with '.' or '-')";

    @ParameterizedTest
    @ValueSource(strings = {"v1", "V42", "1.2.3", "v1.2.3_rc-1", "_build", "9", "v1.", "v1..2", "a-", "release-2026.12.02"})
    void theseAreTags(String text) {
        assertEquals(text, ReleaseTag.parse(text).value());
        assertTrue(ReleaseTag.isValid(text));
    }

    @org.junit.jupiter.api.Test
    void aHundredCharactersIsTheLongest() {
        assertEquals(100, ReleaseTag.parse("v".repeat(100)).value().length());
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("", "tag ''"),
                Arguments.of(".v1", "tag '.v1'"),          // hidden: the names murder keeps for itself
                Arguments.of(".", "tag '.'"),
                Arguments.of("..", "tag '..'"),
                Arguments.of("-x", "tag '-x'"),            // would read as an option
                Arguments.of("-", "tag '-'"),
                Arguments.of("v".repeat(101), "tag '" + "v".repeat(101) + "'"),
                Arguments.of("a/b", "tag 'a/b'"),          // path separators
                Arguments.of("../v1", "tag '../v1'"),
                Arguments.of("a\\b", "tag 'a\\b'"),
                Arguments.of("/v1", "tag '/v1'"),
                Arguments.of("v 1", "tag 'v 1'"),
                Arguments.of("v1:2", "tag 'v1:2'"),
                Arguments.of("é", "tag 'é'"),              // letters beyond ASCII
                Arguments.of("v\u0661", "tag 'v\u0661'"),  // an Arabic-Indic digit
                Arguments.of("v1\n", "tag 'v1\\x0a'"),     // control characters are shown escaped
                Arguments.of("v1\u001b[2J", "tag 'v1\\x1b[2J'"),
                Arguments.of("v1\u202e", "tag 'v1\\u202e'"));
    }

    @ParameterizedTest
    @MethodSource("refused")
    void refusedWithTheRule(String text, String named) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReleaseTag.parse(text));
        assertEquals(named + " " + EXPECTED, e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }

    @org.junit.jupiter.api.Test
    void nullIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReleaseTag.parse(null));
        assertEquals("tag 'null' " + EXPECTED, e.getMessage());
    }

    @org.junit.jupiter.api.Test
    void theFieldIsNamedAsGiven() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReleaseTag.parse(".v1", "--tag"));
        assertEquals("--tag '.v1' " + EXPECTED, e.getMessage());
    }

    @org.junit.jupiter.api.Test
    void aLongHostileValueIsShortenedInTheMessage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReleaseTag.parse("/".repeat(5000)));
        assertEquals("tag '" + "/".repeat(200) + "...' " + EXPECTED, e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {".v1", "..", "-x", "a/b"})
    void releaseManagerRefusesWhatJobsRefuse(String text) {
        org.murder.core.MurderException e = assertThrows(org.murder.core.MurderException.class,
                () -> ReleaseManager.validateTag(text));
        assertEquals("tag '" + text + "' " + EXPECTED, e.getMessage());
        assertEquals(org.murder.core.MurderException.BAD_INPUT, e.exitCode());
    }
}
