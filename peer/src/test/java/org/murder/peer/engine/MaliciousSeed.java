package org.murder.peer.engine;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import org.murder.core.InfoHash;
import org.murder.core.PeerId;

/**
 * A peer written with plain blocking sockets that claims to have everything and answers every
 * request with random bytes. {@link #dropped} counts down when its victim closes the connection.
 */
final class MaliciousSeed implements AutoCloseable {
    final ServerSocket server;
    final CountDownLatch dropped = new CountDownLatch(1);
    private final Thread thread;

    MaliciousSeed(InfoHash infoHash) throws IOException {
        server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        thread = new Thread(() -> serve(infoHash), "malicious-seed");
        thread.setDaemon(true);
        thread.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void serve(InfoHash infoHash) {
        try (Socket s = server.accept()) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            in.readFully(new byte[68]);
            out.writeByte(19);
            out.writeBytes("BitTorrent protocol");
            out.write(new byte[] {0, 0, 0, 0, 0, 0, 0, 4});
            out.write(infoHash.toBytes());
            out.write(PeerId.random().toBytes());
            out.writeInt(1);
            out.writeByte(0x0E); // have all
            out.writeInt(1);
            out.writeByte(1); // unchoke
            out.flush();
            Random random = new Random();
            while (true) {
                int length = in.readInt();
                if (length == 0) {
                    continue;
                }
                byte id = in.readByte();
                byte[] payload = new byte[length - 1];
                in.readFully(payload);
                if (id == 6) {
                    java.nio.ByteBuffer r = java.nio.ByteBuffer.wrap(payload);
                    int piece = r.getInt();
                    int begin = r.getInt();
                    int blockLength = r.getInt();
                    byte[] garbage = new byte[blockLength];
                    random.nextBytes(garbage);
                    out.writeInt(9 + blockLength);
                    out.writeByte(7);
                    out.writeInt(piece);
                    out.writeInt(begin);
                    out.write(garbage);
                    out.flush();
                }
            }
        } catch (IOException e) {
            dropped.countDown();
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
