package org.murder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code murder check-config NEW} as the Ansible role's {@code validate:} runs it, through the launcher: the installed
 * murder.conf (here MURDER_CONF) is never read, so an installed file a new version refuses (a key it dropped) does not stop
 * the fixed file that replaces it from being checked and written.
 */
class CheckConfigIT {
    @TempDir
    Path tmp;

    private record Run(int exit, String out, String err) {
    }

    private Run checkConfig(Path installed, Path file) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(MurderProcess.LAUNCHER.toString(), "check-config", file.toString())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("MURDER_CONF", installed.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "check-config did not end");
        return new Run(p.exitValue(), out, err);
    }

    @Test
    void aBrokenInstalledFileDoesNotStopTheNewOneFromBeingChecked() throws Exception {
        Path installed = Files.writeString(tmp.resolve("installed.conf"), "zk = zk1:2181\nagent.no-such-key = 1\nzk = again\n");
        Path fixed = Files.writeString(tmp.resolve("fixed.conf"), "zk = zk1:2181\nagent.roles = web\n");
        Run ok = checkConfig(installed, fixed);
        assertEquals(0, ok.exit(), ok.err());
        assertEquals(fixed + ": ok", ok.out().strip().replaceFirst(" \\(\\d+ commands read it\\)$", ""), ok.out());

        Path format = Files.writeString(tmp.resolve("format.conf"), "log-format = xml\n");
        Run bad = checkConfig(installed, format);
        assertEquals(2, bad.exit(), bad.err());
        assertTrue(bad.err().startsWith("murder: " + format + ":1: as '") && bad.err().contains("--log-format: 'xml' (expected: text"
                + " or json)"), "a value every command refuses once parsed: " + bad.err());
    }
}
