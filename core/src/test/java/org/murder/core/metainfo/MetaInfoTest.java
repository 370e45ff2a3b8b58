package org.murder.core.metainfo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.murder.core.Hex;
import org.murder.core.MurderException;

class MetaInfoTest {
    private static final String PIECES_2 = "40:" + "a".repeat(40);

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A single-file torrent: 20000 bytes in 16 KiB pieces (2 pieces). */
    private static String singleFileFixture(String extraInfo, String extraRoot) {
        return "d8:announce23:http://t1:8998/announce"
                + extraRoot
                + "4:infod"
                + "6:lengthi20000e"
                + "4:name10:v42.tar.gz"
                + "12:piece lengthi16384e"
                + "6:pieces" + PIECES_2
                + extraInfo
                + "ee";
    }

    @Test
    void parsesASingleFileTorrent() throws Exception {
        String t = "d8:announce23:http://t1:8998/announce"
                + "13:announce-listll23:http://t1:8998/announceel23:http://t2:8998/announceee"
                + "7:comment3:hey10:created by10:murder 0.113:creation datei1700000000e"
                + "4:infod6:lengthi20000e4:name10:v42.tar.gz12:piece lengthi16384e6:pieces" + PIECES_2
                + "7:privatei1eee";
        MetaInfo m = MetaInfo.parse(ascii(t));
        assertEquals("v42.tar.gz", m.name());
        assertEquals(20000, m.totalLength());
        assertEquals(16384, m.pieceLength());
        assertEquals(2, m.pieceCount());
        assertEquals(16384, m.pieceSize(0));
        assertEquals(20000 - 16384, m.pieceSize(1));
        assertTrue(m.isPrivate());
        // any value but 0 is private (libtorrent reads it so): a torrent's private=7 was shown and treated as public
        assertTrue(MetaInfo.parse(ascii(t.replace("7:privatei1e", "7:privatei7e"))).isPrivate());
        assertFalse(MetaInfo.parse(ascii(t.replace("7:privatei1e", "7:privatei0e"))).isPrivate());
        assertFalse(m.isMultiFile());
        assertEquals(List.of(List.of("http://t1:8998/announce"), List.of("http://t2:8998/announce")), m.trackerTiers());
        assertEquals(Instant.ofEpochSecond(1700000000), m.creationDate().orElseThrow());
        assertEquals("murder 0.1", m.createdBy().orElseThrow());
        assertEquals("hey", m.comment().orElseThrow());
        assertArrayEquals(ascii("a".repeat(20)), m.pieceHash(1));
        assertEquals("piece index 2 out of range [0, 2)",
                assertThrows(IndexOutOfBoundsException.class, () -> m.pieceHash(2)).getMessage());
    }

    @Test
    void aCreationDateNoCalendarHoldsIsLeftOutNotFatal() throws Exception {
        for (String date : List.of("4611686018427387904", "-9223372036854775807", "253402300800", "1700000000000000")) {
            MetaInfo m = MetaInfo.parse(ascii("d13:creation datei" + date + "e4:infod6:lengthi20000e4:name1:x12:piece lengthi16384e6:pieces"
                    + PIECES_2 + "ee"));
            assertTrue(m.creationDate().isEmpty(), date);
            assertEquals(20000, m.totalLength());
        }
        MetaInfo last = MetaInfo.parse(ascii("d13:creation datei253402300799e4:infod6:lengthi20000e4:name1:x12:piece lengthi16384e6:pieces"
                + PIECES_2 + "ee"));
        assertEquals(Instant.parse("9999-12-31T23:59:59Z"), last.creationDate().orElseThrow());
    }

    @Test
    void infoHashIsTheSha1OfTheOriginalInfoBytesEvenWhenKeysAreUnsorted() throws Exception {
        // 'pieces' before 'piece length' before 'name': not canonical order
        String info = "d6:pieces" + PIECES_2 + "12:piece lengthi16384e4:name1:x6:lengthi20000ee";
        MetaInfo m = MetaInfo.parse(ascii("d4:info" + info + "e"));
        byte[] expected = MessageDigest.getInstance("SHA-1").digest(ascii(info));
        assertEquals(Hex.encode(expected), m.infoHash().toHex());
        assertTrue(m.trackerTiers().isEmpty());
        assertFalse(m.isPrivate());
    }

