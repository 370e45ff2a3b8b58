package org.murder.tracker.whitelist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.InfoHash;
import org.murder.core.bencode.BDict;
import org.murder.core.bencode.BString;
import org.murder.core.bencode.Bencode;
import org.murder.core.metainfo.MetaInfo;

class WhitelistTest {
    @TempDir
    Path dir;

    private static byte[] torrentFixture(String name) {
        BDict info = BDict.builder().put("length", 1).put("name", name).put("piece length", 16384)
                .put("pieces", BString.of(new byte[20])).build();
        return Bencode.encode(BDict.builder().put("announce", "http://t/announce").put("info", info).build());
    }

    @Test
    void torrentsInTheDirectoryComeAndGo() throws Exception {
        Whitelist w = Whitelist.restricted(Optional.of(dir), 10);
        byte[] a = torrentFixture("a");
        byte[] b = torrentFixture("b");
        InfoHash ha = MetaInfo.parse(a).infoHash();
        InfoHash hb = MetaInfo.parse(b).infoHash();
        Files.write(dir.resolve("a.torrent"), a);
        Files.write(dir.resolve("b.torrent.partial"), b);
        Files.writeString(dir.resolve("broken.torrent"), "not bencode");
        Whitelist.Change c = w.rescan();
        assertEquals(Set.of(ha), c.added());
        assertTrue(w.allows(ha));
        assertFalse(w.allows(hb), "only *.torrent files count");

        Files.move(dir.resolve("b.torrent.partial"), dir.resolve("b.torrent"));
        Files.delete(dir.resolve("a.torrent"));
        c = w.rescan();
        assertEquals(Set.of(hb), c.added());
        assertEquals(Set.of(ha), c.removed());
        assertEquals(1, w.size());
    }

    @Test
    void aFileIsParsedAgainOnlyWhenItChanges() throws Exception {
        Whitelist w = Whitelist.restricted(Optional.of(dir), 10);
        Path f = dir.resolve("x.torrent");
        Files.writeString(f, "broken");
        Files.setLastModifiedTime(f, FileTime.from(Instant.parse("2026-01-01T00:00:00Z")));
        w.rescan();
        assertEquals(0, w.size());
        byte[] good = torrentFixture("x");
        Files.write(f, good);
        w.rescan();
        assertTrue(w.allows(MetaInfo.parse(good).infoHash()));
    }

    @Test
    void registrationsAreCappedAndUnregisterable() {
        Whitelist w = Whitelist.restricted(Optional.empty(), 2);
        InfoHash a = InfoHash.fromHex("11".repeat(20));
        InfoHash b = InfoHash.fromHex("22".repeat(20));
        assertTrue(w.register(a));
        assertFalse(w.register(a));
        assertTrue(w.register(b));
        IllegalStateException full = assertThrows(IllegalStateException.class, () -> w.register(InfoHash.fromHex("33".repeat(20))));
        assertEquals("whitelist is full: 2 registrations (cap --max-swarms)", full.getMessage());
        assertTrue(w.unregister(a));
        assertFalse(w.unregister(a));
        assertFalse(w.allows(a));
        assertTrue(w.allows(b));
    }

    @Test
    void openAllowsEverything() {
        assertTrue(Whitelist.open().allows(InfoHash.fromHex("ab".repeat(20))));
    }
}
