package org.murder.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a writer killed outright left beside its target goes once old; a live writer's, and anything else, stays. */
class AtomicFilesTest {
    private static final Instant NOW = Instant.parse("2026-12-05T21:00:00Z");

    @TempDir
    Path tmp;

    @Test
    void onlyOldTemporariesOfTheTargetAreSwept() throws Exception {
        Path target = tmp.resolve("v[1].tar.zst");
        Path old = Files.writeString(tmp.resolve(".v[1].tar.zst.123.partial"), "left by a SIGKILL");
        Files.setLastModifiedTime(old, FileTime.from(NOW.minus(Duration.ofHours(2))));
        Path fresh = Files.writeString(tmp.resolve(".v[1].tar.zst.456.partial"), "being written");
        Files.setLastModifiedTime(fresh, FileTime.from(NOW.minus(Duration.ofMinutes(5))));
        Path notOurs = Files.writeString(tmp.resolve(".v[1].tar.zst.backup.partial"), "not a temporary's name");
        Files.setLastModifiedTime(notOurs, FileTime.from(NOW.minus(Duration.ofDays(2))));
        Path other = Files.writeString(tmp.resolve(".v2.tar.zst.789.partial"), "another target's");
        Files.setLastModifiedTime(other, FileTime.from(NOW.minus(Duration.ofDays(2))));

        assertEquals(1, AtomicFiles.sweepAbandoned(target, Duration.ofHours(1), Clock.fixed(NOW, ZoneOffset.UTC)));

        assertFalse(Files.exists(old));
        assertTrue(Files.exists(fresh) && Files.exists(notOurs) && Files.exists(other));
        assertEquals(0, AtomicFiles.sweepAbandoned(tmp.resolve("absent/x"), Duration.ofHours(1), Clock.fixed(NOW, ZoneOffset.UTC)));
    }
}
