package org.murder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The shell files murder ships parse (sh -n), and /etc/default/murder, which every init.d script
 * sources and every unit reads as an EnvironmentFile, gives each service its options: an unclosed
 * quote in it once swallowed the lines after it, every init.d script died at its '.', and every unit
 * started java with '#' for a class.
 */
class ShellScriptsTest {
    private static final Path SCRIPTS = Path.of("..", "scripts").toAbsolutePath().normalize();

    @Test
    void everyShippedShellFileParses() throws Exception {
        List<Path> files = new ArrayList<>(List.of(Path.of("..", "bin", "murder").toAbsolutePath().normalize(),
                SCRIPTS.resolve("default/murder"), SCRIPTS.resolve("install.sh"), SCRIPTS.resolve("cds-archive.sh")));
        try (Stream<Path> initd = Files.list(SCRIPTS.resolve("init.d")); Stream<Path> deb = Files.list(SCRIPTS.resolve("deb/control"))) {
            files.addAll(initd.toList());
            deb.filter(f -> List.of("postinst", "postrm", "preinst", "prerm").contains(f.getFileName().toString())).forEach(files::add);
        }
        for (Path f : files) {
            assertEquals("", run("sh", "-n", f.toString()), f + " does not parse");
        }
    }

    @Test
    void theDefaultsFileGivesEachServiceItsOptions() throws Exception {
        String said = run("sh", "-c", ". \"$1\" && printf '%s|%s|%s|%s' \"$MURDER_HOME\" \"$TRACKER_OPTS\" \"$MURDER_USER\" \"$MURDER_JAVA_OPTS\"",
                "sh", SCRIPTS.resolve("default/murder").toString());
        assertEquals("/opt/murder|--port 8998 --whitelist /var/lib/murder/torrents --state /var/lib/murder/tracker.state|murder|", said);
    }

    /** What {@code argv} printed on stdout and stderr; fails the test on a non-zero exit. */
    private static String run(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", argv) + ": no end in 30 s");
        }
        assertEquals(0, p.exitValue(), String.join(" ", argv) + ": " + out);
        return out;
    }
}
