package org.murder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * selftest works in $TMPDIR (the JVM's java.io.tmpdir does not follow it), and a work directory it cannot make is one line
 * naming the directory and what was expected (a missing TMPDIR gave a bare "no such file or directory" and a --verbose hint;
 * a full one "unexpected error: java.io.IOException: No space left on device").
 */
@Timeout(120)
class SelftestTmpdirIT {
    @TempDir
    Path tmp;

    private record Run(int exit, String out, String err) {
    }

    private Run selftest(String tmpdir) throws Exception {
        Path out = tmp.resolve("out");
        Path err = tmp.resolve("err");
        ProcessBuilder pb = new ProcessBuilder(MurderProcess.LAUNCHER.toString(), "selftest", "--size", "2MiB", "--port-range",
                "47300-47399").redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("TMPDIR", tmpdir);
        pb.environment().put("MURDER_CONF", Files.writeString(tmp.resolve("murder.conf"), "").toString());
        Process p = pb.start();
        assertTrue(p.waitFor(100, TimeUnit.SECONDS), "selftest did not end");
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void itWorksInTmpdirAndLeavesNothingThere() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("scratch"));
        Run r = selftest(dir.toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains(dir.toString()), "the torrent line names where it worked: " + r.out());
        try (var left = Files.list(dir)) {
            assertEquals(0, left.count(), "nothing left in TMPDIR");
        }
    }

    @Test
    void aTmpdirItCannotUseIsOneLine() throws Exception {
        Path missing = tmp.resolve("nope");
        Run r = selftest(missing.toString());
        assertEquals(1, r.exit(), r.err());
        assertEquals("murder: selftest: a work directory in " + missing + ": ", r.err().substring(0,
                Math.min(r.err().length(), ("murder: selftest: a work directory in " + missing + ": ").length())), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("(expected: a writable directory with room for twice --size"), r.err());
    }
}
