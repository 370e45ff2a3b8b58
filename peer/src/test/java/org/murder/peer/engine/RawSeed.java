package org.murder.peer.engine;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.murder.core.InfoHash;
import org.murder.core.PeerId;

/**
 * A seed written with plain blocking sockets, independent of the engine: it claims to have
 * everything, unchokes, and answers every request from {@code data}, or with random bytes when it
 * is {@link #corrupt}. It listens on a loopback address of its own choosing (so that a test can
 * tell peers apart by address) and serves every connection, and can also connect to a peer
 * itself ({@link #connectTo}). It records the length of each request it gets; {@link #dropped}
 * counts down when its first peer closes the connection. A {@link #batching} seed holds the
 * requests it gets and answers all of them at once every period, as transmission 3.00 does every
 * 500 ms; it records how many it answered each time ({@link #batches}).
 */
final class RawSeed implements AutoCloseable {
    final ServerSocket server;
    final CountDownLatch dropped = new CountDownLatch(1);
    final List<Integer> requestLengths = new CopyOnWriteArrayList<>();
    /** Requests answered at each tick of a batching seed (ticks with none are not recorded). */
    final List<Integer> batches = new CopyOnWriteArrayList<>();
    /** Connections served, accepted or made. */
    final AtomicInteger connections = new AtomicInteger();
    private final InetAddress address;
    private final InfoHash infoHash;
    private final PeerId id;
    private final byte[] data;
    private final long pieceLength;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    /** Null unless batching: answers what each connection asked since the last tick. */
    private final ScheduledExecutorService ticks;
    private final List<Held> held = new CopyOnWriteArrayList<>();
    /** Takes requests and answers none (see {@link #hoarding}). */
    private volatile boolean hoard;
    /** A piece it takes requests for and never answers (see {@link #servingAllBut}); -1: none. */
    private volatile int withheld = -1;
    /** Counts down at the first request a hoarding seed takes. */
    final CountDownLatch asked = new CountDownLatch(1);

    private RawSeed(InetAddress address, InfoHash infoHash, PeerId id, byte[] data, long pieceLength, Duration batch)
            throws IOException {
        this.address = address;
        this.infoHash = infoHash;
        this.id = id;
        this.data = data;
        this.pieceLength = pieceLength;
        if (batch == null) {
            ticks = null;
        } else {
            ticks = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "raw-seed-ticks");
                t.setDaemon(true);
                return t;
            });
            ticks.scheduleAtFixedRate(this::answerHeld, batch.toNanos(), batch.toNanos(), TimeUnit.NANOSECONDS);
        }
        server = new ServerSocket(0, 10, address);
        Thread thread = new Thread(this::acceptAll, "raw-seed");
        thread.setDaemon(true);
        thread.start();
    }

    /** Answers with random bytes, under {@code id}, on {@code address}. */
    static RawSeed corrupt(InfoHash infoHash, PeerId id, InetAddress address) throws IOException {
        return new RawSeed(address, infoHash, id, null, 0, null);
    }

    /** Claims every piece, unchokes, takes every request and answers none of them (no block, no reject), on {@code address}. */
    static RawSeed hoarding(InfoHash infoHash, PeerId id, InetAddress address) throws IOException {
        RawSeed s = new RawSeed(address, infoHash, id, null, 0, null);
        s.hoard = true;
        return s;
    }

    /** Answers with the torrent's bytes, under {@code id}, on 127.0.0.1. */
    static RawSeed serving(TorrentFixture t, PeerId id) throws IOException {
        return serving(t, id, InetAddress.getLoopbackAddress());
    }

    /** Answers with {@code data} as the byte stream of the torrent {@code meta}, on 127.0.0.1. */
    static RawSeed serving(org.murder.core.metainfo.MetaInfo meta, byte[] data, PeerId id) throws IOException {
        return serving(meta, data, id, InetAddress.getLoopbackAddress());
    }

    /** As above, on {@code address}. */
    static RawSeed serving(org.murder.core.metainfo.MetaInfo meta, byte[] data, PeerId id, InetAddress address) throws IOException {
        return new RawSeed(address, meta.infoHash(), id, data, meta.pieceLength(), null);
    }

    /** Answers with the torrent's bytes, under {@code id}, on {@code address}. */
    static RawSeed serving(TorrentFixture t, PeerId id, InetAddress address) throws IOException {
        return new RawSeed(address, t.meta().infoHash(), id, t.data(), t.meta().pieceLength(), null);
    }

    /** Answers with the torrent's bytes, under {@code id}, on 127.0.0.1, but never a request for {@code piece} (it keeps them). */
    static RawSeed servingAllBut(TorrentFixture t, PeerId id, int piece) throws IOException {
        RawSeed seed = serving(t, id);
        seed.withheld = piece;
        return seed;
    }

    /** Answers with the torrent's bytes, under {@code id}, on 127.0.0.1: all it was asked, once every {@code period}. */
    static RawSeed batching(TorrentFixture t, PeerId id, Duration period) throws IOException {
        return batching(t, id, period, InetAddress.getLoopbackAddress());
    }

    /** As {@link #batching(TorrentFixture, PeerId, Duration)}, on {@code address}. */
    static RawSeed batching(TorrentFixture t, PeerId id, Duration period, InetAddress address) throws IOException {
        return new RawSeed(address, t.meta().infoHash(), id, t.data(), t.meta().pieceLength(), period);
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
        Held mine = null;
        try (s) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), 64 * 1024));
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
            if (ticks != null) {
                mine = new Held(out);
                held.add(mine);
            }
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
                    asked.countDown();
                    if (hoard || piece == withheld) {
                        continue;
                    }
                    if (mine != null) {
                        mine.add(piece, begin, blockLength);
                        continue;
                    }
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
        } finally {
            if (mine != null) {
                held.remove(mine);
            }
        }
    }

    /** The requests one connection of a batching seed got since the last tick. */
    private static final class Held {
        private final DataOutputStream out;
        private final List<int[]> requests = new ArrayList<>();

        Held(DataOutputStream out) {
            this.out = out;
        }

        synchronized void add(int piece, int begin, int length) {
            requests.add(new int[] {piece, begin, length});
        }

        synchronized List<int[]> take() {
            List<int[]> taken = new ArrayList<>(requests);
            requests.clear();
            return taken;
        }
    }

    /** A tick of a batching seed: every connection gets the answers to all it asked since the last. */
    private void answerHeld() {
        for (Held h : held) {
            List<int[]> requests = h.take();
            if (requests.isEmpty()) {
                continue;
            }
            try {
                for (int[] r : requests) {
                    h.out.writeInt(9 + r[2]);
                    h.out.writeByte(7);
                    h.out.writeInt(r[0]);
                    h.out.writeInt(r[1]);
                    h.out.write(data, (int) (r[0] * pieceLength + r[1]), r[2]);
                }
                h.out.flush();
                batches.add(requests.size());
            } catch (IOException e) {
                held.remove(h); // the connection is gone: its reader reports it
            }
        }
    }

    @Override
    public void close() throws IOException {
        if (ticks != null) {
            ticks.shutdownNow();
        }
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
