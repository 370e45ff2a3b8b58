package org.murder.peer.engine;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.murder.core.InfoHash;
import org.murder.core.PeerId;

/**
 * A seed written with plain blocking sockets, independent of the engine: it claims to have
 * everything, unchokes, and answers every request from {@code data}, or with random bytes when it
 * is {@link #corrupt}. It records the length of each request it gets; {@link #dropped} counts down
 * when its one peer closes the connection.
 */
final class RawSeed implements AutoCloseable {
    final ServerSocket server;
    final CountDownLatch dropped = new CountDownLatch(1);
    final List<Integer> requestLengths = new CopyOnWriteArrayList<>();
    private final byte[] data;
    private final long pieceLength;

    private RawSeed(InfoHash infoHash, PeerId id, byte[] data, long pieceLength) throws IOException {
        this.data = data;
        this.pieceLength = pieceLength;
        server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        Thread thread = new Thread(() -> serve(infoHash, id), "raw-seed");
        thread.setDaemon(true);
        thread.start();
    }

    /** Answers with random bytes, under a murder peer id. */
    static RawSeed corrupt(InfoHash infoHash) throws IOException {
        return new RawSeed(infoHash, PeerId.random(), null, 0);
    }

    /** Answers with the torrent's bytes, under {@code id}. */
    static RawSeed serving(TorrentFixture t, PeerId id) throws IOException {
        return new RawSeed(t.meta().infoHash(), id, t.data(), t.meta().pieceLength());
    }

    int port() {
        return server.getLocalPort();
    }

    private void serve(InfoHash infoHash, PeerId id) {
        try (Socket s = server.accept()) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            in.readFully(new byte[68]);
            out.writeByte(19);
            out.writeBytes("BitTorrent protocol");
            out.write(new byte[] {0, 0, 0, 0, 0, 0, 0, 4});
            out.write(infoHash.toBytes());
            out.write(id.toBytes());
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
                byte messageId = in.readByte();
                byte[] payload = new byte[length - 1];
                in.readFully(payload);
                if (messageId == 6) {
                    ByteBuffer r = ByteBuffer.wrap(payload);
                    int piece = r.getInt();
                    int begin = r.getInt();
                    int blockLength = r.getInt();
                    requestLengths.add(blockLength);
                    byte[] block = new byte[blockLength];
                    if (data == null) {
                        random.nextBytes(block);
                    } else {
                        System.arraycopy(data, (int) (piece * pieceLength + begin), block, 0, blockLength);
                    }
                    out.writeInt(9 + blockLength);
                    out.writeByte(7);
                    out.writeInt(piece);
                    out.writeInt(begin);
                    out.write(block);
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
