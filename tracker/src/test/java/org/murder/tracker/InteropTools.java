package org.murder.tracker;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the external BitTorrent tools of the interop tests. Missing one skips the test with the
 * reason and the package to install; under CI ({@code CI=true}) it fails instead, so a machine
 * without the tools cannot pass silently.
 */
final class InteropTools {
    /** The Debian python that has python3-libtorrent (not a pyenv one). */
    static final String PYTHON = "/usr/bin/python3";

    private InteropTools() {
    }

    static Path require(String tool, String aptPackage) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, tool);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        missing(tool + " is not installed (apt-get install " + aptPackage + ")");
        return null;
    }

    static void requireLibtorrent() {
        boolean ok;
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import libtorrent").redirectErrorStream(true).start();
            ok = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            ok = false;
        }
        if (!ok) {
            missing("libtorrent for " + PYTHON + " is not installed (apt-get install python3-libtorrent)");
        }
    }

    private static void missing(String reason) {
        if ("true".equals(System.getenv("CI"))) {
            fail(reason + "; CI=true requires every interop tool");
        }
        Assumptions.assumeTrue(false, reason);
    }
}
