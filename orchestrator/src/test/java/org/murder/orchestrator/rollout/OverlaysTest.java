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
}
