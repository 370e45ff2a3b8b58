package org.murder.cli;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the real BitTorrent tools from Debian's packages. Where a tool is missing the test is
 * skipped with the reason, except on CI ({@code CI=true}), where .ci/run installs them and a
 * missing tool is a failure.
 */
final class ExternalTools {
    /** Debian's python3-libtorrent is built for the system interpreter, not a pyenv one. */
    static final String PYTHON = "/usr/bin/python3";

    private ExternalTools() {
    }

    static void require(String executable, String aptPackage) {
        if (!Files.isExecutable(Path.of(executable)) && findOnPath(executable) == null) {
            String reason = executable + " is not installed (apt-get install " + aptPackage + ")";
            if ("true".equals(System.getenv("CI"))) {
                fail(reason);
            }
            Assumptions.abort(reason);
        }
    }

    static void requireLibtorrent() {
        require(PYTHON, "python3");
        Result r = run(List.of(PYTHON, "-c", "import libtorrent"), null);
        if (r.exitCode() != 0) {
            String reason = "python3-libtorrent is not installed for " + PYTHON + " (apt-get install python3-libtorrent)";
            if ("true".equals(System.getenv("CI"))) {
                fail(reason);
            }
            Assumptions.abort(reason);
        }
    }

    private static Path findOnPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    record Result(int exitCode, String output) {
    }

    /** Runs a command (stdout and stderr merged) with a 60 s bound. */
    static Result run(List<String> command, Path workDir) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            if (workDir != null) {
                pb.directory(workDir.toFile());
            }
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(command + " did not finish within 60 s");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("run " + command + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String runOk(List<String> command, Path workDir) {
        Result r = run(command, workDir);
        if (r.exitCode() != 0) {
            fail(command + " exited " + r.exitCode() + ":\n" + r.output());
        }
        return r.output();
    }
}
