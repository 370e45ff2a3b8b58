package org.murder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A peer's direct memory is capped (256 MiB, bin/murder), and checking pieces took a buffer of a piece per hashing thread,
 * a thread per core: a 16-core host with 16 MiB pieces (or 64 cores with 4 MiB) could not check a file at all ("Cannot
 * reserve 16777216 bytes of direct buffer memory"). Run through the launcher as a 16-core host (the JVM told so).
 */
@Timeout(180)
class DirectMemoryIT {
    @TempDir
    Path tmp;

    private Process run(Path log, String... args) throws Exception {
        List<String> argv = new java.util.ArrayList<>(List.of(MurderProcess.LAUNCHER.toString()));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("MURDER_JAVA_OPTS", "-XX:ActiveProcessorCount=16");
        pb.environment().put("MURDER_CONF", Files.writeString(tmp.resolve("murder.conf"), "").toString());
        return pb.start();
    }

    @Test
    void aSixteenCoreHostChecksAFileOfSixteenMebibytePieces() throws Exception {
        Path file = tmp.resolve("big.bin");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(300L << 20); // sparse: reading it costs no disk
        }
        Path torrent = tmp.resolve("big.torrent");
        Process make = run(tmp.resolve("make.log"), "make-torrent", file.toString(), "--tracker", "http://127.0.0.1:1/announce",
                "--piece-size", "16MiB", "-o", torrent.toString());
        assertTrue(make.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, make.exitValue(), Files.readString(tmp.resolve("make.log")));
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        try (RandomAccessFile f = new RandomAccessFile(dest.resolve("big.bin").toFile(), "rw")) {
            f.setLength(300L << 20); // already here: checked before anything is downloaded
        }
        Path log = tmp.resolve("peer.log");
        Process peer = run(log, "peer", torrent.toString(), dest.toString(), "--seed-time", "0", "--bind", "127.0.0.1",
                "--port-range", "47310-47319");
        assertTrue(peer.waitFor(120, TimeUnit.SECONDS));
        String text = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, peer.exitValue(), text);
        assertTrue(text.contains("19 of 19 pieces already good"), text);
    }
}
