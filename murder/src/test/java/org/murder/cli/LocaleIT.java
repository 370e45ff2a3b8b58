package org.murder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Under {@code LANG=C} (cron, systemd units, bare containers) the JVM reads file names as ASCII:
 * names outside it were packed as U+FFFD and every agent refused the release. The launcher runs
 * murder with {@code LC_CTYPE=C.UTF-8} then: a release with such names packs and unpacks whole.
 */
@Timeout(120)
class LocaleIT {

    @TempDir
    Path tmp;

    @Test
    void namesOutsideAsciiPackAndUnpackUnderTheCLocale() throws Exception {
        packAndUnpackUnder("C");
    }

    /**
     * LANG naming a locale that is not installed (en_US.UTF-8 passed over ssh, or set in a container
     * image): glibc's setlocale(LC_ALL, "") fails as a whole, LC_CTYPE or not, and the JVM read names as
     * ASCII. The launcher sets LC_ALL then.
     */
    @Test
    void namesOutsideAsciiPackAndUnpackWhenLangNamesALocaleNotInstalled() throws Exception {
        packAndUnpackUnder("xx_XX.UTF-8");
    }

    private void packAndUnpackUnder(String lang) throws Exception {
        this.lang = lang;
        Path src = Files.createDirectories(tmp.resolve("src/\u65e5\u672c"));
        Files.writeString(src.resolve("caf\u00e9"), "1");
        Files.writeString(tmp.resolve("src/\u4e2d\u56fd"), "2");
        Path torrent = tmp.resolve("r.torrent");
        Path archive = tmp.resolve("r.tar.zst");
        run("make-torrent", tmp.resolve("src").toString(), "--tracker", "http://127.0.0.1:1/announce", "--out", torrent.toString(),
                "--archive", archive.toString());
        Path unpacked = tmp.resolve("unpacked");
        run("unpack", archive.toString(), unpacked.toString());
        Set<String> names = new TreeSet<>();
        try (var walk = Files.walk(unpacked)) {
            walk.filter(p -> !p.equals(unpacked)).forEach(p -> names.add(unpacked.relativize(p).toString()));
        }
        assertEquals(Set.of("\u4e2d\u56fd", "\u65e5\u672c", "\u65e5\u672c/caf\u00e9"), names);
        assertEquals("1", Files.readString(unpacked.resolve("\u65e5\u672c/caf\u00e9")));
    }

    private String lang;

    /** {@code murder ARGS} by the launcher, with LANG={@link #lang} and no LC_ALL or LC_CTYPE. */
    private void run(String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(MurderProcess.LAUNCHER.toString()));
        argv.addAll(List.of(args));
        Path log = Files.createTempFile(tmp, "run", ".log");
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().keySet().removeIf(k -> k.startsWith("LC_"));
        pb.environment().put("LANG", lang);
        pb.environment().put("MURDER_JAVA_OPTS", "-Xmx128m");
        pb.environment().put("MURDER_CONF", Files.writeString(tmp.resolve("murder.conf"), "").toString());
        Process p = pb.start();
        assertTrue(p.waitFor(90, TimeUnit.SECONDS));
        String said = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", args) + ": " + said);
        assertTrue(!said.contains("not UTF-8"), said);
    }
}
