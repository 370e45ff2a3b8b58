package org.murder.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Deleting a tree deletes it all, links and unwritable directories included, and nothing a link leads to. */
class FileTreesTest {

    @TempDir
    Path tmp;

    /** A directory outside the tree, holding {@code precious}: what a link may lead to, never to be deleted. */
    private Path victim() throws Exception {
        Path victim = Files.createDirectories(tmp.resolve("victim"));
        Files.writeString(victim.resolve("precious"), "keep me");
        return victim;
    }

    @Test
    void aTreeWithLockedDirectoriesAndLinksIsDeletedAndWhatTheLinksLeadToIsNot() throws Exception {
        Path victim = victim();
        Path tree = Files.createDirectories(tmp.resolve("tree/a/b"));
        Files.writeString(tree.resolve("file"), "x");
        Files.createSymbolicLink(tmp.resolve("tree/a/to-victim"), victim);
        Files.createSymbolicLink(tmp.resolve("tree/a/to-precious"), victim.resolve("precious"));
        Files.createDirectories(tmp.resolve("tree/locked/inner"));
        Files.writeString(tmp.resolve("tree/locked/inner/f"), "y");
        Files.setPosixFilePermissions(tmp.resolve("tree/locked/inner"), PosixFilePermissions.fromString("---------"));
        Files.setPosixFilePermissions(tmp.resolve("tree/locked"), PosixFilePermissions.fromString("r-xr-xr-x"));

        FileTrees.deleteRecursively(tmp.resolve("tree"));

        assertFalse(Files.exists(tmp.resolve("tree"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("keep me", Files.readString(victim.resolve("precious")));
        FileTrees.deleteRecursively(tmp.resolve("tree")); // gone already: nothing to do
    }

    @Test
    void aLinkGivenAsTheRootIsDeletedNotFollowed() throws Exception {
        Path victim = victim();
        Path link = Files.createSymbolicLink(tmp.resolve("link"), victim);
        FileTrees.deleteRecursively(link);
        assertFalse(Files.exists(link, LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.exists(victim.resolve("precious")));
    }

    /**
     * Whoever can write inside a tree swaps one of its directories for a link to elsewhere at the
     * worst moment: after the directory was looked at, before it is gone into (a walk by path opens
     * it by name then, and would delete what the link leads to). The descent is refused instead,
     * and nothing elsewhere is touched.
     */
    @Test
    void aDirectorySwappedForALinkJustBeforeTheDescentLeadsNowhere() throws Exception {
        Path victim = victim();
        Path tree = Files.createDirectories(tmp.resolve("tree/d"));
        Files.writeString(tree.resolve("file"), "x");
        Path aside = tmp.resolve("aside");
        AtomicInteger swapped = new AtomicInteger();
        try (DirectoryStream<Path> open = Files.newDirectoryStream(tmp)) {
            SecureDirectoryStream<Path> top = (SecureDirectoryStream<Path>) open;
            java.io.IOException refused = assertThrows(java.io.IOException.class, () -> FileTrees.deleteChild(top, tmp.resolve("tree"),
                    dir -> {
                        if (dir.equals(tree)) {
                            Files.move(tree, aside);
                            Files.createSymbolicLink(tree, victim);
                            swapped.incrementAndGet();
                        }
                    }));
            assertTrue(refused instanceof java.nio.file.FileSystemException, refused.toString());
        }
        assertEquals(1, swapped.get());
        assertEquals("keep me", Files.readString(victim.resolve("precious")));
        assertTrue(Files.isSymbolicLink(tree), "the link is left where the directory was");
    }
}
