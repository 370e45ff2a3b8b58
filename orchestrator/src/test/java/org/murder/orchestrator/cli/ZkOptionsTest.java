package org.murder.orchestrator.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ZkOptionsTest {
    @TempDir
    Path tmp;

    @Test
    void aSecretEveryUserMayReadIsWarnedOfOnceAndOnesKeptToTheOwnerOrGroupAreNot() throws Exception {
        Path open = Files.writeString(tmp.resolve("open"), "a-test-secret-of-32-characters!!\n");
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        assertTrue(ZkOptions.warnIfEveryoneReads(open, "--secret-file"));
        assertFalse(ZkOptions.warnIfEveryoneReads(open, "--secret-file"), "once a file");
        for (String kept : new String[] {"rw-------", "rw-r-----", "r--------"}) {
            Path file = Files.writeString(tmp.resolve(kept), "a-test-secret-of-32-characters!!\n");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(kept));
            assertFalse(ZkOptions.warnIfEveryoneReads(file, "--secret-file"), kept);
        }
        assertFalse(ZkOptions.warnIfEveryoneReads(tmp.resolve("missing"), "--secret-file"), "the read says what is wrong");
        Path groupWritable = Files.writeString(tmp.resolve("gw"), "a-test-secret-of-32-characters!!\n");
        Files.setPosixFilePermissions(groupWritable, PosixFilePermissions.fromString("rw-rw----"));
        assertTrue(ZkOptions.warnIfEveryoneReads(groupWritable, "--secret-file"), "others may replace it");
    }
}
