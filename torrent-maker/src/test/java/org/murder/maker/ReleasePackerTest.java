package org.murder.maker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
                + " rename it or --exclude it)", e.getMessage());
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
        assertEquals(src + "/x\uFFFD: the name is not UTF-8 text (expected: UTF-8 names; rename it or --exclude it)", e.getMessage());
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
        Progress appendsOnce = new Progress() {
            private boolean done;

            @Override
            public void advance(long bytes) {
                if (!done) {
                    done = true;
                    try {
                        Files.write(growing, new byte[10], java.nio.file.StandardOpenOption.APPEND);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            }

            @Override
            public void close() {
            }
        };
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> ReleasePacker.writeTar(entries, java.io.OutputStream.nullOutputStream(), appendsOnce));
        assertEquals(growing + " grew beyond 100000 bytes while packing (expected: a release that does not change while it is packed)",
                e.getMessage());
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
