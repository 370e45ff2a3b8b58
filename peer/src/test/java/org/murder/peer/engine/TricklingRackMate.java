package org.murder.peer.engine;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.murder.core.InfoHash;
import org.murder.core.PeerId;

/**
 * A hostile murder peer written with plain sockets: it says it is in {@code rack} (with the proof
 * {@code proofFor} gives for the torrent and the connection's two addresses, claimant first, or
 * none when that gives null), that it has every piece, unchokes, and then answers one request every {@code period}
 * with the torrent's bytes: enough to look alive, far too little to download from.
 */
final class TricklingRackMate implements AutoCloseable {
    private final ServerSocket server;
    private final TorrentFixture t;
    private final String rack;
    private final Prover proofFor;
    private final Duration period;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    /** The proof a fake sends (null: none). */
    interface Prover {
        String proof(InfoHash torrent, InetAddress from, InetAddress to);
    }

    private volatile boolean rackLater;
    /** Counts down when it is first asked for a block. */
    final CountDownLatch firstRequest = new CountDownLatch(1);
    /** Blocks it sent, on every connection. */
    final AtomicInteger blocksSent = new AtomicInteger();

    TricklingRackMate(TorrentFixture t, InetAddress address, String rack, Prover proofFor,
            Duration period) throws IOException {
        this.t = t;
        this.rack = rack;
        this.proofFor = proofFor;
        this.period = period;
        server = new ServerSocket(0, 10, address);
        Thread accept = new Thread(this::acceptAll, "trickling-rack-mate");
        accept.setDaemon(true);
        accept.start();
    }

    InetSocketAddress at() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    private void acceptAll() {
        try {
            while (true) {
                Socket s = server.accept();
                sockets.add(s);
                Thread serve = new Thread(() -> serve(s, false), "trickling-rack-mate-conn");
                serve.setDaemon(true);
                serve.start();
            }
        } catch (IOException closed) {
            // the test is over
        }
    }

    /** Dials {@code peer} from this fake's address and serves it as above (on a thread of its own). */
    void dial(InetSocketAddress peer) throws IOException {
        Socket s = new Socket();
        sockets.add(s);
        s.bind(new InetSocketAddress(server.getInetAddress(), 0));
        s.connect(peer, 5_000);
        Thread serve = new Thread(() -> serve(s, true), "trickling-rack-mate-dial");
        serve.setDaemon(true);
        serve.start();
    }

    private void serve(Socket s, boolean initiator) {
        try (s) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
            if (!initiator) {
                in.readFully(new byte[68]);
            }
            out.writeByte(19);
            out.writeBytes("BitTorrent protocol");
            out.write(new byte[] {0, 0, 0, 0, 0, 0x10, 0, 0x04}); // extension protocol, fast extension
            out.write(t.meta().infoHash().toBytes());
            out.write(PeerId.random().toBytes()); // a murder peer id
            if (initiator) {
                out.flush();
                in.readFully(new byte[68]);
            }
            String proof = proofFor.proof(t.meta().infoHash(), s.getLocalAddress(), s.getInetAddress());
            String dict = "d1:mde11:murder rack" + rack.length() + ":" + rack
                    + (proof == null ? "" : "17:murder rack proof" + proof.length() + ":" + proof) + "e";
            if (rackLater) { // as a murder peer that was checking its files when it met us: no rack first, then its rack
                extensionHandshake(out, "d1:mde1:pi6881ee");
            }
            extensionHandshake(out, dict);
            out.writeInt(1);
            out.writeByte(0x0E); // have all
            out.writeInt(1);
            out.writeByte(1); // unchoke
            out.flush();
            BlockingQueue<int[]> asked = new LinkedBlockingQueue<>();
            Thread reader = new Thread(() -> readRequests(in, asked), "trickling-rack-mate-reader");
            reader.setDaemon(true);
            reader.start();
            while (!s.isClosed()) {
                int[] r = asked.poll(period.toMillis(), TimeUnit.MILLISECONDS);
                if (r != null) {
                    firstRequest.countDown();
                }
                if (r == null) {
                    if (!reader.isAlive()) {
                        return;
                    }
                    continue;
                }
                long at = r[0] * t.meta().pieceLength() + r[1];
                if (r[2] <= 0 || at + r[2] > t.data().length) {
                    continue; // not a request an honest peer makes
                }
                out.writeInt(9 + r[2]);
                out.writeByte(7);
                out.writeInt(r[0]);
                out.writeInt(r[1]);
                out.write(t.data(), (int) at, r[2]);
                out.flush();
                blocksSent.incrementAndGet();
                Thread.sleep(period.toMillis()); // the trickle itself
            }
        } catch (IOException | InterruptedException gone) {
            // closed by the peer or by the test
        }
    }

    private static void extensionHandshake(DataOutputStream out, String dict) throws IOException {
        byte[] payload = dict.getBytes(StandardCharsets.US_ASCII);
        out.writeInt(2 + payload.length);
        out.writeByte(20);
        out.writeByte(0);
        out.write(payload);
    }

    /** Says its rack in a second extension handshake, after one that said none. */
    TricklingRackMate rackLater() {
        rackLater = true;
        return this;
    }

    /** Requests (piece, begin, length) until the connection closes; the rest is read past. */
    private static void readRequests(DataInputStream in, BlockingQueue<int[]> asked) {
        try {
            while (true) {
                int length = in.readInt();
                if (length == 0) {
                    continue;
                }
                int id = in.readUnsignedByte();
                if (id == 6 && length == 13) {
                    asked.add(new int[] {in.readInt(), in.readInt(), in.readInt()});
                } else {
                    in.skipNBytes(length - 1);
                }
            }
        } catch (IOException closed) {
            // the connection is over
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
