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
 * A flag beats the environment: a --secret-file given on the command line is the secret even where
 * MURDER_SECRET is set (it was passed over without a word, and the command ran with another secret).
 */
@Timeout(120)
class SecretPrecedenceIT {
    @TempDir
    Path tmp;

    @Test
    void aSecretFileOnTheCommandLineBeatsMurderSecret() throws Exception {
        Path missing = tmp.resolve("no-such-secret");
        ProcessBuilder pb = new ProcessBuilder(MurderProcess.LAUNCHER.toString(), "jobs", "--zk", "127.0.0.1:1", "--secret-file",
                missing.toString()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Path out = tmp.resolve("out.txt");
        Path err = tmp.resolve("err.txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("MURDER_SECRET", "a-test-secret-of-32-characters!!");
        pb.environment().put("MURDER_JAVA_OPTS", "-Xmx128m");
        pb.environment().put("MURDER_CONF", Files.writeString(tmp.resolve("murder.conf"), "").toString());
        Process p = pb.start();
        assertTrue(p.waitFor(90, TimeUnit.SECONDS));
        String said = Files.readString(err, StandardCharsets.UTF_8);
        assertEquals(2, p.exitValue(), said);
        assertEquals("murder: --secret-file " + missing + ": no such file (expected: the job secret's file, or no --secret-file to list"
                + " jobs unchecked)\n", said);
        assertEquals("", Files.readString(out, StandardCharsets.UTF_8));
    }
}
