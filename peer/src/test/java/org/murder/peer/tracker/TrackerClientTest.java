package org.murder.peer.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.murder.core.InfoHash;
import org.murder.core.PeerId;

/** The peer's tracker client against a real HTTP server on 127.0.0.1. */
@Timeout(30)
class TrackerClientTest {
    private static final AnnounceRequest STARTED = new AnnounceRequest(InfoHash.of(new byte[20]), PeerId.random(), 6881, 0, 0,
            1000, Optional.of(AnnounceRequest.Event.STARTED), Optional.empty(), 50, "k1", Optional.empty());

    private HttpServer server;
    private final LinkedBlockingQueue<String> queries = new LinkedBlockingQueue<>();

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private String serve(int status, Function<String, byte[]> body) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/announce", x -> {
            queries.add(x.getRequestURI().getRawQuery());
            byte[] b = body.apply(x.getRequestURI().getRawQuery());
            x.sendResponseHeaders(status, b.length);
            x.getResponseBody().write(b);
            x.close();
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/announce";
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String closedPortUrl() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + s.getLocalPort() + "/announce";
        }
    }

    @Test
    void compactPeersAndTheIntervalComeBackAndTheQueryCarriesTheEvent() throws Exception {
        String url = serve(200, q -> ascii("d8:intervali20e5:peers12:\u007f\u0000\u0000\u0001\u001a\u00e1\n\u0000\u0000\u0005\u001a\u00e2e"));
        AnnounceResponse r = new TrackerClient(List.of(List.of(url)), Duration.ofSeconds(5)).announce(STARTED).get(10, TimeUnit.SECONDS);
        assertEquals(List.of(new InetSocketAddress("127.0.0.1", 6881), new InetSocketAddress("10.0.0.5", 6882)), r.peers());
        assertEquals(Duration.ofSeconds(20), r.interval());
        String q = queries.poll();
        assertTrue(q.contains("event=started") && q.contains("port=6881") && q.contains("left=1000") && q.contains("compact=1"), q);
    }

    @Test
    void theRackGoesOnEveryAnnounceOnlyWhenGiven() {
        assertFalse(TrackerClient.query(STARTED).contains("rack="), TrackerClient.query(STARTED));
        AnnounceRequest racked = new AnnounceRequest(STARTED.infoHash(), STARTED.peerId(), 6881, 0, 0, 1000, Optional.empty(),
                Optional.empty(), 50, "k1", Optional.of(new org.murder.core.RackName("dc1:row-2.r_3")));
        assertTrue(TrackerClient.query(racked).endsWith("&rack=dc1%3Arow-2.r_3"), TrackerClient.query(racked));
    }

    @Test
    void theTrackersIntervalsAreBoundedAndTheMinIntervalKept() throws Exception {
        assertEquals(List.of(Duration.ofSeconds(1800), Duration.ofSeconds(900)), intervals("d8:intervali1800e12:min intervali900e5:peers0:e"));
        assertEquals(List.of(Duration.ofSeconds(30), Duration.ZERO), intervals("d8:intervali30e5:peers0:e"), "no min interval: none");
        assertEquals(List.of(TrackerClient.MAX_INTERVAL, Duration.ZERO), intervals("d8:intervali9223372036854775807e12:min intervali-5e5:peers0:e"),
                "a huge interval is capped (the clock cannot overflow), a negative minimum is none");
        assertEquals(List.of(Duration.ofSeconds(60), Duration.ofSeconds(60)), intervals("d8:intervali10e12:min intervali60e5:peers0:e"),
                "a minimum above the interval lengthens the interval");
        assertEquals(List.of(Duration.ofSeconds(1), Duration.ZERO), intervals("d8:intervali-7e5:peers0:e"), "at least 1 s");
    }

    @Test
    void murdersRackKeysNameTheRackMatesAndARaggedTailIsIgnored() throws Exception {
        stop();
        String url = serve(200, q -> ascii("d8:intervali30e11:murder rack9:\n\u0000\u0000\u0002\n\u0000\u0000\u0003\u0007"
                + "12:murder rack616:" + "\u0000".repeat(15) + "\u0002" + "5:peers0:e"));
        AnnounceResponse r = new TrackerClient(List.of(List.of(url)), Duration.ofSeconds(5)).announce(STARTED).get(10, TimeUnit.SECONDS);
        assertEquals(java.util.Set.of(java.net.InetAddress.getByName("10.0.0.2"), java.net.InetAddress.getByName("10.0.0.3"),
                java.net.InetAddress.getByName("::2")), r.rackMates());
        stop();
        url = serve(200, q -> ascii("d8:intervali30e11:murder racki7e5:peers0:e"));
        r = new TrackerClient(List.of(List.of(url)), Duration.ofSeconds(5)).announce(STARTED).get(10, TimeUnit.SECONDS);
        assertEquals(java.util.Set.of(), r.rackMates(), "not a string: no rack-mates, and the answer still counts");
        assertEquals(List.of(0, 0), gatewayOf("d8:intervali30e5:peers0:e"), "no keys: no gateway");
        assertEquals(List.of(2, 3), gatewayOf("d8:intervali30e14:murder gatewayi2e15:murder gatewaysi3e5:peers0:e"));
        assertEquals(List.of(0, 0), gatewayOf("d8:intervali30e14:murder gatewayi3e15:murder gatewaysi3e5:peers0:e"),
                "gateway 3 of 3 cannot be: taken as none said");
        assertEquals(List.of(0, 0), gatewayOf("d8:intervali30e14:murder gatewayi0e15:murder gatewaysi99999999999e5:peers0:e"));
        assertEquals(List.of(0, 0), gatewayOf("d8:intervali30e14:murder gateway1:x15:murder gatewaysi3e5:peers0:e"));
    }

    private List<Integer> gatewayOf(String answer) throws Exception {
        stop();
        String url = serve(200, q -> ascii(answer));
        AnnounceResponse r = new TrackerClient(List.of(List.of(url)), Duration.ofSeconds(5)).announce(STARTED).get(10, TimeUnit.SECONDS);
        return List.of(r.gateway().index(), r.gateway().of());
    }

    private List<Duration> intervals(String answer) throws Exception {
        stop();
        String url = serve(200, q -> ascii(answer));
        AnnounceResponse r = new TrackerClient(List.of(List.of(url)), Duration.ofSeconds(5)).announce(STARTED).get(10, TimeUnit.SECONDS);
        return List.of(r.interval(), r.minInterval());
    }

    @Test
    void theNextTierAnswersWhenTheFirstIsDown() throws Exception {
        String down = closedPortUrl();
        String up = serve(200, q -> ascii("d8:intervali30e5:peers0:e"));
        AnnounceResponse r = new TrackerClient(List.of(List.of(down), List.of(up)), Duration.ofSeconds(5)).announce(STARTED)
                .get(10, TimeUnit.SECONDS);
        assertEquals(List.of(), r.peers());
        assertEquals(1, queries.size());
    }

    /**
     * A first tracker that accepts and never answers: the next tier is asked after {@link TrackerClient#NEXT_AFTER}, not
     * after the whole timeout (each announce waited 10 s for it before).
     */
    @Test
    void theNextTierIsAskedWhileTheFirstSaysNothing() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String hung = "http://127.0.0.1:" + silent.getLocalPort() + "/announce"; // accepted by the kernel, never answered
            String up = serve(200, q -> ascii("d8:intervali30e5:peers0:e"));
            long start = System.nanoTime();
            AnnounceResponse r = new TrackerClient(List.of(List.of(hung), List.of(up)), Duration.ofSeconds(10)).announce(STARTED)
                    .get(30, TimeUnit.SECONDS);
            long took = (System.nanoTime() - start) / 1_000_000;
            assertEquals(Duration.ofSeconds(30), r.interval(), "the next tier answered");
            assertTrue(took >= TrackerClient.NEXT_AFTER.toMillis() - 100 && took < 10_000, "asked after "
                    + TrackerClient.NEXT_AFTER.toMillis() + " ms, before the first's 10 s timeout: " + took + " ms");
            assertEquals(1, queries.size());
        }
    }

    @Test
    void aFailureReasonIsReportedWithTheTrackersWords() throws Exception {
        String url = serve(200, q -> ascii("d14:failure reason19:torrent not allowede"));
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> new TrackerClient(List.of(List.of(url)), Duration.ofSeconds(5)).announce(STARTED).get(10, TimeUnit.SECONDS));
        assertEquals("announce to " + url + ": tracker says: torrent not allowed", e.getCause().getMessage());
    }

    @Test
    void anOversizedOrGarbledAnswerIsRefusedNamingTheTracker() throws Exception {
        String url = serve(200, q -> new byte[TrackerClient.MAX_BODY + 10]);
        ExecutionException big = assertThrows(ExecutionException.class,
                () -> new TrackerClient(List.of(List.of(url)), Duration.ofSeconds(5)).announce(STARTED).get(10, TimeUnit.SECONDS));
        assertTrue(big.getCause().getMessage().contains("response over " + TrackerClient.MAX_BODY + " bytes"), big.getCause().getMessage());
        stop();
        String html = serve(404, q -> ascii("<html>not found</html>"));
        ExecutionException garbled = assertThrows(ExecutionException.class,
                () -> new TrackerClient(List.of(List.of(html)), Duration.ofSeconds(5)).announce(STARTED).get(10, TimeUnit.SECONDS));
        assertTrue(garbled.getCause().getMessage().startsWith("announce to " + html + ": HTTP 404, not bencode"),
                garbled.getCause().getMessage());
    }

    /** A megabyte of failure reason is cut (it went whole into every log line), its control characters escaped. */
    @Test
    void aLongFailureReasonIsCutAndEscaped() throws Exception {
        String reason = "\u001b[2J" + "A".repeat(1_000_000);
        String url = serve(200, q -> ("d14:failure reason" + reason.length() + ":" + reason + "e").getBytes(StandardCharsets.UTF_8));
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> new TrackerClient(List.of(List.of(url)), Duration.ofSeconds(5)).announce(STARTED).get(10, TimeUnit.SECONDS));
        assertEquals("announce to " + url + ": tracker says: \\x1b[2J" + "A".repeat(TrackerClient.MAX_REASON_CHARS - 4) + "...",
                e.getCause().getMessage());
    }

    /** Only 2xx is an answer, and a redirect is not followed (it could send the announces anywhere). */
    @Test
    void anErrorStatusOrARedirectIsAFailureWhateverTheBody() throws Exception {
        String url = serve(500, q -> ascii("d8:intervali20e5:peers6:\u007f\u0000\u0000\u0001\u001a\u00e1e"));
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> new TrackerClient(List.of(List.of(url)), Duration.ofSeconds(5)).announce(STARTED).get(10, TimeUnit.SECONDS));
        assertEquals("announce to " + url + ": HTTP 500 (expected: 200 and the tracker's answer)", e.getCause().getMessage());
        stop();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/announce", x -> {
            queries.add("redirected");
            x.getResponseHeaders().add("Location", "http://127.0.0.2:1/announce");
            x.sendResponseHeaders(302, -1);
            x.close();
        });
        server.start();
        String moved = "http://127.0.0.1:" + server.getAddress().getPort() + "/announce";
        e = assertThrows(ExecutionException.class,
                () -> new TrackerClient(List.of(List.of(moved)), Duration.ofSeconds(5)).announce(STARTED).get(10, TimeUnit.SECONDS));
        assertEquals("announce to " + moved + ": HTTP 302 redirect to http://127.0.0.2:1/announce (expected: the tracker's answer;"
                + " redirects are not followed: give the URL it names)", e.getCause().getMessage());
    }

    /**
     * A tracker that sends a byte within each read timeout is cut off at twice the timeout, and the next tier
     * asked: an HTTP/1.0 answer, an HTTP/1.1 one the JDK would keep alive (its stream waits for its lock to
     * close), and a chunked one.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"HTTP/1.0 200 OK\r\nContent-Length: 100\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n"})
    void aTrackerThatTricklesItsAnswerIsCutOffAtTheDeadline(String head) throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        try (ServerSocket trickle = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (java.net.Socket s = trickle.accept()) {
                    s.getOutputStream().write(ascii(head));
                    for (int i = 0; i < 100 && !release.await(300, TimeUnit.MILLISECONDS); i++) { // a byte every 0.3 s, bounded
                        s.getOutputStream().write('d');
                        s.getOutputStream().flush();
                    }
                } catch (IOException | InterruptedException ignored) {
                    // the client hung up: what this test wants
                }
            }, "trickling-tracker");
            t.start();
            String slow = "http://127.0.0.1:" + trickle.getLocalPort() + "/announce";
            String good = serve(200, q -> ascii("d8:intervali20e5:peers0:e"));
            long start = System.nanoTime();
            AnnounceResponse r = new TrackerClient(List.of(List.of(slow), List.of(good)), Duration.ofSeconds(1)).announce(STARTED)
                    .get(20, TimeUnit.SECONDS);
            long took = (System.nanoTime() - start) / 1_000_000;
            release.countDown();
            t.join(10_000);
            assertEquals(Duration.ofSeconds(20), r.interval(), "the next tier answered");
            assertTrue(took >= 1_900 && took < 10_000, "cut off at 2 s, not when the trickle ended (30 s): " + took + " ms");
        }
    }

    /** The dictionary model's ip is taken only as an address literal: never a name looked up and dialled. */
    @Test
    void dictionaryPeersAreTakenOnlyAsAddressLiterals() throws Exception {
        String peers = java.util.stream.Stream.of("127.0.0.7", "::1", "localhost", "", "127.1", "2130706433", "127.0.0.1\u0000evil",
                "x.invalid", "256.1.1.1", "fe80::1%eth0").map(ip -> "d2:ip" + ip.length() + ":" + ip + "4:porti7000ee")
                .collect(java.util.stream.Collectors.joining());
        String url = serve(200, q -> ascii("d8:intervali20e5:peersl" + peers + "ee"));
        AnnounceResponse r = new TrackerClient(List.of(List.of(url)), Duration.ofSeconds(5)).announce(STARTED).get(10, TimeUnit.SECONDS);
        assertEquals(List.of(new InetSocketAddress("127.0.0.7", 7000), new InetSocketAddress("::1", 7000)), r.peers());
    }

    /** Addresses no peer has (unspecified, broadcast, multicast) and a ragged tail are left out of a compact list (audit). */
    @Test
    void compactPeersThatCannotBeDialledAreLeftOut() throws Exception {
        byte[] list = {0, 0, 0, 0, 0x1a, (byte) 0xe1, (byte) 255, (byte) 255, (byte) 255, (byte) 255, 0x1a, (byte) 0xe1,
            (byte) 224, 0, 0, 1, 0x1a, (byte) 0xe1, 127, 0, 0, 9, 0x1a, (byte) 0xe1, 127, 0, 0};
        String url = serve(200, q -> {
            byte[] head = ascii("d8:intervali20e5:peers" + list.length + ":");
            byte[] body = java.util.Arrays.copyOf(head, head.length + list.length + 1);
            System.arraycopy(list, 0, body, head.length, list.length);
            body[body.length - 1] = 'e';
            return body;
        });
        AnnounceResponse r = new TrackerClient(List.of(List.of(url)), Duration.ofSeconds(5)).announce(STARTED).get(10, TimeUnit.SECONDS);
        assertEquals(List.of(new InetSocketAddress("127.0.0.9", 6881)), r.peers());
    }

    @Test
    void anUnreachableTrackerFailsWithItsAddress() throws Exception {
        String down = closedPortUrl();
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> new TrackerClient(List.of(List.of(down)), Duration.ofSeconds(5)).announce(STARTED).get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().startsWith("announce to " + down + ": "), e.getCause().getMessage());
        assertTrue(e.getCause().getMessage().endsWith(": cannot connect (Connection refused)"), e.getCause().getMessage());
    }

    /** A foreign torrent may name any port: said as such, not as the JDK's wrapped exception. */
    @Test
    void aTrackerOnAPortPastTheRangeFailsNamingThePort() {
        String url = "http://127.0.0.1:99999/announce";
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> new TrackerClient(List.of(List.of(url)), Duration.ofSeconds(5)).announce(STARTED).get(10, TimeUnit.SECONDS));
        assertEquals("announce to " + url + ": port 99999 (expected: 1 to 65535)", e.getCause().getMessage());
    }
}