    @Test
    void parsesAMultiFileTorrentWithOffsets() {
        String t = "d4:infod5:filesld6:lengthi10000e4:pathl3:bin3:appeed6:lengthi10000e4:pathl6:README"
                + "eee4:name7:release12:piece lengthi16384e6:pieces" + PIECES_2 + "ee";
        MetaInfo m = MetaInfo.parse(ascii(t));
        assertTrue(m.isMultiFile());
        assertEquals(2, m.files().size());
        assertEquals("bin/app", m.files().get(0).joinedPath());
        assertEquals(0, m.files().get(0).offset());
        assertEquals(10000, m.files().get(1).offset());
        assertEquals(20000, m.totalLength());
    }

    @Test
    void bep47PaddingFilesAreMarkedAndMayShareAPath() {
        // as libtorrent's hybrid torrents: a pad after each file but the last, two alike when two files end alike
        String pad = "d4:attr1:p6:lengthi16383e4:pathl4:.pad5:16383ee";
        String t = "d4:infod5:filesld6:lengthi1e4:pathl1:aee" + pad + "d6:lengthi1e4:pathl1:bee" + pad
                + "d4:attr1:x6:lengthi1e4:pathl1:ceee4:name7:release12:piece lengthi16384e6:pieces" + "60:" + "a".repeat(60) + "ee";
        MetaInfo m = MetaInfo.parse(ascii(t));
        assertEquals(5, m.files().size());
        assertEquals(List.of(false, true, false, true, false), m.files().stream().map(TorrentFile::padding).toList());
        assertEquals(16384, m.files().get(2).offset(), "b starts at a piece");
        assertEquals(32769, m.totalLength());
        assertEquals(2 * 16383, m.paddingBytes(), "the two pads");
        assertEquals(0, MetaInfo.parse(ascii("d4:infod5:filesld6:lengthi1e4:pathl1:aeee4:name1:x12:piece lengthi16384e6:pieces20:"
                + "a".repeat(20) + "ee")).paddingBytes());
        String oddAttr = "d4:infod5:filesld4:attri1e6:lengthi1e4:pathl1:aeee4:name1:x12:piece lengthi16384e6:pieces20:" + "a".repeat(20) + "ee";
        assertFalse(MetaInfo.parse(ascii(oddAttr)).files().get(0).padding(), "an attr that is not a string is ignored, as libtorrent does");
    }

