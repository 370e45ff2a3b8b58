package org.murder.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

    /** Files made together are put in place all or none: one that cannot be leaves the others as they were. */
    @Test
    void filesCommittedTogetherAreAllReplacedOrNoneIs() throws Exception {
        Path archive = Files.writeString(tmp.resolve("r.tar.zst"), "old archive");
        Object archiveBefore = Files.readAttributes(archive, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        Path md5 = tmp.resolve("r.md5"); // none before
        Path torrent = Files.createDirectory(tmp.resolve("r.torrent")); // cannot be replaced
        java.util.List<Path> targets = java.util.List.of(archive, md5, torrent);
        java.util.List<Path> temps = new java.util.ArrayList<>();
        for (Path target : targets) {
            temps.add(Files.writeString(AtomicFiles.temporarySibling(target), "new " + target.getFileName()));
        }
        assertThrows(java.io.IOException.class, () -> AtomicFiles.commitAll(temps, targets, true));
        assertEquals("old archive", Files.readString(archive), "put back");
        assertEquals(archiveBefore, Files.readAttributes(archive, java.nio.file.attribute.BasicFileAttributes.class).fileKey(),
                "the same file, not a copy");
        assertFalse(Files.exists(md5), "the new one taken away: there was none");
        assertTrue(Files.isDirectory(torrent));
        try (var left = Files.list(tmp)) {
            assertEquals(3, left.count(), "the archive, the directory and the torrent's temporary (the caller deletes it): nothing set aside");
        }

        Files.delete(torrent);
        Files.writeString(torrent, "old torrent");
        for (Path temp : temps) {
            Files.deleteIfExists(temp); // as the caller does
        }
        temps.clear();
        for (Path target : targets) {
            temps.add(Files.writeString(AtomicFiles.temporarySibling(target), "new " + target.getFileName()));
        }
        AtomicFiles.commitAll(temps, targets, true);
        assertEquals("new r.tar.zst", Files.readString(archive));
        assertEquals("new r.md5", Files.readString(md5));
        assertEquals("new r.torrent", Files.readString(torrent));
        try (var left = Files.list(tmp)) {
            assertEquals(3, left.count(), "the old ones set aside are gone");
        }
    }
}
