package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.PeerId;
import org.murder.peer.storage.Storage;

/**
 * BEP 10's {@code p}, on real sockets: the engine says its listening port to a peer that speaks
 * the extension protocol, and does not dial the address a peer that dialled it said it listens on
 * (each such dial used to reach the same peer again, and one of the two connections closed).
 */
@Timeout(30)
class ListenPortTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @TempDir
    Path tmp;

    @Test
    void aPeerThatDialledUsAndSaidItsPortIsNotDialledThereButOthersAre() throws Exception {
        TorrentFixture t = TorrentFixture.create(tmp.resolve("src"), "r.bin", 64 * 1024, 16 * 1024, List.of(), 1);
        try (ServerSocket said = new ServerSocket(0, 5, LOOPBACK);
                ServerSocket other = new ServerSocket(0, 5, LOOPBACK);
                Engine engine = Engine.start(EngineConfig.builder().build(), Clock.systemUTC())) {
            Torrent download = engine.add(t.meta(), Storage.forDownload(t.meta(), Files.createDirectories(tmp.resolve("dl"))),
                    SessionOptions.download(Optional.empty(), Optional.empty()), SessionListener.NONE);
            try (Socket in = new Socket(LOOPBACK, engine.port())) {
                in.setSoTimeout(10_000);
                java.io.ByteArrayOutputStream opening = new java.io.ByteArrayOutputStream();
                DataOutputStream out = new DataOutputStream(opening); // written in one go below: one segment, read in one batch
                DataInputStream from = new DataInputStream(in.getInputStream());
                out.writeByte(19);
                out.writeBytes("BitTorrent protocol");
                out.write(new byte[] {0, 0, 0, 0, 0, 0x10, 0, 0x04});
                out.write(t.meta().infoHash().toBytes());
                out.write(PeerId.random().toBytes());
                out.writeInt(1);
                out.writeByte(0x0F); // have none
                byte[] dictionary = ("d1:md6:ut_pexi1ee1:pi" + said.getLocalPort() + "e1:v4:teste").getBytes(StandardCharsets.US_ASCII);
                out.writeInt(2 + dictionary.length);
                out.writeByte(20);
                out.writeByte(0);
                out.write(dictionary);
                byte[] second = ("d1:pi" + other.getLocalPort() + "ee").getBytes(StandardCharsets.US_ASCII);
                out.writeInt(2 + second.length);
                out.writeByte(20);
                out.writeByte(0);
                out.write(second); // ignored: the first extension handshake holds
                out.writeInt(0); // a keep-alive: its turn on the torrent's loop comes after the messages before it
                in.getOutputStream().write(opening.toByteArray());
                in.getOutputStream().flush();
                byte[] handshake = new byte[68];
                from.readFully(handshake);
                assertEquals(0x10, handshake[20 + 5] & 0x10, "the engine speaks BEP 10");
                assertEquals("d1:mde1:pi" + engine.port() + "e1:v6:murdere", extensionHandshake(from),
                        "its listening port, and no extension messages offered");

                download.addPeers(List.of(new InetSocketAddress(LOOPBACK, said.getLocalPort()),
                        new InetSocketAddress(LOOPBACK, other.getLocalPort())));
                other.setSoTimeout(10_000);
                other.accept().close(); // dialled in the same pass as the address it said, had that not been connected
                said.setSoTimeout(1_000);
                assertThrows(SocketTimeoutException.class, said::accept, "the peer connected to us is not dialled again");
            }
        }
    }

    /** Reads messages until the extension handshake (message 20, extended id 0); returns its dictionary. */
    private static String extensionHandshake(DataInputStream from) throws Exception {
        for (int i = 0; i < 10; i++) {
            int length = from.readInt();
            if (length == 0) {
                continue;
            }
            int id = from.readUnsignedByte();
            byte[] body = new byte[length - 1];
            from.readFully(body);
            if (id == 20) {
                assertEquals(0, body[0], "extended id 0: the handshake");
                return new String(body, 1, body.length - 1, StandardCharsets.US_ASCII);
            }
        }
        throw new AssertionError("no extension handshake in the first 10 messages");
    }
}
