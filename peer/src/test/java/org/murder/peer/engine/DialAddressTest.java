package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.PortRange;
import org.murder.peer.storage.Storage;

/** An engine listening on one address dials from it too: peers, bans and rate limits see the address the tracker gave. */
@Timeout(30)
class DialAddressTest {
    @TempDir
    Path tmp;

    @Test
    void anEngineBoundToOneAddressDialsFromIt() throws Exception {
        InetAddress own = InetAddress.getByName("127.0.0.3");
        InetAddress other = InetAddress.getByName("127.0.0.2");
        TorrentFixture t = TorrentFixture.create(tmp.resolve("src"), "r.bin", 64 * 1024, 16 * 1024, List.of(), 1);
        try (ServerSocket listener = new ServerSocket(0, 5, other);
                Engine engine = Engine.start(EngineConfig.builder().portRange(new PortRange(44100, 44199)).bindAddress(own)
                        .build(), Clock.systemUTC())) {
            listener.setSoTimeout(20_000);
            Torrent download = engine.add(t.meta(), Storage.forDownload(t.meta(), Files.createDirectories(tmp.resolve("dl"))),
                    SessionOptions.download(Optional.empty(), Optional.empty()), SessionListener.NONE);
            download.addPeers(List.of(new InetSocketAddress(other, listener.getLocalPort())));
            try (Socket dialled = listener.accept()) {
                assertEquals(own, dialled.getInetAddress(), "the connection comes from the engine's own address");
            }
        }
    }

    @Test
    void enginesOnTwoAddressesOfOneMachineWithTheSamePortAreNotEachOther() throws Exception {
        TorrentFixture t = TorrentFixture.create(tmp.resolve("src"), "r.bin", 256 * 1024, 16 * 1024, List.of(), 2);
        PortRange ports = new PortRange(44200, 44299);
        try (Engine seeder = Engine.start(EngineConfig.builder().portRange(ports).bindAddress(InetAddress.getByName("127.0.0.4"))
                        .build(), Clock.systemUTC());
                Engine leecher = Engine.start(EngineConfig.builder().portRange(ports).bindAddress(InetAddress.getByName("127.0.0.5"))
                        .build(), Clock.systemUTC())) {
            assertEquals(seeder.port(), leecher.port(), "the same port, on two addresses");
            seeder.add(t.meta(), Storage.forSeeding(t.meta(), t.file()), SessionOptions.seedForever(), SessionListener.NONE)
                    .completed().get(20, java.util.concurrent.TimeUnit.SECONDS); // checked and seeding before anyone dials it
            Torrent download = leecher.add(t.meta(), Storage.forDownload(t.meta(), Files.createDirectories(tmp.resolve("dl"))),
                    SessionOptions.download(Optional.empty(), Optional.empty()), SessionListener.NONE);
            download.addPeers(List.of(new InetSocketAddress("127.0.0.4", seeder.port())));
            download.completed().get(20, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(t.meta().totalLength(), download.snapshot().verified());
        }
    }
}
