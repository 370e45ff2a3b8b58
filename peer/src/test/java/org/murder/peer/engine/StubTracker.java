package org.murder.peer.engine;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP tracker on 127.0.0.1 that answers every announce with the body last set ({@link #answer}):
 * for engine tests that script who a peer learns of, and when.
 */
final class StubTracker implements AutoCloseable {
    private final HttpServer server;
    private volatile byte[] body = "d8:intervali30e5:peers0:e".getBytes(StandardCharsets.US_ASCII);

    StubTracker() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/announce", x -> {
            byte[] b = body;
            x.sendResponseHeaders(200, b.length);
            x.getResponseBody().write(b);
            x.close();
        });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/announce";
    }

    /** Answers with {@code bencoded} from now on. */
    void answer(byte[] bencoded) {
        body = bencoded.clone();
    }

    /** Answers naming {@code peers} (IPv4, compact) and, when {@code rackMate} is not null, that address as of our rack. */
    void answer(InetAddress rackMate, InetSocketAddress... peers) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes("d8:intervali30e".getBytes(StandardCharsets.US_ASCII));
        if (rackMate != null) {
            b.writeBytes("11:murder rack4:".getBytes(StandardCharsets.US_ASCII));
            b.writeBytes(rackMate.getAddress());
        }
        b.writeBytes(("5:peers" + 6 * peers.length + ":").getBytes(StandardCharsets.US_ASCII));
        for (InetSocketAddress p : peers) {
            b.writeBytes(p.getAddress().getAddress());
            b.writeBytes(new byte[] {(byte) (p.getPort() >> 8), (byte) p.getPort()});
        }
        b.writeBytes("e".getBytes(StandardCharsets.US_ASCII));
        answer(b.toByteArray());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
