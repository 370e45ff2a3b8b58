package org.murder.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BuildInfoTest {
    @Test
    void theVersionIsTheProjectsWithoutSnapshot() {
        assertTrue(BuildInfo.VERSION.matches("\\d+\\.\\d+\\.\\d+"), BuildInfo.VERSION);
        assertFalse(BuildInfo.full().contains("${"), BuildInfo.full());
    }

    /** Built from a git checkout (CI's clone, a developer's tree): the commit is HEAD's, so two builds are told apart. */
    @Test
    void theCommitIsTheCheckoutsHead() throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent();
        assumeTrue(Files.exists(root.resolve(".git")), "built outside git");
        Process git = new ProcessBuilder("git", "-C", root.toString(), "rev-parse", "--short=10", "HEAD").redirectErrorStream(true).start();
        String head = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(git.waitFor(30, TimeUnit.SECONDS));
        assumeTrue(git.exitValue() == 0, head);
        assertTrue(BuildInfo.COMMIT.matches("[0-9a-f]{10,}(-dirty)?"), BuildInfo.COMMIT);
        assertTrue(BuildInfo.COMMIT.startsWith(head), BuildInfo.COMMIT + " is not HEAD " + head);
        assertEquals(BuildInfo.VERSION + "+" + BuildInfo.COMMIT, BuildInfo.full());
    }
}
