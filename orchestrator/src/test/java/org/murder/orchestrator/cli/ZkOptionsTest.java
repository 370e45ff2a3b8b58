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

    @picocli.CommandLine.Command(name = "test")
    static final class WithZk {
        @picocli.CommandLine.Mixin
        ZkOptions zk;
    }

    private static ZkOptions parsed(String... args) {
        WithZk command = new WithZk();
        org.murder.core.cli.Converters.registerAll(new picocli.CommandLine(command)).parseArgs(args);
        return command.zk;
    }

    @Test
    void theJobSecretGuardsMurdersNodesWithCredentialsOfItsOwnAndAnAuthFileKeepsThemPrivate() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("MURDER_SECRET") == null, "MURDER_SECRET would be the secret");
        Path secret = Files.writeString(tmp.resolve("secret"), "a-test-secret-of-32-characters!!\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        org.murder.orchestrator.zk.ZkSettings guarded = parsed("--secret-file", secret.toString()).settings();
        String password = new org.murder.orchestrator.job.JobSigner("a-test-secret-of-32-characters!!").signText(ZkOptions.DIGEST_LABEL);
        org.junit.jupiter.api.Assertions.assertEquals(java.util.Optional.of("murder:" + password), guarded.credentials());
        assertTrue(guarded.othersRead(), "read and added to by anyone, changed by the secret's holders alone");
        assertFalse(password.contains("a-test-secret"), "the secret itself never goes to ZooKeeper");

        org.murder.orchestrator.zk.ZkSettings none = parsed("--secret-file", tmp.resolve("missing").toString()).settings();
        assertTrue(none.credentials().isEmpty(), "without the secret: read as anyone");

        Path auth = Files.writeString(tmp.resolve("auth"), "ops:pass-word\n");
        Files.setPosixFilePermissions(auth, PosixFilePermissions.fromString("rw-------"));
        org.murder.orchestrator.zk.ZkSettings own = parsed("--secret-file", secret.toString(), "--zk-auth-file", auth.toString()).settings();
        org.junit.jupiter.api.Assertions.assertEquals(java.util.Optional.of("ops:pass-word"), own.credentials());
        assertFalse(own.othersRead(), "--zk-auth-file: only its credentials read or write");
    }
}
