package org.murder.maker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.progress.Progress;

class ReleasePackerTest {
    @TempDir
    Path tmp;

    /** 1,500 levels: a legal path (3,000 characters) that overflowed the stack of a recursive listing. */
    @Test
    void aTreeThousandsOfDirectoriesDeepIsListed() throws Exception {
        Path dir = tmp.resolve("src");
        Path deepest = dir;
        for (int i = 0; i < 1500; i++) {
            deepest = deepest.resolve("d");
        }
        Files.createDirectories(deepest);
        Files.writeString(deepest.resolve("f"), "x");

        List<PackEntry> entries = new ReleasePacker(dir, List.of()).scan();

        assertEquals(1501, entries.size());
        assertEquals("d/".repeat(1500) + "f", entries.get(entries.size() - 1).name());
    }

    @Test
    void aFileSwappedAfterTheListingIsNamedAndNeverReadThroughALink(@TempDir Path dir) throws Exception {
        // packing as root a tree another user can write: a file swapped for a link to a secret would ship the secret
        Path src = Files.createDirectories(dir.resolve("src"));
        Path secret = Files.writeString(dir.resolve("secret"), "the-secret-bytes");
        Path app = Files.writeString(src.resolve("app.conf"), "0123456789abcdef"); // as long as the secret
        List<PackEntry> entries = new ReleasePacker(src, List.of()).scan();
        Files.delete(app);
        Files.createSymbolicLink(app, secret);
        org.junit.jupiter.api.Assertions.assertFalse(refused(entries, app, "now a symbolic link").contains("the-secret"),
                "the link was not followed");

        Files.delete(app);
        Files.createDirectory(app);
        refused(entries, app, "now a directory");

        Files.delete(app);
        new ProcessBuilder("mkfifo", app.toString()).start().waitFor(); // would block the open for ever
        refused(entries, app, "now a special file (a FIFO, socket or device)");
    }

    @Test
    void aDirectorySwappedForALinkAfterTheListingIsNeverReadThrough(@TempDir Path dir) throws Exception {
        // a link anywhere on the path, not only the file itself (openat one level at a time, O_NOFOLLOW)
        Path src = Files.createDirectories(dir.resolve("src/zz/sub"));
        Files.writeString(src.resolve("x"), "public\n");
        Path elsewhere = Files.createDirectories(dir.resolve("secretdir"));
        Files.writeString(elsewhere.resolve("x"), "SECRET\n"); // as long as the listed file
        List<PackEntry> entries = new ReleasePacker(dir.resolve("src"), List.of()).scan();
        Files.move(src, dir.resolve("sub.orig"));
        Files.createSymbolicLink(src, elsewhere);
        org.junit.jupiter.api.Assertions.assertFalse(refused(entries, src, "now a symbolic link").contains("SECRET"));
    }

