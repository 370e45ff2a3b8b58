package org.murder.orchestrator.release;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.murder.orchestrator.release.TarFixture.MTIME;
import static org.murder.orchestrator.release.TarFixture.tarFixture;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.murder.testkit.Tmpfs;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.murder.core.MurderException;
import org.murder.core.progress.Progress;
import org.murder.maker.MakeTorrentRequest;
import org.murder.maker.TorrentMaker;

class SafeExtractorTest {
    private static final String INSIDE = " (expected: a relative path inside the release)";
    private static final String LINK_INSIDE = " (expected: a relative target inside the release)";
    private static final String KINDS = " (expected: a file, directory or symbolic link)";
    private static final String EARLIER = " (expected: a file earlier in the archive)";
    /** Small enough for the tar-bomb cases, large enough for every other one. */
    private static final SafeExtractor.Limits SMALL = new SafeExtractor.Limits(1024, 5);

    @TempDir
    Path tmp;

    /** The must-fail corpus: how each archive is built, and the exact message after "ARCHIVE: ". */
    static Stream<Arguments> hostile() {
        return Stream.of(
                hostile("parent escape", t -> t.file("../evil", "x"),
                        "entry '../evil': '..' in path" + INSIDE),
                hostile("absolute path", t -> t.file("/etc/passwd", "root::0:0::/:/bin/sh\n"),
                        "entry '/etc/passwd': absolute path" + INSIDE),
                hostile("absolute name in a PAX header", t -> t.file("/" + "a".repeat(120), "x"),
                        "entry '/" + "a".repeat(120) + "': absolute path" + INSIDE),
                hostile("absolute name in a GNU long-name entry", t -> t.gnuLongNames().file("/" + "b".repeat(120), "x"),
                        "entry '/" + "b".repeat(120) + "': absolute path" + INSIDE),
                hostile("an absolute name in a global PAX header, and a later one without a path",
                        t -> t.globalPax(java.util.Map.of("path", "/etc/cron.d/x")).globalPax(java.util.Map.of("comment", "later"))
                                .file("f", "x"), "entry '/etc/cron.d/x': absolute path" + INSIDE),
                hostile("an absolute name in a global PAX header", t -> t.globalPax(java.util.Map.of("path", "/etc/cron.d/x"))
                        .file("f", "x"), "entry '/etc/cron.d/x': absolute path" + INSIDE),
                hostile("a PAX header over 1 MiB", t -> t.fileWithPax("f", "x", "comment", "c".repeat(1_100_000)),
                        "entry 'f': a PAX header over 1 MiB (expected: a name, times and the like: a few hundred bytes)"),
                hostile("a name that is not UTF-8", t -> t.rawEntry(latin1("caf\u00e9"), TarConstants.LF_NORMAL, new byte[0],
                        new byte[] {'x'}, true), "entry 'caf?': its name 'caf\\xe9' is not UTF-8" + UTF8),
                hostile("a name that is not UTF-8 in a POSIX header's prefix", t -> t.rawEntry(ustarPrefixed(latin1("d\u00e9j\u00e0"),
                        latin1("f")), TarConstants.LF_NORMAL, new byte[0], new byte[] {'x'}, true),
                        "entry 'd?j?/f': its name 'd\\xe9j\\xe0/f' is not UTF-8" + UTF8),
                hostile("a PAX path that is not UTF-8 (GNU tar's hdrcharset=BINARY)", t -> t.rawPax(java.util.Map.of("path",
                        latin1("na\u00efve.txt"))).rawEntry(latin1("naive.txt"), TarConstants.LF_NORMAL, new byte[0], new byte[] {'x'},
                        true), "entry 'na\ufffdve.txt': its name 'na\\xefve.txt' is not UTF-8" + UTF8),
                hostile("a symbolic link to a name that is not UTF-8", t -> t.rawEntry(latin1("l"), TarConstants.LF_SYMLINK,
                        latin1("\u00ff"), new byte[0], true), "entry 'l': its link target '\\xff' is not UTF-8" + UTF8),
                hostile("a header whose checksum is wrong", t -> t.rawEntry("f", TarConstants.LF_NORMAL, new byte[] {'x'}, false),
                        "entry 'f': its header's checksum does not match (expected: a valid tar header; a corrupt archive?)"),
                hostile("a file named like a directory, with data", t -> t.rawEntry("f/", TarConstants.LF_NORMAL,
                        "data that tar would read as the next header".getBytes(StandardCharsets.UTF_8), true),
                        "entry 'f/': a directory with 43 bytes of data (expected: a file, or a directory without data)"),
                hostile("dot-dot inside the name", t -> t.dir("a").file("a/../../x", "x"),
                        "entry 'a/../../x': '..' in path" + INSIDE),
                hostile("empty name", t -> t.file("", "x"),
                        "entry '': empty name" + INSIDE),
                hostile("a file named .", t -> t.file(".", "x"),
                        "entry '.': names the release directory itself (expected: a path inside it)"),
                hostile("symlink to /etc", t -> t.symlink("etc", "/etc"),
                        "entry 'etc': symbolic link to '/etc' is absolute" + LINK_INSIDE),
                hostile("symlink ../..", t -> t.symlink("up", "../.."),
                        "entry 'up': symbolic link to '../..' leaves the release" + LINK_INSIDE),
                hostile("symlink counted from its own directory", t -> t.dir("sub").symlink("sub/deep", "../../x"),
                        "entry 'sub/deep': symbolic link to '../../x' leaves the release" + LINK_INSIDE),
                hostile("file written through a symlink", t -> t.dir("sub").symlink("link", "sub").file("link/x", "x"),
                        "entry 'link/x': writes through the symbolic link 'link' (expected: no entry below a symbolic link)"),
                hostile("directory made through a symlink", t -> t.symlink("link", ".").dir("link/d"),
                        "entry 'link/d/': writes through the symbolic link 'link' (expected: no entry below a symbolic link)"),
                hostile("hard link through a symlink", t -> t.file("f", "x").symlink("link", ".").hardLink("link/h", "f"),
                        "entry 'link/h': writes through the symbolic link 'link' (expected: no entry below a symbolic link)"),
                hostile("link chain that escapes only once complete", t -> t.dir("a").symlink("a/m", "l/..").symlink("a/l", ".."),
                        "entry 'a/m': symbolic link to 'l/..' leaves the release" + LINK_INSIDE),
                hostile("symlink loop", t -> t.symlink("l1", "l2").symlink("l2", "l1"),
                        "entry 'l1': symbolic link to 'l2' loops through more than 40 links" + LINK_INSIDE),
                hostile("hard link to /etc/shadow", t -> t.hardLink("shadow", "/etc/shadow"),
                        "entry 'shadow': hard link to '/etc/shadow' is absolute" + EARLIER),
                hostile("hard link out of the tree", t -> t.hardLink("h", "../outside"),
                        "entry 'h': hard link to '../outside' has '..' in it" + EARLIER),
                hostile("hard link to nothing earlier", t -> t.hardLink("h", "later").file("later", "x"),
                        "entry 'h': hard link to 'later' names no file earlier in the archive" + EARLIER),
                hostile("character device", t -> t.special("null", TarConstants.LF_CHR),
                        "entry 'null': character device" + KINDS),
                hostile("block device", t -> t.special("sda", TarConstants.LF_BLK),
                        "entry 'sda': block device" + KINDS),
                hostile("fifo", t -> t.special("pipe", TarConstants.LF_FIFO),
                        "entry 'pipe': fifo" + KINDS),
                hostile("same path twice", t -> t.file("x", "one").file("x", "two"),
                        "entry 'x': appears twice (expected: each path once)"),
                hostile("symlink replaced by a file", t -> t.symlink("x", "y").file("x", "two"),
                        "entry 'x': appears twice (expected: each path once)"),
                hostile("file used as a directory", t -> t.file("f", "x").file("f/g", "y"),
                        "entry 'f/g': 'f' is a file (expected: a directory)"),
                hostile("control characters in a name", t -> t.file("bad\nname/../x", "x"),
                        "entry 'bad\\x0aname/../x': '..' in path" + INSIDE),
                hostile("too many entries", t -> t.file("f1", "1").file("f2", "2").file("f3", "3").file("f4", "4")
                        .file("f5", "5").file("f6", "6"),
                        "entry 'f6': more than 5 entries (expected: at most 5)"),
                hostile("one file too large", t -> t.file("big", 2000),
                        "entry 'big': more than 1024 bytes of content (expected: at most 1 KiB)"),
                hostile("too many bytes in all", t -> t.file("a", 400).file("b", 400).file("c", 400),
                        "entry 'c': more than 1024 bytes of content (expected: at most 1 KiB)"));
    }

