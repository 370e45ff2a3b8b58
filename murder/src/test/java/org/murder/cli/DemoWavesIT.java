package org.murder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code murder demo --waves} through the launcher, as a user runs it: three agents (waves 1, 50%,
 * 100%: demo-1, demo-2, demo-3), v2's health check fails on demo-2, so the rollout stops at wave 2,
 * demo-2 is rolled back, demo-3 never switches and demo-1 stays on v2; exit 0 because it went so.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class DemoWavesIT {
    private static final Path MURDER = Path.of("target", "murder", "bin", "murder").toAbsolutePath();

    @TempDir
    Path tmp;

    @Test
    void theRolloutStopsAtTheWaveWhoseHealthFailsAndRollsItBack() throws Exception {
        assertTrue(Files.isExecutable(MURDER), MURDER + ": build first (mvn package)");
        Path log = tmp.resolve("demo.out");
        Process p = new ProcessBuilder(MURDER.toString(), "demo", "--waves", "--agents", "3", "--size", "2MiB", "--dir",
                tmp.resolve("work").toString()).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        try {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "demo --waves did not end within 120 s\n" + Files.readString(log));
        } finally {
            if (p.isAlive()) {
                p.descendants().forEach(ProcessHandle::destroyForcibly); // its agents
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        String out = Files.readString(log);
        assertEquals(0, p.exitValue(), out);
        String v1 = find(out, "deploy     (demo-\\d+-v1) \\(2 MiB\\) to 3 agents, all at once");
        String v2 = v1.replaceFirst("-v1$", "-v2");
        assertTrue(out.contains(v1 + ": all 3 hosts done"), out);
        assertTrue(out.contains("deploy     " + v2 + " to 3 agents in waves 1,50%,100%; its health check fails on demo-2"), out);
        assertTrue(out.contains("wave      1 of 3 released: 1 hosts (demo-1)"), out);
        assertTrue(out.contains("wave      2 of 3 FAILED on 1 of 1 hosts (at most 0 may fail): stopping the rollout;"), out);
        assertTrue(out.contains("rollback  1 hosts that switched to " + v2 + ": demo-2"), out);
        assertTrue(Pattern.compile("(?m)^demo-2 +rolled-back .*health failed for 3s .*health check of demo-2 failed.*; rolled back to "
                + Pattern.quote(v1) + "$").matcher(out).find(), out);
        assertTrue(Pattern.compile("(?m)^demo-3 +failed .*not activated: the deploy stopped the rollout before wave 3$").matcher(out)
                .find(), out);
        for (String row : List.of("demo-1       " + v2 + " (wave 1 of 3)", "demo-2       " + v1 + " (wave 2 of 3)",
                "demo-3       " + v1 + " (wave 3 of 3)")) {
            assertTrue(out.contains("          " + row + "\n"), row + "\n" + out);
        }
        assertTrue(out.contains("demo: the health check failed on demo-2 in wave 2 of 3: the rollout stopped, wave 2 was rolled back"
                + " to " + v1 + "; the waves before it stay on " + v2 + ", the waves after it never switched"), out);
        for (int i = 1; i <= 3; i++) {
            Path current = tmp.resolve("work/agent-" + i + "/current");
            assertEquals(i == 1 ? v2 : v1, Files.readSymbolicLink(current).getFileName().toString(), current.toString());
        }
    }

    private static String find(String out, String regex) {
        var m = Pattern.compile(regex).matcher(out);
        assertTrue(m.find(), regex + "\n" + out);
        return m.group(1);
    }
}
