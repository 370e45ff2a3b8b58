package org.murder.peer.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.MurderException;
import org.murder.core.metainfo.MetaInfo;

/** A link planted in DEST cannot lead the download out of it. */
class StorageLinksTest {
    @TempDir
    Path tmp;

    /** A .torrent of {@code files} (name, length) under {@code name} (multi-file when more than one), one piece. */
    private static MetaInfo torrent(String name, boolean multi) {
        String pieces = "x".repeat(20);
        String info = multi
                ? "d5:filesld6:lengthi10e4:pathl3:sub5:a.bineed6:lengthi5e4:pathl5:b.bineee4:name" + name.length() + ":" + name
                        + "12:piece lengthi16384e6:pieces20:" + pieces + "e"
                : "d6:lengthi10e4:name" + name.length() + ":" + name + "12:piece lengthi16384e6:pieces20:" + pieces + "e";
        return MetaInfo.parse(("d4:info" + info + "e").getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void aPartFileThatIsALinkIsRefusedAndWhatItPointsAtIsUntouched() throws Exception {
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        Path outside = Files.writeString(tmp.resolve("outside"), "keep me");
        Files.createSymbolicLink(dest.resolve("good.bin.part"), outside);
        MurderException e = assertThrows(MurderException.class, () -> Storage.forDownload(torrent("good.bin", false), dest));
        assertEquals(2, e.exitCode());
        assertEquals(dest.resolve("good.bin.part") + ": a symbolic link (expected: a file or directory of the download, or nothing;"
                + " a link could lead out of " + dest + ")", e.getMessage());
        assertEquals("keep me", Files.readString(outside));
    }

    @Test
    void aDirectoryOfAMultiFileDownloadThatIsALinkIsRefused() throws Exception {
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.createSymbolicLink(dest.resolve("multi"), outside);
        MurderException e = assertThrows(MurderException.class, () -> Storage.forDownload(torrent("multi", true), dest));
        assertTrue(e.getMessage().startsWith(dest.resolve("multi") + ": a symbolic link"), e.getMessage());
        Files.delete(dest.resolve("multi"));
        Files.createDirectories(dest.resolve("multi"));
        Files.createSymbolicLink(dest.resolve("multi/sub"), outside);
        e = assertThrows(MurderException.class, () -> Storage.forDownload(torrent("multi", true), dest));
        assertTrue(e.getMessage().startsWith(dest.resolve("multi/sub") + ": a symbolic link"), e.getMessage());
        try (java.util.stream.Stream<Path> left = Files.list(outside)) {
            assertEquals(0, left.count(), "nothing written outside DEST");
        }
    }

    @Test
    void aSeedsMissingOrWrongFileIsNamedWithWhatTheTorrentWants() throws Exception {
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        assertEquals(tmp.resolve("nope") + ": no such file (expected: the 10-byte file good.bin)", assertThrows(MurderException.class,
                () -> Storage.forSeeding(torrent("good.bin", false), tmp.resolve("nope"))).getMessage());
        Files.writeString(dest.resolve("good.bin"), "short");
        assertEquals(dest.resolve("good.bin") + ": 5 bytes (expected: the 10-byte file good.bin)", assertThrows(MurderException.class,
                () -> Storage.forSeeding(torrent("good.bin", false), dest)).getMessage());
        assertEquals(dest.resolve("multi/sub/a.bin") + ": no such file (expected: the 10-byte file sub/a.bin of multi)",
                assertThrows(MurderException.class, () -> Storage.forSeeding(torrent("multi", true), dest)).getMessage());
    }

    @Test
    void aDirectoryWhereTheFileGoesIsNamedAsOne() throws Exception {
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        Files.createDirectories(dest.resolve("good.bin"));
        MurderException e = assertThrows(MurderException.class, () -> Storage.forDownload(torrent("good.bin", false), dest));
        assertEquals(dest.resolve("good.bin") + ": is a directory (expected: 10 bytes of good.bin, or no file; move it away first)",
                e.getMessage());
        assertFalse(Files.exists(dest.resolve("good.bin.part")));
    }

    @Test
    void destItselfMayBeALink() throws Exception {
        Path real = Files.createDirectories(tmp.resolve("real"));
        Path dest = Files.createSymbolicLink(tmp.resolve("dest"), real);
        try (Storage s = Storage.forDownload(torrent("good.bin", false), dest)) {
            assertTrue(Files.exists(real.resolve("good.bin.part")));
        }
    }

    /** 'a.part' listed before 'a': both downloaded into one file, and the end's rename failed with a.part holding a's bytes. */
    @Test
    void aPathThatIsAnothersDownloadNameIsRefusedBeforeAnythingIsWritten() throws Exception {
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        for (String other : new String[] {"6:a.part", "6:a.part1:x"}) { // the file a.part, or a directory a.part
            String info = "d5:filesld6:lengthi5e4:pathl1:aeed6:lengthi5e4:pathl" + other + "eee4:name1:x12:piece lengthi16384e6:pieces20:"
                    + "x".repeat(20) + "e";
            MetaInfo meta = MetaInfo.parse(("d4:info" + info + "e").getBytes(StandardCharsets.ISO_8859_1));
            MurderException e = assertThrows(MurderException.class, () -> Storage.forDownload(meta, dest));
            assertEquals(2, e.exitCode());
            assertEquals("'a' and 'a.part' in x: the first downloads as .part, the second's name (expected: no path of the torrent"
                    + " that is another's with .part added)", e.getMessage());
            try (java.util.stream.Stream<Path> left = Files.list(dest)) {
                assertEquals(0, left.count(), "nothing written");
            }
        }
    }
}