    private static final String UTF8 = " (expected: UTF-8 names and link targets; rename it in the release)";

    private static byte[] latin1(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A POSIX ustar header's name field: {@code name}, with {@code prefix} at byte 345 (see {@link TarFixture#rawEntry}). */
    private static byte[] ustarPrefixed(byte[] prefix, byte[] name) {
        byte[] fields = new byte[345 + prefix.length];
        System.arraycopy(name, 0, fields, 0, name.length);
        System.arraycopy(prefix, 0, fields, 345, prefix.length);
        return fields;
    }

    private static Arguments hostile(String name, UnaryOperator<TarFixture> build, String message) {
        return Arguments.of(name, build, message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void hostileArchivesAreRefusedAndLeaveNothing(String name, UnaryOperator<TarFixture> build, String message) throws Exception {
        // deep enough that every relative escape attempt would still land inside tmp, where we look
        Path dest = Files.createDirectories(tmp.resolve("outer/a/b/dest/releases")).getParent();
        Path archive = build.apply(tarFixture()).write(tmp.resolve("hostile.tar.gz"));
        Set<String> before = tree(tmp);
        ReleaseManager releases = new ReleaseManager(dest, new SafeExtractor(SMALL), Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));

        MurderException e = assertThrows(MurderException.class, () -> releases.activate("v1", archive));

        assertEquals(archive + ": " + message, e.getMessage());
        assertEquals(MurderException.BAD_INPUT, e.exitCode());
        assertEquals(before, tree(tmp), "files were created");
        assertFalse(Files.exists(dest.resolve("releases/v1"), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(dest.resolve("current"), LinkOption.NOFOLLOW_LINKS));
    }

    /** Files are created with their mode; bits the umask takes away at creation are put back. */
    @Test
    void everyModeIsKeptWhateverTheUmaskTakesAtCreation() throws Exception {
        FileTime fileTime = FileTime.fromMillis(1_650_000_000_000L);
        int[] modes = {0777, 0666, 0644, 0620, 0444, 0400, 0000, 0751};
        TarFixture fixture = tarFixture();
        for (int mode : modes) {
            fixture.file(String.format("m%03o", mode), "x".getBytes(StandardCharsets.UTF_8), mode, fileTime);
        }
        Path archive = fixture.write(tmp.resolve("modes.tar.gz"));
        Path target = tmp.resolve("modes");

        new SafeExtractor().extract(archive, target);

        for (int mode : modes) {
            Path file = target.resolve(String.format("m%03o", mode));
            assertEquals(PosixFilePermissions.toString(SafeExtractor.permissions(mode)), perms(file), file.toString());
            assertEquals(fileTime, Files.getLastModifiedTime(file, java.nio.file.LinkOption.NOFOLLOW_LINKS));
        }
    }

    /**
     * UTF-8 names beyond ASCII pass, long ones too: the 100 bytes of a long name's header field may end inside
     * a character, and the name that counts is then the PAX header's or the GNU long-name entry's.
     */
    @Test
    void utf8NamesPassWhereverTheArchiveKeepsThem() throws Exception {
        String longName = "r\u00e9pertoire/" + "\u00e9".repeat(60) + "\u6587\u4ef6.txt";
        for (boolean gnu : new boolean[] {false, true}) {
            TarFixture fixture = gnu ? tarFixture().gnuLongNames() : tarFixture();
            Path archive = fixture.file("caf\u00e9", "short").file(longName, "long").symlink("lien", longName)
                    .write(tmp.resolve("utf8-" + gnu + ".tar.gz"));
            Path target = tmp.resolve("utf8-" + gnu);

            new SafeExtractor().extract(archive, target);

            assertEquals("short", Files.readString(target.resolve("caf\u00e9")));
            assertEquals("long", Files.readString(target.resolve(longName)));
            assertEquals("long", Files.readString(target.resolve("lien")));
        }
    }

    @Test
    void loadsNestedDirectoriesModesMtimesAndLinks() throws Exception {
        FileTime dirTime = FileTime.fromMillis(1_600_000_000_000L);
        FileTime fileTime = FileTime.fromMillis(1_650_000_000_000L);
        String longName = "deep/" + "x".repeat(120) + "/" + "y".repeat(120) + ".txt";
        Path archive = tarFixture()
                .dir("./", 0750, dirTime)                                 // the release directory itself
                .dir("./bin/", 0755, dirTime)
                .file("./bin/app", "#!/bin/sh\necho v42\n".getBytes(StandardCharsets.UTF_8), 0755, fileTime)
                .hardLink("./bin/app-again", "./bin/app")
                .dir("lib", 0755, dirTime)
                .file("lib/app.jar", "jar".getBytes(StandardCharsets.UTF_8), 0640, fileTime)
                .symlink("bin/jar", "../lib/app.jar")                    // internal relative link
                .symlink("lib/self", ".")
                .file("conf/app.conf", "port=8080\n".getBytes(StandardCharsets.UTF_8), 0600, fileTime) // no entry for conf/
                .dir("ro", 0555, dirTime)                                 // read-only, yet it gets a file below
                .file("ro/VERSION", "v42")
                .file(longName, "long")
                .write(tmp.resolve("v42.tar.gz"), 3);                      // three gzip members
        Path target = tmp.resolve("out/v42");
        Files.createDirectories(target.getParent());

        SafeExtractor.Extracted done = new SafeExtractor().extract(archive, target);

        assertEquals(target, done.directory());
        assertEquals(12, done.entries());
        assertEquals(19 + 3 + 10 + 3 + 4, done.bytes());
        assertEquals("#!/bin/sh\necho v42\n", Files.readString(target.resolve("bin/app")));
        assertEquals("rwxr-xr-x", perms(target.resolve("bin/app")));
        assertEquals("rw-r-----", perms(target.resolve("lib/app.jar")));
        assertEquals("rw-------", perms(target.resolve("conf/app.conf")));
        assertEquals("r-xr-xr-x", perms(target.resolve("ro")));
        assertEquals("rwxr-x---", perms(target));
        assertEquals(fileTime, Files.getLastModifiedTime(target.resolve("bin/app")));
        assertEquals(dirTime, Files.getLastModifiedTime(target.resolve("bin")));
        assertEquals(dirTime, Files.getLastModifiedTime(target.resolve("ro")));
        assertEquals(dirTime, Files.getLastModifiedTime(target));
        assertEquals(MTIME, Files.getLastModifiedTime(target.resolve("ro/VERSION")));
        assertTrue(Files.isSameFile(target.resolve("bin/app"), target.resolve("bin/app-again")));
        assertEquals(Path.of("../lib/app.jar"), Files.readSymbolicLink(target.resolve("bin/jar")));
        assertEquals("jar", Files.readString(target.resolve("bin/jar")));
        assertEquals("v42", Files.readString(target.resolve("lib/self/../ro/VERSION")));
        assertEquals("long", Files.readString(target.resolve(longName)));
        assertEquals(Set.of("v42"), names(target.getParent()), "no partial directory left beside the release");
    }

    @Test
    void unpacksWhatMakeTorrentPacks() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("build/bin"));
        Files.writeString(src.resolve("run"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(src.resolve("run"), PosixFilePermissions.fromString("rwxr-x---"));
        byte[] blob = new byte[3 << 20]; // incompressible and over 1 MiB: several parallel gzip members
        new Random(42).nextBytes(blob);
        Files.write(src.resolveSibling("blob.bin"), blob);
        Files.setLastModifiedTime(src.resolveSibling("blob.bin"), FileTime.fromMillis(1_500_000_000_000L));
        Files.createSymbolicLink(src.resolveSibling("start"), Path.of("bin/run"));
        Files.createLink(src.resolve("run-again"), src.resolve("run")); // one file, two names: one copy, linked
        Path shared = Files.createDirectories(src.resolveSibling("shared"));
        Files.setAttribute(shared, "unix:mode", 01777); // world-writable: its sticky bit must come along
        Path archive = tmp.resolve("v1.tar.gz");
        new TorrentMaker(Clock.systemUTC(), (label, total) -> Progress.NONE).make(new MakeTorrentRequest(src.getParent(),
                List.of("http://127.0.0.1:8998/announce"), tmp.resolve("v1.torrent"), archive, Optional.empty(), List.of(),
                false, true, Optional.empty(), 1, 2));
        Path target = tmp.resolve("v1");

        new SafeExtractor().extract(archive, target);

        assertArrayEquals(blob, Files.readAllBytes(target.resolve("blob.bin")));
        assertEquals(FileTime.fromMillis(1_500_000_000_000L), Files.getLastModifiedTime(target.resolve("blob.bin")));
        assertEquals("rwxr-x---", perms(target.resolve("bin/run")));
        assertEquals("#!/bin/sh\n", Files.readString(target.resolve("start")));
        assertEquals(Files.getAttribute(target.resolve("bin/run"), "unix:ino"), Files.getAttribute(target.resolve("bin/run-again"),
                "unix:ino"), "a hard link, not a copy");
        assertEquals(01777, (Integer) Files.getAttribute(target.resolve("shared"), "unix:mode") & 07777);
    }

    @Test
    void unpacksWhatGnuTarPacks() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/tar")), "GNU tar is not installed");
        Path src = Files.createDirectories(tmp.resolve("src/bin"));
        Files.writeString(src.resolve("app"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(src.resolve("app"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createLink(src.resolveSibling("app-link"), src.resolve("app"));
        Files.createSymbolicLink(src.resolveSibling("start"), Path.of("bin/app"));
        Path archive = tmp.resolve("gnu.tar.gz");
        Process tar = new ProcessBuilder("/bin/tar", "-czf", archive.toString(), "-C", src.getParent().toString(), ".")
                .redirectErrorStream(true).start();
        assertEquals(0, tar.waitFor(), new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        Path target = tmp.resolve("v1");

        SafeExtractor.Extracted done = new SafeExtractor().extract(archive, target); // names like ./bin/app, a hard link

        assertEquals(5, done.entries());
        assertEquals("rwxr-xr-x", perms(target.resolve("bin/app")));
        assertTrue(Files.isSameFile(target.resolve("bin/app"), target.resolve("app-link")));
        assertEquals("#!/bin/sh\n", Files.readString(target.resolve("start")));
    }

    @Test
    void aBrokenArchiveFailsAndLeavesNothing() throws Exception {
        Path good = tarFixture().file("a", 600_000).file("b", "b").write(tmp.resolve("good.tar.gz"));
        byte[] bytes = Files.readAllBytes(good);
        Path truncated = Files.write(tmp.resolve("truncated.tar.gz"), Arrays.copyOf(bytes, bytes.length / 2));
        Path notGzip = Files.writeString(tmp.resolve("plain.tar.gz"), "not gzip at all");
        byte[] badHeader = new byte[64]; // gzip's magic, then compression method 0: refused by the header's reader
        badHeader[0] = 0x1f;
        badHeader[1] = (byte) 0x8b;
        Path badGzipHeader = Files.write(tmp.resolve("bad-header.tar.gz"), badHeader);
        Path target = tmp.resolve("out/v1");
        Files.createDirectories(target.getParent());

        for (Path archive : List.of(truncated, notGzip, badGzipHeader)) {
            MurderException e = assertThrows(MurderException.class, () -> new SafeExtractor().extract(archive, target));
            assertTrue(e.getMessage().startsWith("extract " + archive + ": "), e.getMessage());
            assertTrue(e.getMessage().contains(" (expected: "), e.getMessage());
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
            assertEquals(MurderException.BAD_INPUT, e.exitCode());
            assertEquals(Set.of(), names(target.getParent()));
        }
        MurderException missing = assertThrows(MurderException.class,
                () -> new SafeExtractor().extract(tmp.resolve("missing.tar.gz"), target));
        assertEquals(tmp.resolve("missing.tar.gz") + ": no such file (expected: a release archive: .tar.zst, .tar.gz or .tar)",
                missing.getMessage());
    }

    @Test
    void aDiskErrorPartWayIsAFailureOfThisHostNotABadArchive() throws Exception {
        Path archive = tarFixture().file("a", 600_000).file("b", "b").write(tmp.resolve("good.tar.gz"));
        long size = Files.size(archive);
        Path target = tmp.resolve("out/v1");
        Files.createDirectories(target.getParent());
        for (long failAt : new long[] {0, size / 3, size - 1}) {
            // the file's own read fails there, as a bad sector's EIO does: the decompressor may report it as it likes
            SafeExtractor.Opener badDisk = path -> new java.io.FilterInputStream(Files.newInputStream(path)) {
                private long read;

                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    if (read >= failAt) {
                        throw new IOException("Input/output error");
                    }
                    int n = super.read(b, off, (int) Math.min(len, failAt - read));
                    read += Math.max(0, n);
                    return n;
                }
            };
            MurderException e = assertThrows(MurderException.class,
                    () -> new SafeExtractor(SafeExtractor.Limits.defaults(), badDisk).extract(archive, target), "fail at " + failAt);
            assertEquals("extract " + archive + ": cannot read the file: Input/output error", e.getMessage(), "fail at " + failAt);
            assertEquals(MurderException.FAILURE, e.exitCode());
            assertEquals(Set.of(), names(target.getParent()));
        }
    }

    /** The tar of {@link #aBrokenArchiveFailsAndLeavesNothing}, compressed with {@code codec} in frames as make-torrent does. */
    private byte[] archiveFixture(org.murder.maker.Compression codec, byte[] tar) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try (org.murder.maker.FrameWriter w = new org.murder.maker.FrameWriter(out, pool, 2, codec, codec.defaultLevel())) {
            w.write(tar);
        } finally {
            pool.shutdownNow();
        }
        return out.toByteArray();
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(org.murder.maker.Compression.class)
    void everyFormUnpacksAndATruncatedOrCorruptOneNamesTheEntryItBrokeIn(org.murder.maker.Compression codec) throws Exception {
        byte[] tar = tarFixture().file("a", 3_000_000).file("b", "b").tarBytes();
        byte[] good = archiveFixture(codec, tar);
        Path target = tmp.resolve("out/v1");
        Files.createDirectories(target.getParent());
        new SafeExtractor().extract(Files.write(tmp.resolve("good"), good), target);
        assertEquals(3_000_000, Files.size(target.resolve("a")));
        assertEquals("b", Files.readString(target.resolve("b")));
        Trees.deleteQuietly(target);

        byte[] corrupt = good.clone();
        for (int i = good.length / 3; i < good.length / 3 + 64; i++) {
            corrupt[i] ^= 0x5A;
        }
        Path truncated = Files.write(tmp.resolve("truncated"), Arrays.copyOf(good, good.length / 2));
        Path damaged = Files.write(tmp.resolve("damaged"), corrupt);
        for (Path archive : codec == org.murder.maker.Compression.NONE ? List.of(truncated) : List.of(truncated, damaged)) {
            MurderException e = assertThrows(MurderException.class, () -> new SafeExtractor().extract(archive, target));
            String m = e.getMessage();
            assertTrue(m.startsWith("extract " + archive + ": entry 'a': ") || m.startsWith("extract " + archive + ": the entry after 'a': ")
                    || m.startsWith("extract " + archive + ": release entry 'a' "), m);
            assertTrue(m.contains("(expected: "), m);
            assertFalse(m.matches(".*\\b(EOFException|IOException|ZstdIOException)\\b.*"), "no bare exception name: " + m);
            assertEquals(1, m.lines().count(), m);
            assertEquals(MurderException.BAD_INPUT, e.exitCode());
            assertEquals(Set.of(), names(target.getParent()), "nothing left of a partial release");
        }
    }

    @Test
    void aNameLongerThanFileSystemsTakeIsBadInputNamingTheEntry() throws Exception {
        String longName = "d/" + "n".repeat(300) + "/file";
        Path archive = tarFixture().file("ok", "ok").file(longName, "x").write(tmp.resolve("long.tar.gz"));
        Path target = tmp.resolve("out/v1");
        Files.createDirectories(target.getParent());
        MurderException e = assertThrows(MurderException.class, () -> new SafeExtractor().extract(archive, target));
        assertEquals(MurderException.BAD_INPUT, e.exitCode(), e.getMessage());
        assertTrue(e.getMessage().startsWith(archive + ": entry 'd/nnn"), e.getMessage());
        assertTrue(e.getMessage().endsWith("': a name longer than file systems take (expected: names of at most 255 bytes a component"
                + " and 3072 in all)"), e.getMessage());
        assertEquals(Set.of(), names(target.getParent()), "nothing left of a partial release");
    }

    /**
     * A tar stream cut between entries or inside a header, inside a whole compressed stream (a
     * truncated tar packed as it was): refused, not unpacked as a smaller release. Whole records and
     * the marker without the block's padding are a complete archive.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(org.murder.maker.Compression.class)
    void aTarCutBetweenEntriesOrInAHeaderIsRefusedNotUnpackedShort(org.murder.maker.Compression codec) throws Exception {
        byte[] a = new byte[1000];
        byte[] b = new byte[1000];
        new java.util.Random(7).nextBytes(a);
        new java.util.Random(8).nextBytes(b);
        byte[] tar = tarFixture().file("a", a, 0644, MTIME).file("b", b, 0644, MTIME).tarBytes();
        // a's header 0, its data 512-1536; b's header 1536, its data 2048-3072; the marker 3072-4096; padding to 10240
        Path target = tmp.resolve("out/v1");
        Files.createDirectories(target.getParent());
        java.util.Map<Integer, String> cuts = java.util.Map.of(
                1536 + 100, "after entry 'a': the archive ends inside a tar record, 100 bytes into it (expected: ",
                1536, "after entry 'a': the archive ends without tar's end-of-archive marker (expected: ",
                3072, "after entry 'b': the archive ends without tar's end-of-archive marker (expected: ");
        for (java.util.Map.Entry<Integer, String> cut : cuts.entrySet()) {
            Path archive = Files.write(tmp.resolve("cut-" + cut.getKey()), archiveFixture(codec, Arrays.copyOf(tar, cut.getKey())));
            MurderException e = assertThrows(MurderException.class, () -> new SafeExtractor().extract(archive, target), "cut at "
                    + cut.getKey());
            assertTrue(e.getMessage().startsWith("extract " + archive + ": "), e.getMessage());
            assertTrue(e.getMessage().contains(cut.getValue()), e.getMessage());
            assertEquals(MurderException.BAD_INPUT, e.exitCode());
            assertEquals(Set.of(), names(target.getParent()), "nothing left of a partial release");
        }
        // a last file that ends in zeros, cut right after it: its zeros are no marker
        byte[] zeros = new byte[1536];
        byte[] endsInZeros = tarFixture().file("a", a, 0644, MTIME).file("z", zeros, 0644, MTIME).tarBytes();
        Path cutAfterZeros = Files.write(tmp.resolve("cut-after-zeros"), archiveFixture(codec, Arrays.copyOf(endsInZeros, 1536 + 512
                + 1536)));
        MurderException z = assertThrows(MurderException.class, () -> new SafeExtractor().extract(cutAfterZeros, target));
        assertTrue(z.getMessage().contains("after entry 'z': the archive ends without tar's end-of-archive marker"), z.getMessage());
        assertEquals(Set.of(), names(target.getParent()));
        for (int whole : List.of(4096, tar.length)) {
            new SafeExtractor().extract(Files.write(tmp.resolve("whole-" + whole), archiveFixture(codec, Arrays.copyOf(tar, whole))),
                    target);
            assertArrayEquals(b, Files.readAllBytes(target.resolve("b")));
            Trees.deleteQuietly(target);
        }
    }

    /**
     * Bytes after tar's end-of-archive block (two tars one after the other, or a writer's longer padding) are not
     * unpacked, as GNU tar does not, but they are read: the compressed stream's own check at its end (gzip's
     * CRC-32, zstd's frame checksum) covers the whole archive, and a damaged one is refused, not unpacked quietly.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = org.murder.maker.Compression.class, names = {"ZSTD", "GZIP"})
    void aDamagedStreamAfterTheEndMarkerIsRefusedAndAnIntactOneUnpacksTheFirstTar(org.murder.maker.Compression codec)
            throws Exception {
        byte[] a = new byte[1000];
        new java.util.Random(9).nextBytes(a);
        byte[] first = tarFixture().file("a", a, 0644, MTIME).tarBytes();
        byte[] random = new byte[300_000];
        new java.util.Random(10).nextBytes(random);
        byte[] second = tarFixture().file("b", random, 0644, MTIME).tarBytes();
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        byte[] good = archiveFixture(codec, both);
        Path target = tmp.resolve("out/v1");
        Files.createDirectories(target.getParent());
        new SafeExtractor().extract(Files.write(tmp.resolve("two-tars"), good), target);
        assertEquals(Set.of("a"), names(target), "the first tar only, as GNU tar without --ignore-zeros");
        Trees.deleteQuietly(target);

        for (byte[] tail : List.of(new byte[1024], "a stray line\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))) {
            byte[] padded = Arrays.copyOf(good, good.length + tail.length); // a copy tool's padding after the compressed stream
            System.arraycopy(tail, 0, padded, good.length, tail.length);
            new SafeExtractor().extract(Files.write(tmp.resolve("padded"), padded), target);
            assertEquals(Set.of("a"), names(target), "bytes after the compressed stream are ignored, as gzip ignores them");
            Trees.deleteQuietly(target);
        }

        byte[] corrupt = good.clone();
        corrupt[good.length - 40_000] ^= 0x01; // in the second tar's incompressible bytes: only the stream's check sees it
        Path archive = Files.write(tmp.resolve("two-tars-flipped"), corrupt);
        MurderException e = assertThrows(MurderException.class, () -> new SafeExtractor().extract(archive, target));
        assertTrue(e.getMessage().startsWith("extract " + archive + ": after tar's end-of-archive marker: "), e.getMessage());
        assertEquals(2, e.exitCode(), e.getMessage());
        assertEquals(Set.of(), names(target.getParent()), "nothing left of a partial release");
    }

    /**
     * A tar.gz with zeros after it, as `(gzip -c r.tar; head -c 512 /dev/zero)` makes, in one member or
     * several: every byte of the tar comes out. Read with commons-compress's concatenated members, the
     * bytes inflated in the read that met the zeros were lost: "Truncated TAR archive ... after 1047552
     * of its 1048576 bytes".
     */
    @Test
    void aTarGzWithZerosAfterItUnpacksWhole() throws Exception {
        byte[] a = new byte[1024 * 1024];
        new java.util.Random(11).nextBytes(a);
        byte[] tar = tarFixture().file("a", a, 0644, MTIME).tarBytes();
        for (int members : List.of(1, 3)) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            int each = tar.length / members + 1;
            for (int from = 0; from < tar.length; from += each) {
                try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(out) {
                    @Override
                    public void close() throws java.io.IOException {
                        finish(); // the member ends; the stream goes on
                    }
                }) {
                    gz.write(tar, from, Math.min(each, tar.length - from));
                }
            }
            out.write(new byte[512]);
            Path target = tmp.resolve("out-" + members + "/v1");
            Files.createDirectories(target.getParent());
            new SafeExtractor().extract(Files.write(tmp.resolve("zeros-after-" + members + ".tar.gz"), out.toByteArray()), target);
            assertArrayEquals(a, Files.readAllBytes(target.resolve("a")), members + " member(s)");
        }
    }

    /**
     * Incompressible content is stored in raw zstd blocks, which the format does not check: only the
     * frame checksum (written by make-torrent, as by the zstd command) sees a flipped byte in them.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = org.murder.maker.Compression.class, names = {"ZSTD", "GZIP"})
    void aFlippedByteInIncompressibleContentIsRefused(org.murder.maker.Compression codec) throws Exception {
        byte[] random = new byte[2_000_000];
        new java.util.Random(5).nextBytes(random);
        byte[] good = archiveFixture(codec, tarFixture().file("jar", random, 0644, MTIME).tarBytes());
        byte[] corrupt = good.clone();
        corrupt[good.length / 2] ^= 0x01;
        Path archive = Files.write(tmp.resolve("flipped"), corrupt);
        Path target = tmp.resolve("out/v1");
        Files.createDirectories(target.getParent());
        MurderException e = assertThrows(MurderException.class, () -> new SafeExtractor().extract(archive, target));
        assertTrue(e.getMessage().startsWith("extract " + archive + ": "), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertEquals(2, e.exitCode(), e.getMessage());
        assertEquals(Set.of(), names(target.getParent()), "nothing left of a partial release");
    }

    @Test
    void anUnknownCompressionIsRefusedWithWhatItStartsWith() throws Exception {
        Path archive = Files.writeString(tmp.resolve("v1.tar.xz"), "\u00fd7zXZ and so on");
        Path target = tmp.resolve("out/v1");
        Files.createDirectories(target.getParent());
        MurderException e = assertThrows(MurderException.class, () -> new SafeExtractor().extract(archive, target));
        assertEquals("extract " + archive + ": not a release archive (expected: a zstd, gzip or tar stream; it starts with c3bd377a)",
                e.getMessage());
        assertEquals(2, e.exitCode(), "bad input, as an entry that leaves the release");
    }

    @Test
    void anEntryThatHoldsLessThanItsHeaderSaysIsRefused() throws Exception {
        byte[] tar = tarFixture().file("a", 100_000).tarBytes();
        // the header says 100000 bytes; cut the data and the end-of-archive blocks to 20000
        Path archive = Files.write(tmp.resolve("short.tar"), Arrays.copyOf(tar, 512 + 20_000));
        Path target = tmp.resolve("out/v1");
        Files.createDirectories(target.getParent());
        MurderException e = assertThrows(MurderException.class, () -> new SafeExtractor().extract(archive, target));
        assertTrue(e.getMessage().startsWith("extract " + archive + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("'a'") && e.getMessage().contains("100000"), e.getMessage());
        assertEquals(Set.of(), names(target.getParent()));
    }

    @Test
    void anExistingTargetIsNeverReplaced() throws Exception {
        Path archive = tarFixture().file("a", "new").write(tmp.resolve("v1.tar.gz"));
        Path target = Files.createDirectories(tmp.resolve("v1"));
        MurderException e = assertThrows(MurderException.class, () -> new SafeExtractor().extract(archive, target));
        assertEquals(target + ": already exists (expected: a new directory)", e.getMessage());
        assertEquals(Set.of("v1", "v1.tar.gz"), names(tmp));
    }

    @Test
    void aTargetThroughALinkAndDotDotIsWhereTheKernelPutsIt() throws Exception {
        Path archive = tarFixture().file("a", "new").write(tmp.resolve("v1.tar.gz"));
        Path real = Files.createDirectories(tmp.resolve("srv/releases"));
        Path links = Files.createDirectories(tmp.resolve("links"));
        Files.createSymbolicLink(links.resolve("rel"), real);
        Files.createDirectory(links.resolve("v1")); // what links/rel/../v1 is as text; open(2) follows rel first: srv/v1
        SafeExtractor.Extracted done = new SafeExtractor().extract(archive, links.resolve("rel/../v1"));
        assertEquals(tmp.resolve("srv/v1").toRealPath(), done.directory().toRealPath());
        assertEquals("new", Files.readString(tmp.resolve("srv/v1/a")));
        assertEquals(Set.of("rel", "v1"), names(links), "nothing beside the link's directory");
        assertEquals(Set.of(), names(links.resolve("v1")));
        assertEquals(Set.of("releases", "v1"), names(tmp.resolve("srv")), "no partial directory left");
    }

    @Test
    void aTargetThatNamesNoNewDirectoryIsBadUsage() throws Exception {
        Path archive = tarFixture().file("a", "new").write(tmp.resolve("v1.tar.gz"));
        Path out = Files.createDirectories(tmp.resolve("out/x"));
        for (Path target : List.of(out.resolve(".."), out.resolve("."))) {
            MurderException e = assertThrows(MurderException.class, () -> new SafeExtractor().extract(archive, target));
            assertEquals(target + ": names no new directory (expected: DIR, the path of a directory to create)", e.getMessage());
            assertEquals(2, e.exitCode());
        }
        assertEquals(Set.of("x"), names(tmp.resolve("out")));
        assertEquals(Set.of(), names(out));
    }

    @Test
    void limitsAreValidated() {
        assertEquals("maxBytes: -1 (expected: 0 or more)",
                assertThrows(MurderException.class, () -> new SafeExtractor.Limits(-1, 1)).getMessage());
        assertEquals("maxEntries: 0 (expected: 1 or more)",
                assertThrows(MurderException.class, () -> new SafeExtractor.Limits(1, 0)).getMessage());
    }

    static String perms(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    static Set<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toCollection(TreeSet::new));
        }
    }

    /** Every path under {@code root} (links not followed), relative. */
    static Set<String> tree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.map(p -> root.relativize(p).toString()).collect(java.util.stream.Collectors.toCollection(TreeSet::new));
        }
    }

    @Test
    void aDirectoryEntryWithoutItsOwnersXStaysEnterable() throws Exception {
        FileTime old = FileTime.fromMillis(0);
        Path archive = tarFixture().dir(".", 0644, old).dir("conf/", 0600, old).file("conf/app.conf", "x").dir("ro", 0555, old)
                .write(tmp.resolve("v1.tar.gz"), 1);
        Path target = tmp.resolve("out/v1");
        Files.createDirectories(target.getParent());
        new SafeExtractor().extract(archive, target);
        assertEquals("rwxr--r--", perms(target), "the '.' entry's 0644, and r-x for its owner");
        assertEquals("rwx------", perms(target.resolve("conf")));
        assertEquals("r-xr-xr-x", perms(target.resolve("ro")), "read-only stays read-only");
        assertEquals("x", Files.readString(target.resolve("conf/app.conf")));
    }

    @Test
    void namesWithControlCharactersAndAMissingParentAreRefused() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("out"));
        Path archive = tarFixture().file("ok", "x").file("red\u001b[31m\nFAKE line\r", "x").write(tmp.resolve("v1.tar.gz"), 1);
        MurderException e = assertThrows(MurderException.class, () -> new SafeExtractor().extract(archive, out.resolve("v1")));
        assertEquals(archive + ": entry 'red\\x1b[31m\\x0aFAKE line\\x0d': control characters in the name (expected: a name without"
                + " control or bidi characters)", e.getMessage());
        assertEquals(2, e.exitCode());
        assertEquals(Set.of(), names(out), "nothing left of a partial release");

        Path link = tarFixture().file("a", "a").symlink("l", "a\u001b[2J").write(tmp.resolve("link.tar.gz"), 1);
        assertEquals(link + ": entry 'l': symbolic link to 'a\\x1b[2J' has control or bidi characters (expected: a relative target"
                + " inside the release)", assertThrows(MurderException.class, () -> new SafeExtractor().extract(link, out.resolve("v2")))
                        .getMessage());
        Path good = tarFixture().file("a", "a").write(tmp.resolve("good.tar.gz"), 1);
        MurderException missing = assertThrows(MurderException.class,
                () -> new SafeExtractor().extract(good, tmp.resolve("no/such/v1")));
        assertEquals(tmp.resolve("no/such/v1") + ": no directory " + tmp.resolve("no/such") + " to unpack in (expected: DIR in an existing"
                + " directory)", missing.getMessage());
        assertEquals(2, missing.exitCode());
    }