    /** Must-fail table: the info entries to add, the exact error. */
    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
        // hostile and malformed names
        "'' | d4:infod6:lengthi1e4:name2:..12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee | info.name: '..' (expected: a file name, not empty, '.' or '..', without '/', '\\' or NUL)",
        "'' | d4:infod6:lengthi1e4:name9:/etc/x.gz12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee | info.name: '/etc/x.gz' (expected: a file name, not empty, '.' or '..', without '/', '\\' or NUL)",
        "'' | d4:infod6:lengthi1e4:name0:12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee | info.name: '' (expected: a file name, not empty, '.' or '..', without '/', '\\' or NUL)",
        "'' | d4:infod5:filesld6:lengthi1e4:pathl2:..6:passwdeee4:name1:x12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee | info.files[0].path[0]: '..' (expected: a file name, not empty, '.' or '..', without '/', '\\' or NUL)",
        "'' | d4:infod5:filesld6:lengthi1e4:pathl4:/etceee4:name1:x12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee | info.files[0].path[0]: '/etc' (expected: a file name, not empty, '.' or '..', without '/', '\\' or NUL)",
        "'' | d4:infod5:filesld6:lengthi1e4:pathleee4:name1:x12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee | info.files[0].path: empty list (expected: at least one component)",
        "'' | d4:infod5:filesle4:name1:x12:piece lengthi16384e6:pieces0:ee | info.files: empty list (expected: at least one file)",
        // wrong types and missing fields
        "'' | d3:fooi1ee | torrent.info: missing",
        "'' | li1ee | torrent: list (expected: dictionary)",
        "'' | d4:infoi1ee | info: integer (expected: dictionary)",
        "'' | d4:infod6:lengthi1e12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee | info.name: missing",
        "'' | d4:infod6:lengthi1e4:namei5e12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee | info.name: integer (expected: string)",
        "'' | d4:infod6:length1:14:name1:x12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee | info.length: string (expected: integer)",
        "'' | d8:announcei1e4:infod6:lengthi1e4:name1:x12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee | announce: integer (expected: string)",
        "'' | d13:announce-listl3:abce4:infod6:lengthi1e4:name1:x12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee | announce-list[0]: string (expected: list)",
        // sizes that do not add up
        "'' | d4:infod6:lengthi1e4:name1:x12:piece lengthi16384e6:pieces19:aaaaaaaaaaaaaaaaaaaee | info.pieces: 19 bytes (expected: a multiple of 20)",
        "'' | d4:infod6:lengthi20000e4:name1:x12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee | info.pieces: 1 hashes (expected: 2 for 20000 bytes in pieces of 16384)",
        "'' | d4:infod6:lengthi1e4:name1:x12:piece lengthi0e6:pieces20:aaaaaaaaaaaaaaaaaaaaee | info.piece length: 0 (expected: 1 to 134217728)",
        "'' | d4:infod6:lengthi-1e4:name1:x12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee | info.length: -1 (expected: >= 0)",
        "'' | d4:infod6:lengthi0e4:name1:x12:piece lengthi16384e6:pieces0:ee | info: total length 0 (expected: at least one byte of content)",
        // names that would reach terminals and file systems with control characters in them
        "'' | d4:infod6:lengthi1e4:name9:a\u001b[2Jb.gz12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee | info.name: 'a\\x1b[2Jb.gz' (expected: a file name without control characters)",
        "'' | d4:infod5:filesld6:lengthi1e4:pathl5:a\u0007b.ceee4:name1:x12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee | info.files[0].path[0]: 'a\\x07b.c' (expected: a file name without control characters)",
        // names that are not UTF-8 (BEP 3): decoded, they became U+FFFD, another name on disk, two such names one file
        "'' | d4:infod6:lengthi1e4:name7:a\u00ffb.bin12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee | info.name: 'a\\xffb.bin' is not UTF-8 (expected: a file name in UTF-8, as BEP 3 has it)",
        "'' | d4:infod5:filesld6:lengthi1e4:pathl5:caf\u00c3\u00a9eed6:lengthi1e4:pathl3:a\u00c3\u00e9eee4:name1:x12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee | info.files[1].path[0]: 'a\\xc3\\xe9' is not UTF-8 (expected: a file name in UTF-8, as BEP 3 has it)",
        // two files at one path, a file below a file, a file where another's directory is: a download would write one over another
        "'' | d4:infod5:filesld6:lengthi1e4:pathl1:aeed6:lengthi1e4:pathl1:aeee4:name1:x12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee | info.files[1].path: 'a' is also info.files[0] (expected: each path once)",
        "'' | d4:infod5:filesld6:lengthi1e4:pathl1:aeed6:lengthi1e4:pathl1:a1:beee4:name1:x12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee | info.files[1].path: 'a/b' is below 'a', the file info.files[0] (expected: a path that is not below a file)",
        "'' | d4:infod5:filesld6:lengthi1e4:pathl1:a1:beed6:lengthi1e4:pathl1:aeee4:name1:x12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee | info.files[1].path: 'a' is a directory of info.files[0] (expected: a path that is not also a directory)",
        // lengths whose sum overflows a long (C clients wrap them to a small number)
        "'' | d4:infod5:filesld6:lengthi9223372036854775807e4:pathl1:aeed6:lengthi1e4:pathl1:beee4:name1:x12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee | info.files[1].length: 1 after 9223372036854775807 bytes of earlier files (expected: a total length of at most 9223372036854775807 bytes)",
        "'' | d4:infod5:filesld6:lengthi9223372036854775000e4:pathl1:aeed6:lengthi9223372036854775000e4:pathl1:beed6:lengthi1616e4:pathl1:ceee4:name1:x12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee | info.files[1].length: 9223372036854775000 after 9223372036854775000 bytes of earlier files (expected: a total length of at most 9223372036854775807 bytes)",
        "'' | d4:infod6:lengthi9223372036854775807e4:name1:x12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee | info.pieces: 1 hashes (expected: 562949953421312 for 9223372036854775807 bytes in pieces of 16384)",
        "'' | d4:infod4:name1:x12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee | info: neither 'length' nor 'files' (expected: exactly one)",
        // BEP 47 padding files: never on disk, so nothing to download without another file
        "'' | d4:infod5:filesld4:attr1:p6:lengthi1e4:pathl4:.pad1:1eee4:name1:x12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee | info.files: nothing but BEP 47 padding (expected: at least one byte in a file that is not padding)",
        "'' | d4:infod5:filesld6:lengthi0e4:pathl1:aeed4:attr1:p6:lengthi1e4:pathl4:.pad1:1eee4:name1:x12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee | info.files: nothing but BEP 47 padding (expected: at least one byte in a file that is not padding)",
        // padding of a piece or more: zeros no disk holds, yet downloaded and hashed (a 100 KB torrent could declare TiB)
        "'' | d4:infod5:filesld6:lengthi1e4:pathl1:aeed4:attr1:p6:lengthi16384e4:pathl4:.pad5:16384eee4:name1:x12:piece lengthi16384e6:pieces40:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaee | info.files[1].length: 16384 for a BEP 47 padding file (expected: less than the piece length, 16384)",
        "'' | d4:infod4:name1:x12:piece lengthi16384e6:lengthi1eee | info.pieces: missing (expected: the SHA-1 piece hashes of a BitTorrent v1 torrent)",
    })
    void rejects(String unused, String torrent, String message) {
        MurderException e = assertThrows(MurderException.class, () -> MetaInfo.parse(ascii(torrent)));
        assertEquals(message, e.getMessage());
        assertEquals(2, e.exitCode());
    }

    @Test
    void bencodeBombInATorrentIsABencodeError() {
        byte[] bomb = ascii("d4:info" + "l".repeat(500) + "e".repeat(500) + "e");
        MurderException e = assertThrows(MurderException.class, () -> MetaInfo.parse(bomb));
        assertEquals("bencode: nesting deeper than the limit (limit 100) at byte 106", e.getMessage());
    }

    @Test
    void readNamesTheFileInEveryError(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.torrent");
        Files.write(bad, ascii("d4:infoi1ee"));
        assertEquals(bad + ": info: integer (expected: dictionary)",
                assertThrows(MurderException.class, () -> MetaInfo.read(bad)).getMessage());
        Path missing = dir.resolve("missing.torrent");
        assertEquals(missing + ": no such file",
                assertThrows(MurderException.class, () -> MetaInfo.read(missing)).getMessage());
        Path good = dir.resolve("good.torrent");
        Files.write(good, ascii(singleFileFixture("", "")));
        assertEquals("v42.tar.gz", MetaInfo.read(good).name());
    }

    @Test
    void readRefusesWhatIsNotARegularFileWithoutReadingIt(@TempDir Path dir) throws Exception {
        // Files.size is 0 for both: a FIFO blocked the read forever, /dev/zero filled the heap
        Path fifo = dir.resolve("release.torrent");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertEquals(0, mkfifo.waitFor());
        MurderException e = assertThrows(MurderException.class, () -> MetaInfo.read(fifo));
        assertEquals(fifo + ": not a regular file (expected: a .torrent file)", e.getMessage());
        assertEquals(2, e.exitCode());
        Path zero = Path.of("/dev/zero");
        assertEquals("/dev/zero: not a regular file (expected: a .torrent file)",
                assertThrows(MurderException.class, () -> MetaInfo.read(zero)).getMessage());
        assertEquals(dir + ": not a regular file (expected: a .torrent file)",
                assertThrows(MurderException.class, () -> MetaInfo.read(dir)).getMessage());
    }

    @Test
    void readCapsWhatItReadsAndEscapesTheFileName(@TempDir Path dir) throws Exception {
        Path big = dir.resolve("big\u001b[31m.torrent");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(MetaInfo.MAX_TORRENT_FILE_SIZE + 1); // sparse: no 16 MiB written
        }
        String message = assertThrows(MurderException.class, () -> MetaInfo.read(big)).getMessage();
        assertEquals(dir + "/big\\x1b[31m.torrent: more than 16 MiB (expected: a .torrent of at most 16 MiB)", message);
    }
}
