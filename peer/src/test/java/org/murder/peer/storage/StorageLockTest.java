package org.murder.peer.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.MurderException;
import org.murder.core.metainfo.MetaInfo;

/**
 * Two downloads into one directory: the second is refused while another process (a second murder peer) holds the
 * {@code .part}. They wrote one {@code .part} together before.
 */
@Timeout(60)
class StorageLockTest {
    @TempDir
    Path tmp;

    private static MetaInfo single(String name, int length) {
        int hashes = (length + 16383) / 16384;
        return MetaInfo.parse(("d4:infod6:lengthi" + length + "e4:name" + name.length() + ":" + name + "12:piece lengthi16384e6:pieces"
                + hashes * 20 + ":" + "x".repeat(hashes * 20) + "ee").getBytes(StandardCharsets.US_ASCII));
    }

    /** In one process (an agent's job started again while its last session still closes): not refused. */
    @Test
    void aSecondDownloadInTheSameProcessGoesOn() throws Exception {
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        Storage first = Storage.forDownload(single("rel.bin", 10_000), dest);
        Storage second = Storage.forDownload(single("rel.bin", 10_000), dest);
        second.close();
        first.close();
    }

    @Test
    void aPartLockedByAnotherProcessIsRefused() throws Exception {
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        Path part = dest.resolve("rel.bin.part");
        Files.write(part, new byte[10_000]);
        // another process holds the lock (fcntl, as a second murder peer's JVM takes it)
        Process holder = new ProcessBuilder("python3", "-c", "import fcntl,sys\nf=open(sys.argv[1],'r+b')\nfcntl.lockf(f,fcntl.LOCK_EX)\n"
                + "print('locked',flush=True)\nsys.stdin.read()", part.toString()).start();
        try {
            BufferedReader said = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("locked", said.readLine());
            // another release of the same name, twice the size
            MurderException e = assertThrows(MurderException.class, () -> Storage.forDownload(single("rel.bin", 20_000), dest));
            assertEquals(MurderException.FAILURE, e.exitCode(), e.getMessage());
            assertTrue(e.getMessage().startsWith(part + ": another process is downloading into it"), e.getMessage());
            assertEquals(10_000, Files.size(part), "not resized under the other download");
        } finally {
            holder.getOutputStream().close();
            assertTrue(holder.waitFor(10, TimeUnit.SECONDS));
        }
        Storage s = Storage.forDownload(single("rel.bin", 10_000), dest);
        assertFalse(s.currentPaths().isEmpty());
        s.close();
    }
}
