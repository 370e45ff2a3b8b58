package org.murder.peer.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.MurderException;
import org.murder.core.metainfo.MetaInfo;

/**
 * Files a download could not all be made for (out of inodes, a file where a directory goes): what
 * it made goes again; a name no file system takes is refused before anything is made.
 */
class StorageCleanupTest {
    @TempDir
    Path tmp;

    @Test
    void aWriteThatFailsNamesTheFileItWasFor() throws Exception {
        // "No space left on device" named the download directory, not which of its files
        MetaInfo meta = MetaInfo.parse(("d4:infod5:filesld6:lengthi10e4:pathl1:aeed6:lengthi10e4:pathl3:sub1:beee4:name2:mf"
                + "12:piece lengthi16384e6:pieces20:" + "x".repeat(20) + "ee").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        Storage storage = Storage.forDownload(meta, dest);
        storage.close(); // every write fails now, as on a full disk
        java.io.IOException e = assertThrows(java.io.IOException.class,
                () -> storage.write(12, java.nio.ByteBuffer.wrap(new byte[4])));
        assertEquals(dest.resolve("mf/sub/b.part") + ": ClosedChannelException", e.getMessage());
    }

    @Test
    void whatACreationThatFailsPartWayMadeIsRemoved() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src/mf/new/deeper"));
        Files.write(tmp.resolve("src/mf/a"), new byte[20_000]);
        Files.write(src.resolve("b"), new byte[20_000]);
        Files.createDirectories(tmp.resolve("src/mf/sub"));
        Files.write(tmp.resolve("src/mf/sub/z"), new byte[20_000]);
        Path torrent = tmp.resolve("mf.torrent");
        Process mk = new ProcessBuilder("mktorrent", "-a", "http://127.0.0.1:1/announce", "-l", "15", "-o", torrent.toString(),
                tmp.resolve("src/mf").toString()).redirectErrorStream(true).start();
        String said = new String(mk.getInputStream().readAllBytes());
        assertEquals(0, mk.waitFor(), said);
        MetaInfo meta = MetaInfo.read(torrent);

        Path dest = Files.createDirectories(tmp.resolve("dest"));
        Files.createDirectories(dest.resolve("mf"));
        Files.writeString(dest.resolve("mf/sub"), "a file where the download wants a directory"); // its files come last (sorted)
        MurderException e = assertThrows(MurderException.class, () -> Storage.forDownload(meta, dest));
        assertEquals(MurderException.FAILURE, e.exitCode(), e.getMessage());
        assertEquals(Set.of("mf", "mf/sub"), tree(dest), "a.part, new/deeper/b.part and their directories are gone");
    }

    private static Set<String> tree(Path root) throws Exception {
        Set<String> names = new TreeSet<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.filter(p -> !p.equals(root)).forEach(p -> names.add(root.relativize(p).toString()));
        }
        return names;
    }

    @Test
    void aNameTooLongForFileSystemsIsBadInputBeforeAnythingIsMade() throws Exception {
        String name = "n".repeat(251);
        MetaInfo meta = MetaInfo.parse(("d4:infod6:lengthi1e4:name251:" + name + "12:piece lengthi16384e6:pieces20:"
                + "a".repeat(20) + "ee").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        MurderException e = assertThrows(MurderException.class, () -> Storage.forDownload(meta, dest));
        assertEquals("'" + "n".repeat(60) + "...': a name of 251 bytes (expected: at most 250, what file systems take with .part"
                + " added)", e.getMessage());
        assertEquals(MurderException.BAD_INPUT, e.exitCode());
        assertEquals(Set.of(), tree(dest));
    }

    @Test
    void aPathTooLongForLinuxIsBadInputBeforeAnythingIsMade() throws Exception {
        StringBuilder path = new StringBuilder("l");
        for (int i = 0; i < 2100; i++) { // 2,100 directories of one letter: each name short, the path 4,200 bytes
            path.append("1:d");
        }
        path.append("1:fe");
        MetaInfo meta = MetaInfo.parse(("d4:infod5:filesld6:lengthi1e4:path" + path + "ee4:name2:mf12:piece lengthi16384e"
                + "6:pieces20:" + "a".repeat(20) + "ee").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        MurderException e = assertThrows(MurderException.class, () -> Storage.forDownload(meta, dest));
        assertTrue(e.getMessage().matches("'.{60}\\.\\.\\.': a path of \\d+ bytes for a file of mf \\(expected: under 4096, what Linux"
                + " takes\\)"), e.getMessage());
        assertEquals(MurderException.BAD_INPUT, e.exitCode());
        assertEquals(Set.of(), tree(dest));
    }
}
