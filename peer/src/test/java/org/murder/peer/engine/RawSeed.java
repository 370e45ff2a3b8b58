package org.murder.peer.engine;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.murder.core.InfoHash;
import org.murder.core.PeerId;

/**
 * A seed written with plain blocking sockets, independent of the engine: it claims to have
 * everything, unchokes, and answers every request from {@code data}, or with random bytes when it
 * is {@link #corrupt}. It listens on a loopback address of its own choosing (so that a test can
 * tell peers apart by address) and serves every connection, and can also connect to a peer
 * itself ({@link #connectTo}). It records the length of each request it gets; {@link #dropped}
 * counts down when its first peer closes the connection.
 */
final class RawSeed implements AutoCloseable {
    final ServerSocket server;
    final CountDownLatch dropped = new CountDownLatch(1);
    final List<Integer> requestLengths = new CopyOnWriteArrayList<>();
    /** Connections served, accepted or made. */
    final AtomicInteger connections = new AtomicInteger();
    private final InetAddress address;
    private final InfoHash infoHash;
    private final PeerId id;
    private final byte[] data;
    private final long pieceLength;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    private RawSeed(InetAddress address, InfoHash infoHash, PeerId id, byte[] data, long pieceLength) throws IOException {
        this.address = address;
        this.infoHash = infoHash;
        this.id = id;
        this.data = data;
        this.pieceLength = pieceLength;
        server = new ServerSocket(0, 10, address);
        Thread thread = new Thread(this::acceptAll, "raw-seed");
        thread.setDaemon(true);
        thread.start();
    }

    /** Answers with random bytes, under {@code id}, on {@code address}. */
    static RawSeed corrupt(InfoHash infoHash, PeerId id, InetAddress address) throws IOException {
        return new RawSeed(address, infoHash, id, null, 0);
    }

    /** Answers with the torrent's bytes, under {@code id}, on 127.0.0.1. */
    static RawSeed serving(TorrentFixture t, PeerId id) throws IOException {
        return serving(t, id, InetAddress.getLoopbackAddress());
    }

    /** Answers with the torrent's bytes, under {@code id}, on {@code address}. */
    static RawSeed serving(TorrentFixture t, PeerId id, InetAddress address) throws IOException {
        return new RawSeed(address, t.meta().infoHash(), id, t.data(), t.meta().pieceLength());
    }

    int port() {
        return server.getLocalPort();
    }

    InetSocketAddress at() {
        return new InetSocketAddress(address, port());
    }

    /**
     * Connects to {@code peer} from this seed's address and serves it like an accepted peer.
     * Returns the number of requests it got on that connection once the peer closed it (or the
     * socket timed out after {@code timeoutMillis}: then -1).
     */
    int connectTo(InetSocketAddress peer, int timeoutMillis) throws IOException {
        Socket s = new Socket();
        sockets.add(s);
        s.bind(new InetSocketAddress(address, 0));
        s.connect(peer, timeoutMillis);
        s.setSoTimeout(timeoutMillis);
        return serve(s, true);
    }

    private void acceptAll() {
        try {
            while (true) {
                Socket s = server.accept();
                sockets.add(s);
                Thread t = new Thread(() -> {
                    try {
                        serve(s, false);
                    } catch (IOException e) {
                        // serve reports the end of the connection itself
                    }
                }, "raw-seed-conn");
                t.setDaemon(true);
                t.start();
            }
        } catch (IOException closed) {
            // the test is over
        }
    }

    /** Serves one connection until it closes; returns how many requests came on it, -1 on a timeout. */
    private int serve(Socket s, boolean initiator) throws IOException {
        connections.incrementAndGet();
        int requests = 0;
        try (s) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            if (!initiator) {
                in.readFully(new byte[68]);
            }
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
            if (initiator) {
                in.readFully(new byte[68]);
            }
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
                    requests++;
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
        } catch (java.net.SocketTimeoutException e) {
            return -1;
        } catch (IOException e) {
            dropped.countDown();
            return requests;
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
