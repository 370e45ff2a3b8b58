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
        Files.setAttribute(open, "unix:mode", 01777); // sticky, as /tmp: every user may still add a ROLE/ of files
        assertEquals("--overlay-dir " + open + ": every user of this host may change it (mode 1777; expected: not writable by"
                + " others, e.g. chmod o-w: what it holds runs as root)",
                assertThrows(MurderException.class, () -> FileModes.refuseChangeableByEveryone(open, "--overlay-dir")).getMessage());
        Path inStickyDir = Files.createDirectories(open.resolve("overlays"));
        assertDoesNotThrow(() -> FileModes.refuseChangeableByEveryone(inStickyDir, "--overlay-dir"),
                "a directory of root's in a sticky one (/tmp/overlays): only root may replace it");
        assertDoesNotThrow(() -> FileModes.refuseChangeableByEveryone(tmp.resolve("missing"), "--hooks-file"), "its reader says why");
    }

    /**
     * Another user's file, or one in another user's directory, is theirs to change: refused for a root daemon (a hooks
     * file owned by nobody, mode 644, was taken, and with it nobody's commands ran as root).
     */
    @Test
    void aFileOfAnotherUserOrInTheirDirectoryIsRefused() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0,
                "only root can give files away");
        Path hooks = Files.writeString(tmp.resolve("murder.hooks"), "health = true\n");
        Files.setPosixFilePermissions(hooks, PosixFilePermissions.fromString("rw-r--r--"));
        assertDoesNotThrow(() -> FileModes.refuseChangeableByEveryone(hooks, "--hooks-file"));
        Files.setAttribute(hooks, "unix:uid", 65534);
        assertEquals("--hooks-file " + hooks + ": owned by uid 65534, who may change it (expected: owned by root: what it holds"
                + " runs as root)", assertThrows(MurderException.class,
                        () -> FileModes.refuseChangeableByEveryone(hooks, "--hooks-file")).getMessage());

        Path theirs = Files.createDirectories(tmp.resolve("theirs"));
        Path inTheirs = Files.writeString(theirs.resolve("murder.hooks"), "health = true\n");
        Files.setAttribute(theirs, "unix:uid", 65534);
        assertEquals("--hooks-file " + inTheirs + ": in " + theirs + ", owned by uid 65534, who may put another file in its place"
                + " (expected: directories owned by root)", assertThrows(MurderException.class,
                        () -> FileModes.refuseChangeableByEveryone(inTheirs, "--hooks-file")).getMessage());
        Path link = Files.createSymbolicLink(tmp.resolve("linked.hooks"), inTheirs);
        assertThrows(MurderException.class, () -> FileModes.refuseChangeableByEveryone(link, "--hooks-file"),
                "a link of root's to a file in their directory");
    }
}
