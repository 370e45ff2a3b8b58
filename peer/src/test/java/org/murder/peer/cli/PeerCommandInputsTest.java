package org.murder.peer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.MurderException;

/** What murder peer reads besides the network: NAME.md5 beside the torrent, and the torrent itself (hostile-input audit). */
class PeerCommandInputsTest {
    private static final String HEX = "0d97a9cd8bbd7ce75a2a76bb06258915";

    @TempDir
    Path tmp;

    private Path md5(String text) throws Exception {
        return Files.writeString(tmp.resolve("r.md5"), text, StandardCharsets.UTF_8);
    }

    private String refused(Path file) {
        MurderException e = assertThrows(MurderException.class, () -> PeerCommand.md5Beside(file, "r.tar.zst"));
        assertEquals(MurderException.BAD_INPUT, e.exitCode());
        return e.getMessage();
    }

    private static String expected() {
        return " (expected: one line, the md5 of r.tar.zst as make-torrent writes it: 32 hex digits, then optionally that name; or"
                + " move it away, or give --md5)";
    }

    @Test
    void whatMakeTorrentWritesAndMd5sumsFormsAreTaken() throws Exception {
        assertEquals(HEX, PeerCommand.md5Beside(md5(HEX + "  r.tar.zst\n"), "r.tar.zst"));
        assertEquals(HEX, PeerCommand.md5Beside(md5(HEX.toUpperCase() + " */srv/work/r.tar.zst\n"), "r.tar.zst"));
        assertEquals(HEX, PeerCommand.md5Beside(md5("\n" + HEX + "\n\n"), "r.tar.zst"));
    }

    @Test
    void aListOfFilesMd5sIsNotTheDownloadsMd5() throws Exception {
        Path list = md5(HEX + "  ./a.bin\n" + HEX + "  ./b.bin\n");
        assertEquals(list + ": 2 lines" + expected(), refused(list));
        Path other = md5(HEX + "  ./a.bin\n");
        assertEquals(other + ": the md5 of './a.bin'" + expected(), refused(other));
    }

    @Test
    void aFileNotTextTooLargeOrNotAnMd5IsNamed() throws Exception {
        Path binary = Files.write(tmp.resolve("b.md5"), new byte[] {(byte) 0xff, (byte) 0xfe, 'x'});
        assertEquals(binary + ": not text (not UTF-8)" + expected(), refused(binary));
        Path huge = tmp.resolve("h.md5");
        try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(3L << 30); // sparse: 3 GiB were read whole into memory
        }
        assertEquals(huge + ": more than 8192 bytes" + expected(), refused(huge));
        Path word = md5("\u001b[31mnot-an-md5  r.tar.zst\n");
        assertEquals(word + ": '\\x1b[31mnot-an-md5' is not 32 hex digits" + expected(), refused(word));
        Path empty = md5("\n");
        assertEquals(empty + ": 0 lines" + expected(), refused(empty));
    }

    /** A torrent kept at DEST/NAME.part was taken for the partial download, written into and renamed to NAME. */
    @Test
    void aTorrentThatIsOneOfTheDownloadsFilesIsRefused() throws Exception {
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        Path torrent = Files.writeString(dest.resolve("f.bin.part"), "d8:announce...e");
        java.util.List<Path> ours = java.util.List.of(dest.resolve("f.bin"), dest.resolve("f.bin.part"));
        MurderException e = assertThrows(MurderException.class, () -> PeerCommand.notAFileOfTheDownload(torrent, ours));
        assertEquals(MurderException.BAD_INPUT, e.exitCode());
        assertEquals("TORRENT " + torrent + ": is the download's own " + torrent + " (expected: the torrent outside the files it"
                + " downloads, which are written and renamed)", e.getMessage());
        Path linked = Files.createLink(tmp.resolve("elsewhere.torrent"), torrent); // the same file by another name
        assertThrows(MurderException.class, () -> PeerCommand.notAFileOfTheDownload(linked, ours));
        PeerCommand.notAFileOfTheDownload(Files.writeString(tmp.resolve("f.torrent"), "x"), ours); // beside DEST: fine
        Path top = Files.createDirectories(dest.resolve("multi"));
        PeerCommand.notAFileOfTheDownload(Files.writeString(top.resolve("multi.torrent"), "x"), // kept inside its download's directory
                java.util.List.of(top, top.resolve("a.bin"), top.resolve("a.bin.part")));
    }
}
