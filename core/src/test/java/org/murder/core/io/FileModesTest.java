package org.murder.core.io;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.MurderException;

class FileModesTest {
    @TempDir
    Path tmp;

    /**
     * What a root daemon takes commands from: refused when every user may change it. A link is judged by its
     * target (a link's own mode is 0777 on Linux: a murder.conf from configuration management, or a
     * Kubernetes ConfigMap mount, where every file is a link, stopped the agent).
     */
    @Test
    void aFileOrDirectoryEveryUserMayChangeIsRefusedAndALinkIsJudgedByItsTarget() throws Exception {
        Path kept = Files.writeString(tmp.resolve("kept.conf"), "x\n");
        Files.setPosixFilePermissions(kept, PosixFilePermissions.fromString("rw-r--r--"));
        Path link = Files.createSymbolicLink(tmp.resolve("murder.conf"), kept);
        assertDoesNotThrow(() -> FileModes.refuseChangeableByEveryone(kept, "murder.conf"));
        assertDoesNotThrow(() -> FileModes.refuseChangeableByEveryone(link, "murder.conf"));

        Files.setPosixFilePermissions(kept, PosixFilePermissions.fromString("rw-rw-rw-"));
        MurderException e = assertThrows(MurderException.class, () -> FileModes.refuseChangeableByEveryone(link, "murder.conf"));
        assertEquals(MurderException.BAD_INPUT, e.exitCode());
        assertEquals("murder.conf " + link + ": every user of this host may change it (mode 0666; expected: not writable by others,"
                + " e.g. chmod o-w: what it holds runs as root)", e.getMessage());

        Path open = Files.createDirectories(tmp.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThrows(MurderException.class, () -> FileModes.refuseChangeableByEveryone(open, "--overlay-dir"));
        Files.setAttribute(open, "unix:mode", 01777); // sticky, as /tmp: users change only their own files
        assertDoesNotThrow(() -> FileModes.refuseChangeableByEveryone(open, "--overlay-dir"));
        assertDoesNotThrow(() -> FileModes.refuseChangeableByEveryone(tmp.resolve("missing"), "--hooks-file"), "its reader says why");
    }
}
