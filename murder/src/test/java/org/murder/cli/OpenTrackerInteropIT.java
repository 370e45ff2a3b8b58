package org.murder.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.PortRange;
import org.murder.core.metainfo.MetaInfo;
import org.murder.peer.engine.Engine;
import org.murder.peer.engine.EngineConfig;
import org.murder.peer.engine.SessionListener;
import org.murder.peer.engine.SessionOptions;
import org.murder.peer.storage.Storage;
import org.murder.testkit.FreePorts;

/**
 * Our engine behind another tracker: opentracker (Debian's, built in whitelist mode) hands a murder
 * seed to a murder downloader on loopback, with the torrent from {@code murder make-torrent}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OpenTrackerInteropIT {
    @TempDir
    Path tmp;

    @Test
    void murderDownloadsFromMurderThroughOpentracker() throws Exception {
        ExternalTools.require("opentracker", "opentracker");
        int port = FreePorts.next();
        Path seedDir = Files.createDirectories(tmp.resolve("seed"));
        byte[] data = new byte[3 * 1024 * 1024 + 17];
        new Random(11).nextBytes(data);
        Files.write(seedDir.resolve("release.bin"), data);
        Path torrent = tmp.resolve("release.torrent");
        CliRun made = CliRun.of("make-torrent", seedDir.resolve("release.bin").toString(), "--tracker",
                "http://127.0.0.1:" + port + "/announce", "--out", torrent.toString());
        assertEquals(0, made.exitCode(), made.err());
        MetaInfo meta = MetaInfo.read(torrent);
        // opentracker run as root reads its whitelist after it dropped to nobody: the test's directory must let it
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(tmp.resolve("whitelist"), meta.infoHash().toHex() + "\n");
        Files.writeString(tmp.resolve("opentracker.conf"), "listen.tcp 127.0.0.1:" + port + "\naccess.whitelist "
                + tmp.resolve("whitelist") + "\n");
        Process tracker = new ProcessBuilder("opentracker", "-f", tmp.resolve("opentracker.conf").toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("opentracker.log").toFile()).start();
        // opentracker takes a peer's address from its connection (not ip=), and our announces leave from 127.0.0.1
        try (Engine seed = engine("127.0.0.1"); Engine leech = engine("127.0.0.3")) {
            seed.add(meta, Storage.forSeeding(meta, seedDir.resolve("release.bin")), SessionOptions.seedForever(),
                    SessionListener.NONE).completed().get(30, TimeUnit.SECONDS);
            Path dest = Files.createDirectories(tmp.resolve("leech"));
            String md5 = Files.readString(tmp.resolve("release.md5")).split(" ")[0];
            // the first announces may reach opentracker before it listens: the engines announce again
            leech.add(meta, Storage.forDownload(meta, dest), SessionOptions.download(Optional.of(md5), Optional.empty()),
                    SessionListener.NONE).completed().get(90, TimeUnit.SECONDS);
            assertArrayEquals(data, Files.readAllBytes(dest.resolve("release.bin")));
        } finally {
            tracker.destroyForcibly();
        }
    }

    private static Engine engine(String address) throws Exception {
        return Engine.start(EngineConfig.builder().portRange(new PortRange(44000, 44999)).bindAddress(InetAddress.getByName(address))
                .announceIp(address).build(), Clock.systemUTC());
    }
}