    @Test
    void aDirectoryOnAReadOnlyFileSystemIsBadInputBeforeAnythingIsRead() throws Exception {
        // the operator's choice of DIR, as peer's DEST is: exit 2, not a failure half-way (exit 1)
        try (Tmpfs fs = Tmpfs.mount(tmp.resolve("ro"), "ro,size=64k")) {
            Path ro = fs.dir();
            Path good = tarFixture().file("a", "a").write(tmp.resolve("good.tar.gz"), 1);
            MurderException e = assertThrows(MurderException.class, () -> new SafeExtractor().extract(good, ro.resolve("v1")));
            assertEquals(ro.resolve("v1") + ": cannot write in " + ro + ", a read-only file system (expected: DIR in a directory this"
                    + " user can write)", e.getMessage());
            assertEquals(2, e.exitCode());
        }
    }

    @Test
    void aFullFileSystemNamesTheEntryAndLeavesNothingBehind() throws Exception {
        try (Tmpfs fs = Tmpfs.mount(tmp.resolve("small"), "size=256k")) {
            Path small = fs.dir();
            Path archive = tarFixture().file("small.txt", "fits").file("big.bin", 1 << 20).write(tmp.resolve("big.tar.gz"));
            MurderException e = assertThrows(MurderException.class, () -> new SafeExtractor().extract(archive, small.resolve("v1")));
            assertTrue(e.getMessage().startsWith("extract " + archive + ": write entry 'big.bin' after "), e.getMessage());
            assertTrue(e.getMessage().contains(" of its 1048576 bytes ("), e.getMessage());
            assertTrue(e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("no space left on device"), e.getMessage());
            assertEquals(1, e.exitCode());
            try (var left = Files.list(small)) {
                assertEquals(List.of(), left.toList(), "nothing left beside the target");
            }
        }
    }

