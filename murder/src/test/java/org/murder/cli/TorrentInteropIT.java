package org.murder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.turn.ttorrent.common.Torrent;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our .torrent files load in transmission-show and libtorrent with the infohash we print; torrents
 * made by mktorrent, libtorrent and ttorrent-core 1.5 load in {@code murder info} with theirs.
 */
class TorrentInteropIT {
    private static final String TRACKER = "http://127.0.0.1:8998/announce";
    private static final String LIBTORRENT_INFO = String.join("\n",
            "import sys, libtorrent as lt",
            "ti = lt.torrent_info(sys.argv[1])",
            "print(str(ti.info_hash()), ti.total_size(), ti.num_pieces(), ti.piece_length(), ti.priv(), ti.name())");

    @TempDir
    Path tmp;
    Path release;

    @BeforeEach
    void release() throws Exception {
        release = Files.createDirectories(tmp.resolve("release"));
        Files.createDirectories(release.resolve("lib"));
        byte[] data = new byte[1_500_000];
        new Random(42).nextBytes(data);
        Files.write(release.resolve("lib/app.jar"), data);
        Files.writeString(release.resolve("VERSION"), "42\n");
    }

    private String murderInfoHash(Path torrent) {
        CliRun r = CliRun.of("info", "--hash", torrent.toString());
        assertEquals(0, r.exitCode(), r.err());
        return r.out().trim();
    }

    private Path makeOurs(String... extra) {
        Path torrent = tmp.resolve("v42.torrent");
        List<String> args = new java.util.ArrayList<>(List.of("make-torrent", release.toString(), "--tracker", TRACKER,
                "--tracker", "http://127.0.0.2:8998/announce", "--out", torrent.toString()));
        args.addAll(List.of(extra));
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.err());
        return torrent;
    }

    @Test
    void ourTorrentLoadsInTransmissionShowWithTheSameInfohash() {
        ExternalTools.require("transmission-show", "transmission-cli");
        Path torrent = makeOurs("--piece-size", "64KiB");
        String out = ExternalTools.runOk(List.of("transmission-show", torrent.toString()), tmp);
        Matcher m = Pattern.compile("Hash(?: v1)?: ([0-9a-f]{40})").matcher(out);
        assertTrue(m.find(), out);
        assertEquals(murderInfoHash(torrent), m.group(1));
        assertTrue(out.contains("Private torrent"), out);
        assertTrue(out.contains("127.0.0.2:8998"), "second tier listed:\n" + out);
    }

    @Test
    void ourTorrentLoadsInLibtorrentWithTheSameInfohashAndLayout() throws Exception {
        ExternalTools.requireLibtorrent();
        Path torrent = makeOurs("--piece-size", "64KiB");
        String[] f = ExternalTools.runOk(List.of(ExternalTools.PYTHON, "-c", LIBTORRENT_INFO, torrent.toString()), tmp)
                .trim().split(" ");
        assertEquals(murderInfoHash(torrent), f[0]);
        assertEquals(Files.size(tmp.resolve("v42.tar.zst")), Long.parseLong(f[1]));
        assertEquals(65536, Integer.parseInt(f[3]));
        assertEquals("True", f[4]);
        assertEquals("v42.tar.zst", f[5]);
    }

    @Test
    void mktorrentTorrentsLoadInMurderInfo() {
        ExternalTools.require("mktorrent", "mktorrent");
        ExternalTools.requireLibtorrent();
        // a multi-file torrent of the directory, and a single-file one, public and private
        Path multi = tmp.resolve("multi.torrent");
        ExternalTools.runOk(List.of("mktorrent", "-a", TRACKER, "-l", "16", "-o", multi.toString(), release.toString()), tmp);
        Path single = tmp.resolve("single.torrent");
        ExternalTools.runOk(List.of("mktorrent", "-p", "-a", TRACKER, "-o", single.toString(),
                release.resolve("lib/app.jar").toString()), tmp);
        for (Path t : List.of(multi, single)) {
            String libtorrentHash = ExternalTools.runOk(List.of(ExternalTools.PYTHON, "-c", LIBTORRENT_INFO, t.toString()), tmp)
                    .split(" ")[0];
            assertEquals(libtorrentHash, murderInfoHash(t), t.toString());
        }
        CliRun info = CliRun.of("info", multi.toString());
        assertTrue(info.out().contains("release/lib/app.jar (1.4 MiB)"), info.out());
        assertTrue(info.out().contains("release/VERSION (3 B)"), info.out());
    }

    @Test
    void libtorrentTorrentsLoadInMurderInfo() {
        ExternalTools.requireLibtorrent();
        Path t = tmp.resolve("lt.torrent");
        String script = String.join("\n",
                "import sys, libtorrent as lt",
                "fs = lt.file_storage()",
                "lt.add_files(fs, sys.argv[1])",
                "ct = lt.create_torrent(fs, 32768, flags=lt.create_torrent.v1_only)",
                "ct.add_tracker(sys.argv[3])",
                "ct.set_priv(True)",
                "lt.set_piece_hashes(ct, sys.argv[4])",
                "open(sys.argv[2], 'wb').write(lt.bencode(ct.generate()))",
                "print(str(lt.torrent_info(sys.argv[2]).info_hash()))");
        String hash = ExternalTools.runOk(List.of(ExternalTools.PYTHON, "-c", script, release.toString(), t.toString(), TRACKER,
                tmp.toString()), tmp).trim();
        assertEquals(hash, murderInfoHash(t));
    }

    @Test
    void ttorrentTorrentsLoadInMurderInfo() throws Exception {
        Torrent torrent = Torrent.create(release.resolve("lib/app.jar").toFile(), URI.create(TRACKER), "ttorrent");
        Path t = tmp.resolve("ttorrent.torrent");
        try (OutputStream out = Files.newOutputStream(t)) {
            torrent.save(out);
        }
        assertEquals(hex40(torrent.getHexInfoHash()), murderInfoHash(t));
        // and ttorrent loads ours with the same infohash
        Path ours = makeOurs();
        Torrent loaded = Torrent.load(ours.toFile());
        assertEquals(murderInfoHash(ours), hex40(loaded.getHexInfoHash()));
    }

    /** ttorrent prints infohashes through BigInteger, dropping leading zeros: pad back to 40 digits. */
    private static String hex40(String ttorrentHex) {
        String lower = ttorrentHex.toLowerCase(Locale.ROOT);
        return "0".repeat(Math.max(0, 40 - lower.length())) + lower;
    }
}