    /** Packs {@code entries}, which must fail naming {@code path} as {@code now}; what was written of the archive. */
    private static String refused(List<PackEntry> entries, Path path, String now) {
        java.io.ByteArrayOutputStream tar = new java.io.ByteArrayOutputStream();
        java.nio.file.FileSystemException e = org.junit.jupiter.api.Assertions.assertThrows(java.nio.file.FileSystemException.class,
                () -> ReleasePacker.writeTar(entries, tar, Progress.NONE));
        assertEquals(path + ": " + now + " (expected: the file listed when packing began; the release changed while it was packed)",
                e.getMessage());
        return tar.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    @Test
    void linksThatAgentsWouldRefuseAreRefusedWhenPacking(@TempDir Path dir) throws Exception {
        Path src = Files.createDirectories(dir.resolve("src/lib"));
        Files.writeString(src.resolve("data.bin"), "x");
        Files.createSymbolicLink(src.resolve("current"), Path.of("data.bin"));
        Files.createSymbolicLink(src.resolve("up"), Path.of("../lib/data.bin")); // leaves lib, stays in the release
        assertEquals(4, new ReleasePacker(dir.resolve("src"), List.of()).scan().size()); // lib/ and its three

        Path pw = Files.createSymbolicLink(src.resolve("pw"), Path.of("/etc/passwd"));
        org.murder.core.MurderException e = org.junit.jupiter.api.Assertions.assertThrows(org.murder.core.MurderException.class,
                () -> new ReleasePacker(dir.resolve("src"), List.of()).scan());
        assertEquals(pw + ": symbolic link to '/etc/passwd' is absolute (expected: a relative target inside the release;"
                + " agents refuse to unpack it)", e.getMessage());
        assertEquals(2, e.exitCode());
        Files.delete(pw);
        Path out = Files.createSymbolicLink(src.resolve("out"), Path.of("../../outside"));
        assertEquals(out + ": symbolic link to '../../outside' leaves the release (expected: a relative target inside the release;"
                + " agents refuse to unpack it)", org.junit.jupiter.api.Assertions.assertThrows(org.murder.core.MurderException.class,
                        () -> new ReleasePacker(dir.resolve("src"), List.of()).scan()).getMessage());
    }

    @Test
    void linksThatLeaveOrLoopOnlyThroughOtherLinksAreRefusedAsAgentsWould(@TempDir Path dir) throws Exception {
        Path src = Files.createDirectories(dir.resolve("src/a"));
        Files.writeString(src.resolve("f"), "x");
        Files.createSymbolicLink(src.resolve("in"), Path.of("l/f")); // a/l -> . below: a/in leads to a/f
        Path dot = Files.createSymbolicLink(src.resolve("l"), Path.of("."));
        assertEquals(4, new ReleasePacker(dir.resolve("src"), List.of()).scan().size(), "through a link, still inside");

        // each link's text stays inside; together a/m leads out: a/l is '..', so a/m -> l/.. is the release's parent
        Files.delete(dot);
        Files.createSymbolicLink(src.resolve("l"), Path.of(".."));
        Path m = Files.createSymbolicLink(src.resolve("m"), Path.of("l/.."));
        assertEquals(m + ": symbolic link to 'l/..' leaves the release through other links (expected: a relative target inside the"
                + " release; agents refuse to unpack it)", org.junit.jupiter.api.Assertions.assertThrows(
                        org.murder.core.MurderException.class, () -> new ReleasePacker(dir.resolve("src"), List.of()).scan()).getMessage());
        Files.delete(m);
        Files.delete(src.resolve("in"));
        Files.delete(src.resolve("l"));

        Path l1 = Files.createSymbolicLink(src.resolve("l1"), Path.of("l2"));
        Files.createSymbolicLink(src.resolve("l2"), Path.of("l1"));
        org.murder.core.MurderException loop = org.junit.jupiter.api.Assertions.assertThrows(org.murder.core.MurderException.class,
                () -> new ReleasePacker(dir.resolve("src"), List.of()).scan());
        assertEquals(l1 + ": symbolic link to 'l2' loops through more than 40 links (expected: a relative target inside the release;"
                + " agents refuse to unpack it)", loop.getMessage());
        assertEquals(2, loop.exitCode());
    }

    @Test
    void namesAgentsWouldRefuseAreRefusedWhenPacking(@TempDir Path dir) throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("ok.txt"), "x");
        Path bad = Files.writeString(src.resolve("Icon\r"), "x");
        org.murder.core.MurderException e = org.junit.jupiter.api.Assertions.assertThrows(org.murder.core.MurderException.class,
                () -> new ReleasePacker(src, List.of()).scan());
        assertEquals(dir.resolve("src") + "/Icon\\x0d: control or bidi characters in the name (expected: names agents can unpack;"
                + " rename it, or leave it out with make-torrent --exclude)", e.getMessage());
        assertEquals(1, new ReleasePacker(src, List.of("Icon*")).scan().size(), "--exclude leaves it out");
        Files.delete(bad);
    }

    @Test
    void namesThatAreNotUtf8AndLinkTargetsAgentsWouldRefuseAreRefusedWhenPacking(@TempDir Path dir) throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("f"), "x");
        // two names of bytes that are not UTF-8: both read as x\uFFFD, and would pack as one
        Process made = new ProcessBuilder("python3", "-c", "import sys; [open(sys.argv[1].encode() + b'/x' + bytes([b]), 'w').close()"
                + " for b in (0xfe, 0xff)]", src.toString()).start();
        assertEquals(0, made.waitFor());
        org.murder.core.MurderException e = org.junit.jupiter.api.Assertions.assertThrows(org.murder.core.MurderException.class,
                () -> new ReleasePacker(src, List.of()).scan());
        assertTrue(e.getMessage().matches(java.util.regex.Pattern.quote(src + "/x\\x") + "f[ef]" + java.util.regex.Pattern.quote(
                ": the name is not UTF-8 (expected: UTF-8 names; rename it, or leave it out with make-torrent --exclude)")),
                e.getMessage()); // its bytes, so that it can be found
        assertEquals(2, e.exitCode());
        assertEquals(1, new ReleasePacker(src, List.of("x*")).scan().size(), "--exclude leaves them out");

        Path escape = Files.createSymbolicLink(dir.resolve("src/esc"), Path.of("f\u001b[31m"));
        e = org.junit.jupiter.api.Assertions.assertThrows(org.murder.core.MurderException.class,
                () -> new ReleasePacker(src, List.of("x*")).scan());
        assertEquals(escape + ": symbolic link to 'f\\x1b[31m': control, bidi or unreadable characters in the target (expected: a"
                + " target agents can unpack)", e.getMessage());
    }

    /** A file still being written while it is packed: refused, not shipped cut at the size it had when listed. */
    @Test
    void aFileThatGrowsWhileItIsPackedIsRefused(@TempDir Path dir) throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Path growing = Files.write(src.resolve("build.log"), new byte[100_000]);
        List<PackEntry> entries = new ReleasePacker(src, List.of()).scan();
        Progress appendsOnce = onFirstAdvance(() -> Files.write(growing, new byte[10], java.nio.file.StandardOpenOption.APPEND));
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> ReleasePacker.writeTar(entries, java.io.OutputStream.nullOutputStream(), appendsOnce));
        assertEquals(growing + " grew beyond 100000 bytes while packing (expected: a release that does not change while it is packed:"
                + " stop what writes it, or pack a copy)", e.getMessage());
    }

    /**
     * A file written in place while it is packed, its size unchanged: refused (as tar's "file changed as we
     * read it"), not shipped as part old and part new bytes with a valid md5.
     */
    @Test
    void aFileRewrittenInPlaceWhileItIsPackedIsRefused(@TempDir Path dir) throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Path file = Files.write(src.resolve("app.jar"), new byte[300_000]);
        List<PackEntry> entries = new ReleasePacker(src, List.of()).scan();
        Progress rewritesOnce = onFirstAdvance(() -> {
            // written until its ctime moves past the listing's (file times tick every few milliseconds), bounded
            long deadline = System.nanoTime() + 5_000_000_000L;
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
                do {
                    ch.write(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), 299_990);
                } while (entries.get(0).changed().equals(Files.getAttribute(file, "unix:ctime")) && System.nanoTime() < deadline);
            }
        });
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> ReleasePacker.writeTar(entries, java.io.OutputStream.nullOutputStream(), rewritesOnce));
        assertTrue(e.getMessage().startsWith(file + " was written or changed (its ctime "), e.getMessage());
        assertTrue(e.getMessage().endsWith(") while packing (expected: a release that does not change while it is packed: stop what"
                + " writes it, or pack a copy)"), e.getMessage());
    }

    /** A file of several names is packed once, its other names hard links to the first (as tar writes them). */
    @Test
    void hardLinksArePackedAsLinksNotCopies(@TempDir Path dir) throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.createDirectories(src.resolve("lib"));
        Path data = Files.write(src.resolve("lib/data"), new byte[50_000]);
        Files.createLink(src.resolve("a-link"), data);
        Files.createLink(src.resolve("lib/z-link"), data);
        Files.writeString(src.resolve("lone"), "x");

        List<TarArchiveEntry> read = packAndRead(src);

        assertEquals(List.of("a-link", "lib/", "lib/data", "lib/z-link", "lone"), read.stream().map(TarArchiveEntry::getName).toList());
        assertEquals(50_000, read.get(0).getSize(), "the first name in archive order carries the content");
        assertTrue(read.get(2).isLink());
        assertEquals("a-link", read.get(2).getLinkName());
        assertTrue(read.get(3).isLink());
        assertEquals("a-link", read.get(3).getLinkName());
        assertTrue(read.get(4).isFile());
    }

    /** A directory's sticky bit is kept (a world-writable one without it lets anyone delete others' files); setuid and setgid are not. */
    @Test
    void theStickyBitOfADirectoryIsKeptSetuidAndSetgidAreNot(@TempDir Path dir) throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.createDirectories(src.resolve("shared"));
        Files.setAttribute(src.resolve("shared"), "unix:mode", 01777);
        Path su = Files.writeString(src.resolve("su"), "x");
        Files.setAttribute(su, "unix:mode", 06755);

        List<TarArchiveEntry> read = packAndRead(src);

        assertEquals(01777, read.get(0).getMode() & 07777, read.get(0).getName());
        assertEquals(0755, read.get(1).getMode() & 07777, read.get(1).getName());
    }

    /** What every agent's unpack refuses is refused when packing, before anything is written: a name too long, too much content. */
    @Test
    void whatAgentsWouldRefuseToUnpackIsRefusedWhenPacking(@TempDir Path dir) throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Path deep = src;
        for (int i = 0; i < 13; i++) { // 13 x 251 bytes: over 3072 in all, under the kernel's 4096 with the temp dir's path
            deep = deep.resolve(String.valueOf((char) ('a' + i)).repeat(250));
        }
        Files.createDirectories(deep.getParent());
        Files.writeString(src.resolve("ok"), "x");
        Files.createDirectory(deep);
        org.murder.core.MurderException e = org.junit.jupiter.api.Assertions.assertThrows(org.murder.core.MurderException.class,
                () -> new ReleasePacker(src, List.of()).scan());
        assertTrue(e.getMessage().endsWith(": a name of 3262 bytes (expected: names of at most 255 bytes a component and 3072 in"
                + " all: agents refuse to unpack longer ones)"), e.getMessage());
        assertEquals(2, e.exitCode());

        Path content = Files.createDirectories(dir.resolve("big"));
        try (java.io.RandomAccessFile sparse = new java.io.RandomAccessFile(content.resolve("sparse").toFile(), "rw")) {
            sparse.setLength((256L << 30) + 1); // a hole: no disk used
        }
        e = org.junit.jupiter.api.Assertions.assertThrows(org.murder.core.MurderException.class,
                () -> new ReleasePacker(content, List.of()).scan());
        assertEquals(content + ": 274877906945 bytes of content (expected: at most 274877906944 (256 GiB): agents refuse to unpack"
                + " more)", e.getMessage());
    }

    /** A name that holds U+FFFD itself is UTF-8 and packs; only bytes that are not UTF-8 are refused. */
    @Test
    void aNameWithTheReplacementCharacterItselfPacks(@TempDir Path dir) throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("odd\uFFFDname"), "x");
        assertEquals("odd\uFFFDname", new ReleasePacker(src, List.of()).scan().get(0).name());
    }

    /** What a test does to the tree while it is packed: once, as the first bytes are copied. */
    private interface Meddling {
        void run() throws java.io.IOException;
    }

    private static Progress onFirstAdvance(Meddling meddling) {
        return new Progress() {
            private boolean done;

            @Override
            public void advance(long bytes) {
                if (done) {
                    return;
                }
                done = true;
                try {
                    meddling.run();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }

            @Override
            public void close() {
            }
        };
    }

    private static List<TarArchiveEntry> packAndRead(Path src) throws Exception {
        java.io.ByteArrayOutputStream tar = new java.io.ByteArrayOutputStream();
        ReleasePacker.writeTar(new ReleasePacker(src, List.of()).scan(), tar, Progress.NONE);
        List<TarArchiveEntry> read = new java.util.ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new java.io.ByteArrayInputStream(tar.toByteArray()))) {
            for (TarArchiveEntry t = in.getNextEntry(); t != null; t = in.getNextEntry()) {
                read.add(t);
            }
        }
        return read;
    }

    @org.junit.jupiter.api.Test
    void anExcludeThatIsNoGlobSaysWhatIsWrongInGlobTerms() {
        for (String[] c : new String[][] {{"[", "a '[' not closed"}, {"logs/{a,b", "a '{' not closed"}, {"{a,{b}}", "a '{' inside another"}}) {
            org.murder.core.MurderException e = org.junit.jupiter.api.Assertions.assertThrows(org.murder.core.MurderException.class,
                    () -> new ReleasePacker(Path.of("."), List.of(c[0])));
            org.junit.jupiter.api.Assertions.assertEquals("--exclude '" + c[0] + "': not a glob (" + c[1] + ") (expected: a glob like"
                    + " '*.log', 'tmp/**' or 'logs/[a-c]*', with [ ] and { } closed)", e.getMessage());
        }
    }
}
