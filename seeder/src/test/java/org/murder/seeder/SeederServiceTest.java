package org.murder.seeder;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.PortRange;
import org.murder.peer.engine.Engine;
import org.murder.peer.engine.EngineConfig;

class SeederServiceTest {
    @TempDir
    Path dir;

    @Test
    void aBadTorrentIsWarnedOfOnceUntilItChanges() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.torrent"), "not bencode");
        Files.setLastModifiedTime(bad, FileTime.fromMillis(1_000_000_000L)); // older than the directory: the case that repeated
        EngineConfig config = EngineConfig.builder().portRange(new PortRange(45100, 45199))
                .bindAddress(java.net.InetAddress.getLoopbackAddress()).build();
        try (Engine engine = Engine.start(config, Clock.systemUTC()); SeederService service = new SeederService(engine, dir)) {
            service.scan();
            service.scan();
            service.scan();
            assertEquals(1, service.warnings(), "warned of once, not every scan");
            assertEquals(0, service.seeding());
            Files.writeString(bad, "still not bencode, and longer");
            Files.setLastModifiedTime(bad, FileTime.fromMillis(2_000_000_000_000L)); // replaced: read again, a new reason
            service.scan();
            service.scan();
            assertEquals(2, service.warnings());
        }
    }

    /** A multi-file torrent refused for a file that does not match is tried again once that file is mended in place. */
    @Test
    void aRefusedMultiFileTorrentIsTriedAgainWhenOneOfItsFilesChanges() throws Exception {
        Files.createDirectories(dir.resolve("mf/sub"));
        byte[] good = new byte[30_000];
        new java.util.Random(3).nextBytes(good);
        Files.write(dir.resolve("mf/x"), new byte[40_000]);
        Path y = Files.write(dir.resolve("mf/sub/y"), good);
        Process mk = new ProcessBuilder("mktorrent", "-a", "http://127.0.0.1:1/announce", "-l", "15", "-o",
                dir.resolve("mf.torrent").toString(), dir.resolve("mf").toString()).redirectErrorStream(true).start();
        String said = new String(mk.getInputStream().readAllBytes());
        assertEquals(0, mk.waitFor(), said);
        Files.write(y, new byte[30_000]); // other bytes, the same size: its pieces fail the seed's check
        EngineConfig config = EngineConfig.builder().portRange(new PortRange(45200, 45299))
                .bindAddress(java.net.InetAddress.getLoopbackAddress()).build();
        try (Engine engine = Engine.start(config, Clock.systemUTC()); SeederService service = new SeederService(engine, dir)) {
            service.scan();
            long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            while (service.seeding() > 0 && System.nanoTime() < until) { // bounded: the seed's check fails in milliseconds
                Thread.sleep(20);
            }
            assertEquals(0, service.seeding(), "refused: its file does not match");
            service.scan();
            assertEquals(0, service.seeding(), "not tried again while nothing changed");
            Files.write(y, good); // mended in place: the directories' times stay as they were
            service.scan();
            assertEquals(1, service.seeding(), "tried again");
        }
    }

    /** A multi-file torrent's files are below DIR/NAME: they were looked for below DIR/NAME/NAME. mktorrent makes the torrent. */
    @Test
    void aMultiFileTorrentIsSeededFromItsDirectory() throws Exception {
        Files.createDirectories(dir.resolve("mf/sub"));
        Files.write(dir.resolve("mf/x"), new byte[40_000]);
        Files.write(dir.resolve("mf/sub/y"), new byte[30_000]);
        Process mk = new ProcessBuilder("mktorrent", "-a", "http://127.0.0.1:1/announce", "-l", "15", "-o",
                dir.resolve("mf.torrent").toString(), dir.resolve("mf").toString()).redirectErrorStream(true).start();
        String said = new String(mk.getInputStream().readAllBytes());
        assertEquals(0, mk.waitFor(), said);
        EngineConfig config = EngineConfig.builder().portRange(new PortRange(45200, 45299))
                .bindAddress(java.net.InetAddress.getLoopbackAddress()).build();
        try (Engine engine = Engine.start(config, Clock.systemUTC()); SeederService service = new SeederService(engine, dir)) {
            service.scan();
            assertEquals(0, service.warnings());
            assertEquals(1, service.seeding());
        }
    }
}