    /** GNU tar's -S in its default formats (entry type 'S'), and the POSIX ones: the file comes back whole, its holes as zeros. */
    @ParameterizedTest
    @ValueSource(strings = {"gnu", "oldgnu", "posix"})
    void aSparseFileFromGnuTarIsUnpackedWhole(String format) throws Exception {
        Path src = tmp.resolve("sparse-src-" + format);
        Files.createDirectories(src);
        byte[] expected = new byte[3 << 20];
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(src.resolve("hole"),
                java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap("start".getBytes()), 0);
            ch.write(java.nio.ByteBuffer.wrap("end".getBytes()), expected.length - 3);
        }
        System.arraycopy("start".getBytes(), 0, expected, 0, 5);
        System.arraycopy("end".getBytes(), 0, expected, expected.length - 3, 3);
        Path archive = tmp.resolve("sparse-" + format + ".tar");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/tar")), "GNU tar at /bin/tar");
        Process tar = new ProcessBuilder("/bin/tar", "--format=" + format, "-S", "-cf", archive.toString(), "-C", src.toString(), ".")
                .redirectErrorStream(true).start();
        String said = new String(tar.getInputStream().readAllBytes());
        assertEquals(0, tar.waitFor(), said);
        boolean sparse = false; // what the test is about: tar found the hole and wrote a sparse entry
        try (org.apache.commons.compress.archivers.tar.TarArchiveInputStream in = new org.apache.commons.compress.archivers.tar
                .TarArchiveInputStream(Files.newInputStream(archive))) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                sparse |= e.getName().endsWith("hole") && e.isSparse();
            }
        }
        assertTrue(sparse, "a sparse entry in the " + format + " archive");
        Path out = tmp.resolve("sparse-out-" + format);
        new SafeExtractor().extract(archive, out);
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected, Files.readAllBytes(out.resolve("hole")));
    }

    /** A link's text as the archive has it: a trailing slash and a doubled one kept (a Java path drops both). */
    @Test
    void aLinksTextIsKeptAsTheArchiveHasIt() throws Exception {
        Path archive = tarFixture().file("a.txt", "x").dir("sub").file("sub/f", "y").symlink("slash", "a.txt/")
                .symlink("double", "sub//f").symlink("plain", "sub/f").symlink("dash", "-n//x").write(tmp.resolve("links.tar.gz"));
        Path out = tmp.resolve("links-out");
        new SafeExtractor().extract(archive, out);
        assertEquals("a.txt/", Files.readSymbolicLink(out.resolve("slash")).toString());
        assertEquals("sub//f", Files.readSymbolicLink(out.resolve("double")).toString());
        assertEquals("sub/f", Files.readSymbolicLink(out.resolve("plain")).toString());
        assertEquals("-n//x", Files.readSymbolicLink(out.resolve("dash")).toString(), "a text like an option stays a target");
        assertEquals("y", Files.readString(out.resolve("double")));
    }
}
