package org.murder.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.murder.core.bencode.BDict;
import org.murder.core.bencode.BInteger;
import org.murder.core.bencode.BString;
import org.murder.core.bencode.BValue;
import org.murder.core.bencode.Bencode;

/** Talks to a running tracker over real sockets: announce URLs with binary ids, raw requests, bencode answers. */
public final class TrackerClient {
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public TrackerClient(int port) {
        this.port = port;
    }

    public String base() {
        return "http://127.0.0.1:" + port;
    }

    /** Every byte as {@code %XX}, as clients send binary ids. */
    public static String percent(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (byte b : bytes) {
            sb.append('%').append(String.format("%02X", b & 0xff));
        }
        return sb.toString();
    }

    /** 20 distinct bytes per seed: the seed big-endian, then bytes that cover non-ASCII and %-worthy values. */
    public static byte[] id20(int seed) {
        byte[] b = new byte[20];
        b[0] = (byte) (seed >>> 24);
        b[1] = (byte) (seed >>> 16);
        b[2] = (byte) (seed >>> 8);
        b[3] = (byte) seed;
        for (int i = 4; i < 20; i++) {
            b[i] = (byte) (seed * 31 + i * 7 + 0x80);
        }
        return b;
    }

    public String announceQuery(byte[] infoHash, byte[] peerId, int peerPort, long left, String extra) {
        return "/announce?info_hash=" + percent(infoHash) + "&peer_id=" + percent(peerId) + "&port=" + peerPort
                + "&uploaded=0&downloaded=0&left=" + left + (extra.isEmpty() ? "" : "&" + extra);
    }

    public HttpResponse<byte[]> get(String pathAndQuery) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base() + pathAndQuery)).GET());
    }

    public HttpResponse<byte[]> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** GET that must answer 200 with a bencoded dictionary. */
    public BDict getDict(String pathAndQuery) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = get(pathAndQuery);
        assertEquals(200, r.statusCode(), () -> new String(r.body(), StandardCharsets.ISO_8859_1));
        return (BDict) Bencode.decode(r.body());
    }

    public BDict announce(byte[] infoHash, byte[] peerId, int peerPort, long left, String extra)
            throws IOException, InterruptedException {
        return getDict(announceQuery(infoHash, peerId, peerPort, left, extra));
    }

    public static long integer(BDict d, String key) {
        return ((BInteger) d.get(key).orElseThrow(() -> new AssertionError("no " + key + " in " + d))).value();
    }

    public static byte[] bytes(BDict d, String key) {
        return ((BString) d.get(key).orElseThrow(() -> new AssertionError("no " + key + " in " + d))).bytes();
    }

    public static String failureReason(byte[] body) {
        BValue v = Bencode.decode(body);
        return ((BString) ((BDict) v).get("failure reason").orElseThrow()).utf8();
    }

    /** Ports of a compact {@code peers} string (6 bytes each). */
    public static List<Integer> compactPorts(byte[] peers) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i + 6 <= peers.length; i += 6) {
            out.add((peers[i + 4] & 0xff) << 8 | (peers[i + 5] & 0xff));
        }
        return out;
    }

    /** Sends raw bytes on a fresh socket and reads until the server closes (or 5 s pass). */
    public String raw(byte[] request) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(request);
            out.flush();
            return readAll(s.getInputStream());
        }
    }

    public Socket open() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(5000);
        return s;
    }

    public static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        try {
            int n;
            while ((n = in.read(chunk)) >= 0) {
                buf.write(chunk, 0, n);
            }
        } catch (java.net.SocketTimeoutException e) {
            // what arrived so far is the answer
        }
        return buf.toString(StandardCharsets.ISO_8859_1);
    }
}
