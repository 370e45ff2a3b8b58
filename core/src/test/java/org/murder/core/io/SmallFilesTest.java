package org.murder.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.MurderException;

/** What murder reads whole is a bounded regular UTF-8 file: nothing blocks, nothing fills the heap. */
class SmallFilesTest {
    @TempDir
    Path tmp;

    @Test
    void readsARegularFileAndRefusesTheRestInOneLine() throws Exception {
        assertEquals("a = 1\n", SmallFiles.read(Files.writeString(tmp.resolve("ok.conf"), "a = 1\n"), 100, "murder.conf"));
        assertThrows(NoSuchFileException.class, () -> SmallFiles.read(tmp.resolve("missing"), 100, "x"));
        assertEquals("", SmallFiles.read(Path.of("/dev/null"), 100, "MURDER_CONF"), "MURDER_CONF=/dev/null: no settings");

        Path fifo = tmp.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        MurderException e = assertThrows(MurderException.class, () -> SmallFiles.read(fifo, 100, "MURDER_CONF"));
        assertEquals("MURDER_CONF " + fifo + ": not a regular file (expected: a text file)", e.getMessage());
        assertEquals(2, e.exitCode());
        assertEquals("--zk-auth-file /dev/zero: not a regular file (expected: a text file)",
                assertThrows(MurderException.class, () -> SmallFiles.read(Path.of("/dev/zero"), 100, "--zk-auth-file")).getMessage());
        assertEquals("history " + tmp + ": a directory (expected: a text file)",
                assertThrows(MurderException.class, () -> SmallFiles.read(tmp, 100, "history")).getMessage());

        Path big = Files.write(tmp.resolve("big"), new byte[101]);
        assertEquals("x " + big + ": more than 100 B (expected: a text file of at most 100 B)",
                assertThrows(MurderException.class, () -> SmallFiles.read(big, 100, "x")).getMessage());
        Path latin1 = Files.write(tmp.resolve("latin1"), new byte[] {'a', (byte) 0xe9, '\n'});
        assertEquals("x " + latin1 + ": not UTF-8 text (expected: a text file)",
                assertThrows(MurderException.class, () -> SmallFiles.read(latin1, 100, "x")).getMessage());
    }
}
