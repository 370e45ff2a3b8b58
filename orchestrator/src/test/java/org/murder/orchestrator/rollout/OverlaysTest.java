package org.murder.orchestrator.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.MurderException;

class OverlaysTest {
    @TempDir
    Path tmp;

    private static void write(Path file, String text) throws Exception {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    @Test
    void roleThenHostThenTheHostsOwnDirectoryALaterOneWinning() throws Exception {
        Path release = tmp.resolve("releases/v2");
        write(release.resolve("conf/app.conf"), "from the build\n");
        write(release.resolve("overlays/web/conf/app.conf"), "role web\n");
        write(release.resolve("overlays/web/etc/cron.d/only-web"), "* * * * * true\n");
        write(release.resolve("overlays/web-1/conf/app.conf"), "host web-1 in the release\n");
        write(release.resolve("overlays/db/conf/app.conf"), "role db\n");
        Path host = tmp.resolve("overlays-on-host");
        write(host.resolve("web-1/conf/secret.conf"), "host-local\n");
        int copied = Overlays.apply(release, Optional.of(host), List.of("web"), "web-1");
        assertEquals(4, copied);
        assertEquals("host web-1 in the release\n", Files.readString(release.resolve("conf/app.conf")));
        assertEquals("host-local\n", Files.readString(release.resolve("conf/secret.conf")));
        assertTrue(Files.exists(release.resolve("etc/cron.d/only-web")));

        Overlays.apply(release, Optional.empty(), List.of("db"), "db-1");
        assertEquals("role db\n", Files.readString(release.resolve("conf/app.conf")));
    }

    /**
     * An overlay file goes into the release with its owner (an application's secrets, readable by it alone), rwx bits and
     * mtime, never setuid or setgid; a directory of the overlay that another user owns or every user may write (a sticky
     * 1777 one too) is refused: they could put files, a murder.hooks too, into every release.
     */
    @Test
    void anOverlayFileKeepsItsOwnerNotSetuidAndADirectoryOthersMayFillIsRefused() throws Exception {
        int self = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        org.junit.jupiter.api.Assumptions.assumeTrue(self == 0, "only root can give files away");
        Path release = Files.createDirectories(tmp.resolve("releases/v2"));
        Path host = tmp.resolve("overlays-on-host");
        Path planted = host.resolve("web/conf/app.conf");
        write(planted, "theirs\n");
        java.nio.file.attribute.FileTime mtime = java.nio.file.attribute.FileTime.fromMillis(1_700_000_000_000L);
        Files.setLastModifiedTime(planted, mtime);
        Files.setAttribute(planted, "unix:uid", 65534);
        Files.setAttribute(planted, "unix:gid", 65534);
        Files.setAttribute(planted, "unix:mode", 04750); // setuid, rwxr-x---

        Overlays.apply(release, Optional.of(host), List.of("web"), "web-1");

        Path copied = release.resolve("conf/app.conf");
        assertEquals("theirs\n", Files.readString(copied));
        assertEquals(65534, Files.getAttribute(copied, "unix:uid"), "its owner, as the operator gave it");
        assertEquals(0750, (Integer) Files.getAttribute(copied, "unix:mode") & 07777, "rwx bits, without setuid");
        assertEquals(mtime, Files.getLastModifiedTime(copied));

        Path theirs = host.resolve("web/conf");
        Files.setAttribute(theirs, "unix:uid", 65534);
        MurderException e = assertThrows(MurderException.class, () -> Overlays.apply(release, Optional.of(host), List.of("web"), "web-1"));
        assertEquals("overlay directory " + theirs + ": owned by uid 65534, who may add files to it (expected: owned by root: what it"
                + " holds goes into every release)", e.getMessage());
        Files.setAttribute(theirs, "unix:uid", self);
        Files.setAttribute(theirs, "unix:mode", 01777);
        e = assertThrows(MurderException.class, () -> Overlays.apply(release, Optional.of(host), List.of("web"), "web-1"));
        assertTrue(e.getMessage().contains("every user of this host may add files to it (mode 1777"), e.getMessage());
    }

    @Test
    void nothingIsWrittenThroughALinkOfTheRelease() throws Exception {
        Path release = tmp.resolve("releases/v2");
        Path outside = Files.createDirectories(tmp.resolve("etc"));
        Files.createDirectories(release);
        Files.createSymbolicLink(release.resolve("conf"), outside);
        write(release.resolve("overlays/web-1/conf/passwd"), "owned\n");
        MurderException e = assertThrows(MurderException.class, () -> Overlays.apply(release, Optional.empty(), List.of(), "web-1"));
        assertTrue(e.getMessage().contains("conf is a symbolic link in the release"), e.getMessage());
        assertTrue(Files.notExists(outside.resolve("passwd")));
    }

    /** A role '..' took the overlay directory's parent (with /etc/murder/overlays: the job secret) into every release. */
    @Test
    void aRoleOrHostThatIsNotOneNameIsRefused() throws Exception {
        Path release = Files.createDirectories(tmp.resolve("releases/v2"));
        write(tmp.resolve("secret"), "s3cret\n");
        Path host = Files.createDirectories(tmp.resolve("ov"));
        for (String bad : List.of("..", ".")) {
            MurderException e = assertThrows(MurderException.class, () -> Overlays.apply(release, Optional.of(host), List.of(bad), "web-1"));
            assertEquals("role '" + bad + "': not a name for an overlay directory (expected: letters, digits, '.', '_' or '-', not '.'"
                    + " or '..')", e.getMessage());
        }
        assertTrue(Files.notExists(release.resolve("secret")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new org.murder.orchestrator.agent.AgentSettings("web-1", List.of("web", ".."), tmp, ""));
        assertEquals("--roles: '..' (expected: letters, digits, '.', '_' or '-', not '.' or '..')", e.getMessage());
    }

    /** A role's directory that is a link (or a file) was left out without a word: the host ran without its overlay. */
    @Test
    void anOverlayDirectoryThatIsALinkOrAFileIsRefusedNamingIt() throws Exception {
        Path release = Files.createDirectories(tmp.resolve("releases/v2"));
        write(tmp.resolve("real/conf/app.conf"), "x\n");
        Path host = Files.createDirectories(tmp.resolve("ov"));
        Files.createSymbolicLink(host.resolve("web"), tmp.resolve("real"));
        MurderException link = assertThrows(MurderException.class, () -> Overlays.apply(release, Optional.of(host), List.of("web"), "web-1"));
        assertEquals("overlay " + host.resolve("web") + ": a symbolic link (expected: a directory; links are not followed)",
                link.getMessage());
        write(host.resolve("web-1"), "a file\n");
        MurderException file = assertThrows(MurderException.class, () -> Overlays.apply(release, Optional.of(host), List.of(), "web-1"));
        assertEquals("overlay " + host.resolve("web-1") + ": not a directory (expected: a directory of files to copy into the release)",
                file.getMessage());
    }

    /** A file over a release's directory failed and left '.bin.overlay' in the release, which a later deploy of the tag activated. */
    @Test
    void anOverlayThatCannotBeCopiedLeavesNothingInTheReleaseAndSaysWhy() throws Exception {
        Path release = tmp.resolve("releases/v2");
        write(release.resolve("bin/app"), "the app\n");
        Path host = tmp.resolve("ov");
        write(host.resolve("web/bin"), "a file where the release has a directory\n");
        MurderException e = assertThrows(MurderException.class, () -> Overlays.apply(release, Optional.of(host), List.of("web"), "web-1"));
        assertEquals("overlay " + host.resolve("web") + " into " + release + ": " + release.resolve("bin") + ": a directory in the"
                + " release where the overlay has a file (expected: the overlay's files over the release's files, its directories over"
                + " its directories)", e.getMessage());
        try (var files = Files.list(release)) {
            assertEquals(List.of("bin"), files.map(p -> p.getFileName().toString()).toList(), "no .bin.overlay left");
        }
        Path other = tmp.resolve("ov2");
        write(other.resolve("web/bin/app/x"), "a directory where the release has a file\n");
        MurderException d = assertThrows(MurderException.class, () -> Overlays.apply(release, Optional.of(other), List.of("web"), "web-1"));
        assertTrue(d.getMessage().contains(release.resolve("bin/app") + ": a file in the release where the overlay has a directory"
                + " (expected:"), d.getMessage());
    }

    @Test
    void aReleaseFileNamedLikeTheStagingCopyIsKept() throws Exception {
        Path release = tmp.resolve("releases/v3");
        write(release.resolve("conf/app.conf"), "from the build\n");
        write(release.resolve("conf/.app.conf.overlay"), "KEEPME\n"); // the name the copy was staged under before
        write(release.resolve("overlays/a1/conf/app.conf"), "host a1\n");
        Overlays.apply(release, Optional.empty(), List.of(), "a1");
        assertEquals("host a1\n", Files.readString(release.resolve("conf/app.conf")));
        assertEquals("KEEPME\n", Files.readString(release.resolve("conf/.app.conf.overlay")));
        try (var files = Files.list(release.resolve("conf"))) {
            assertEquals(List.of(".app.conf.overlay", "app.conf"), files.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no staging copy left");
        }
    }
}
