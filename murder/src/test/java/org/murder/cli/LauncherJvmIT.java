package org.murder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * bin/murder on every JVM this machine has (Debian's 17, Temurin 25): the whole transfer runs, and nothing but murder's
 * own lines reach the terminal. Java 23 and later printed four WARNING lines about sun.misc.Unsafe at every command
 * that started Netty; Java 17 must not be given the option that silences them (it would not start).
 */
@Timeout(120)
class LauncherJvmIT {
    @TempDir
    Path tmp;

    static Stream<Path> javaHomes() throws Exception {
        try (Stream<Path> s = Files.list(Path.of("/usr/lib/jvm"))) {
            List<Path> homes = s.filter(h -> Files.isExecutable(h.resolve("bin/java")) && Files.isRegularFile(h.resolve("release"))
                    && !Files.isSymbolicLink(h)).sorted().toList();
            assumeTrue(!homes.isEmpty(), "no JVM under /usr/lib/jvm");
            return homes.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("javaHomes")
    void selftestRunsAndPrintsNoJvmWarning(Path javaHome) throws Exception {
        Path out = tmp.resolve("out");
        ProcessBuilder pb = new ProcessBuilder(MurderProcess.LAUNCHER.toString(), "selftest", "--size", "3MiB", "--port-range",
                "47200-47299").redirectErrorStream(true).redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("JAVA_HOME", javaHome.toString());
        pb.environment().put("MURDER_CONF", Files.writeString(tmp.resolve("murder.conf"), "").toString());
        pb.environment().remove("MURDER_JAVA_OPTS");
        Process p = pb.start();
        assertTrue(p.waitFor(100, TimeUnit.SECONDS), "selftest under " + javaHome + " did not end");
        String text = Files.readString(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), javaHome + ":\n" + text);
        assertTrue(text.strip().contains("selftest ok"), text);
        assertTrue(text.lines().noneMatch(l -> l.startsWith("WARNING")), javaHome + " printed a JVM warning:\n" + text);
    }
}
