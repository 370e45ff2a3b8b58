package org.murder.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code promtool check metrics} (Debian's prometheus package;
 * scripts/install-test-deps.sh installs it). Without it the test is skipped, saying why, except
 * on CI ({@code CI=true}), where it fails.
 */
public final class Promtool {
    public static final Path PATH = Path.of(System.getenv().getOrDefault("PROMTOOL", "/usr/bin/promtool"));

    private Promtool() {
    }

    /** Runs {@code promtool check metrics} on {@code exposition}; fails with promtool's words unless it is clean. */
    public static void assertClean(String exposition) throws IOException, InterruptedException {
        if (!Files.isExecutable(PATH)) {
            if ("true".equals(System.getenv("CI"))) {
                fail(PATH + " is missing: CI must run scripts/install-test-deps.sh (Debian package prometheus)");
            }
            assumeTrue(false, PATH + " is missing (apt-get install prometheus, or scripts/install-test-deps.sh): promtool check skipped");
        }
        Process p = new ProcessBuilder(PATH.toString(), "check", "metrics").redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(exposition.getBytes(StandardCharsets.UTF_8));
        }
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("promtool check metrics did not finish within 30 s");
        }
        assertEquals("", said.strip(), "promtool check metrics:\n" + said);
        assertEquals(0, p.exitValue(), "promtool check metrics exit status:\n" + said);
    }
}
