package org.murder.maker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
}
