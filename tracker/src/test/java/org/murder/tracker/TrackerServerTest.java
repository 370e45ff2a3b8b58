package org.murder.tracker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.Hex;
import org.murder.core.InfoHash;
import org.murder.core.MurderException;
import org.murder.core.bencode.BDict;
import org.murder.core.bencode.BList;
import org.murder.core.bencode.BString;
import org.murder.core.bencode.Bencode;
import org.murder.metrics.DaemonMetrics;
import org.murder.testkit.MutableClock;
import org.murder.testkit.Promtool;
import org.murder.testkit.Scraped;

/** The tracker over real sockets on 127.0.0.1, on an ephemeral port. */
class TrackerServerTest {
    private static final byte[] IH = TrackerClient.id20(1);
    private static final String IH_HEX = Hex.encode(IH);

    @TempDir
    Path tmp;

    private final MutableClock clock = MutableClock.fixture();
    private TrackerServer server;
    private TrackerClient client;

    private void start(Consumer<TrackerConfig.Builder> tune) {
        TrackerConfig.Builder b = TrackerConfig.builder().bind("127.0.0.1").port(0).open(true).ioThreads(2);
        tune.accept(b);
        server = TrackerServer.start(b.build(), clock);
        client = new TrackerClient(server.port());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    // ---- announce and scrape semantics ----

    @Test
    void aClientThatSendsRequestsWithoutReadingTheRepliesIsClosedNotBuffered() throws Exception {
        start(b -> { });
        byte[] batch = "GET /none HTTP/1.1\r\nHost: x\r\n\r\n".repeat(1000).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try (java.net.Socket s = new java.net.Socket()) {
            s.setReceiveBufferSize(4096); // it never reads: the replies fill its socket, then ours
            s.connect(new java.net.InetSocketAddress("127.0.0.1", server.port()));
            java.io.OutputStream out = s.getOutputStream();
            boolean closed = false;
            for (int i = 0; i < 1000 && !closed; i++) { // at most 33 MB of requests; closed long before
                try {
                    out.write(batch);
                } catch (java.io.IOException e) { // reset by the tracker
                    closed = true;
                }
            }
            assertTrue(closed, "the tracker kept taking requests whose replies nobody read");
        }
        client.announce(IH, TrackerClient.id20(2), 7001, 100, "event=started"); // others still served: a 200 with a dictionary
    }

    @Test
    void compactAnnounceHandsOutOtherPeersSixBytesEach() throws Exception {
        start(b -> { });
        BDict first = client.announce(IH, TrackerClient.id20(10), 6881, 100, "event=started");
        assertEquals(15, TrackerClient.integer(first, "interval"));
        assertEquals(5, TrackerClient.integer(first, "min interval"));
        assertEquals(0, TrackerClient.bytes(first, "peers").length);
        client.announce(IH, TrackerClient.id20(11), 6882, 0, "event=started");
        BDict r = client.announce(IH, TrackerClient.id20(10), 6881, 100, "");
        byte[] peers = TrackerClient.bytes(r, "peers");
        assertArrayEquals(new byte[] {127, 0, 0, 1, 0x1a, (byte) 0xe2}, peers);
        assertEquals(1, TrackerClient.integer(r, "complete"));
        assertEquals(1, TrackerClient.integer(r, "incomplete"));
    }

    @Test
    void dictionaryModelWhenCompactIsZero() throws Exception {
        start(b -> { });
        client.announce(IH, TrackerClient.id20(11), 6882, 0, "");
        BDict r = client.announce(IH, TrackerClient.id20(10), 6881, 100, "compact=0");
        BDict peer = (BDict) ((BList) r.get("peers").orElseThrow()).items().get(0);
        assertEquals("127.0.0.1", ((BString) peer.get("ip").orElseThrow()).utf8());
        assertEquals(6882, TrackerClient.integer(peer, "port"));
        assertArrayEquals(TrackerClient.id20(11), TrackerClient.bytes(peer, "peer id"));
        BDict noId = client.announce(IH, TrackerClient.id20(10), 6881, 100, "compact=0&no_peer_id=1");
        assertFalse(((BDict) ((BList) noId.get("peers").orElseThrow()).items().get(0)).containsKey("peer id"));
    }

    @Test
    void seedersAreHandedOutFirstAndTheIpParameterIsHonoured() throws Exception {
        start(b -> { });
        for (int i = 0; i < 10; i++) {
            client.announce(IH, TrackerClient.id20(100 + i), 7000 + i, 50, "");
        }
        client.announce(IH, TrackerClient.id20(200), 8000, 0, "ip=10.9.8.7");
        BDict r = client.announce(IH, TrackerClient.id20(300), 9000, 50, "numwant=2");
        byte[] peers = TrackerClient.bytes(r, "peers");
        assertEquals(12, peers.length);
        assertArrayEquals(new byte[] {10, 9, 8, 7, 0x1f, 0x40}, java.util.Arrays.copyOf(peers, 6));
    }

    @Test
    void scrapeCountsSeedersLeechersAndCompleted() throws Exception {
        start(b -> { });
        client.announce(IH, TrackerClient.id20(10), 6881, 100, "event=started");
        client.announce(IH, TrackerClient.id20(11), 6882, 100, "event=started");
        client.announce(IH, TrackerClient.id20(11), 6882, 0, "event=completed");
        byte[] unknown = TrackerClient.id20(2);
        BDict r = client.getDict("/scrape?info_hash=" + TrackerClient.percent(IH) + "&info_hash=" + TrackerClient.percent(unknown));
        BDict files = (BDict) r.get("files").orElseThrow();
        BDict ours = (BDict) files.get(new String(IH, StandardCharsets.ISO_8859_1)).orElseThrow();
        assertEquals(1, TrackerClient.integer(ours, "complete"));
        assertEquals(1, TrackerClient.integer(ours, "incomplete"));
        assertEquals(1, TrackerClient.integer(ours, "downloaded"));
        BDict none = (BDict) files.get(new String(unknown, StandardCharsets.ISO_8859_1)).orElseThrow();
        assertEquals(0, TrackerClient.integer(none, "complete"));
        BDict all = (BDict) client.getDict("/scrape").get("files").orElseThrow();
        assertEquals(1, all.entries().size(), "a full scrape lists every swarm");
        client.announce(unknown, TrackerClient.id20(12), 6883, 100, "event=started");
        assertEquals(1, ((BDict) client.getDict("/scrape").get("files").orElseThrow()).entries().size(),
                "one full scrape answers every request for a while");
        clock.advance(org.murder.tracker.http.FullScrape.FRESH_FOR);
        assertEquals(2, ((BDict) client.getDict("/scrape").get("files").orElseThrow()).entries().size(), "then it is made again");
    }

    @Test
    void aScrapeOfAsManyInfohashesAsParametersAllowedFitsTheRequestLineWhateverTheirBytes() throws Exception {
        start(b -> { });
        client.announce(IH, TrackerClient.id20(10), 6881, 100, "event=started");
        StringBuilder query = new StringBuilder("/scrape?info_hash=").append(TrackerClient.percent(IH));
        for (int i = 1; i < org.murder.tracker.http.HttpSettings.MAX_PARAMETERS; i++) {
            query.append("&info_hash=").append(String.format("%%%02X", 0x80 + i)).append("%FF".repeat(19)); // every byte escaped
        }
        BDict files = (BDict) client.getDict(query.toString()).get("files").orElseThrow();
        assertEquals(org.murder.tracker.http.HttpSettings.MAX_PARAMETERS, files.entries().size());
        assertEquals(1, TrackerClient.integer((BDict) files.get(new String(IH, StandardCharsets.ISO_8859_1)).orElseThrow(),
                "incomplete"));
    }

    @Test
    void stoppedPeersLeaveAtOnce() throws Exception {
        start(b -> { });
        client.announce(IH, TrackerClient.id20(10), 6881, 100, "");
        client.announce(IH, TrackerClient.id20(11), 6882, 100, "");
        client.announce(IH, TrackerClient.id20(11), 6882, 100, "event=stopped");
        assertEquals(0, TrackerClient.bytes(client.announce(IH, TrackerClient.id20(10), 6881, 100, ""), "peers").length);
    }

    @Test
    void silentPeersExpireOnTheInjectedClock() throws Exception {
        start(b -> b.interval(Duration.ofSeconds(15)).peerTimeout(Duration.ofSeconds(60)));
        client.announce(IH, TrackerClient.id20(10), 6881, 100, "");
        client.announce(IH, TrackerClient.id20(11), 6882, 0, "");
        clock.advance(Duration.ofSeconds(45));
        client.announce(IH, TrackerClient.id20(11), 6882, 0, "");
        clock.advance(Duration.ofSeconds(30));
        BDict r = client.announce(IH, TrackerClient.id20(12), 6883, 100, "");
        assertEquals(List.of(6882), TrackerClient.compactPorts(TrackerClient.bytes(r, "peers")), "6881 was silent for 75 s");
        clock.advance(Duration.ofSeconds(61));
        assertEquals(2, server.sweep());
        assertEquals(0, server.registry().peerCount());
    }

    // ---- whitelist ----

    @Test
    void whitelistModeRefusesUnknownTorrentsWithAFailureReason() throws Exception {
        start(b -> b.open(false));
        HttpResponse<byte[]> r = client.get(client.announceQuery(IH, TrackerClient.id20(10), 6881, 100, ""));
        assertEquals(200, r.statusCode());
        assertEquals("torrent " + IH_HEX + " is not registered with this tracker", TrackerClient.failureReason(r.body()));
        assertEquals(0, server.registry().swarmCount());
        BDict scrape = client.getDict("/scrape?info_hash=" + TrackerClient.percent(IH));
        assertTrue(((BDict) scrape.get("files").orElseThrow()).entries().isEmpty());
    }

    @Test
    void registrationOverHttpFromLoopbackThenDeletion() throws Exception {
        start(b -> b.open(false));
        HttpResponse<byte[]> created = client.send(HttpRequest.newBuilder(URI.create(client.base() + "/whitelist/" + IH_HEX))
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertEquals(201, created.statusCode());
        assertEquals(IH_HEX + " registered\n", new String(created.body(), StandardCharsets.UTF_8));
        assertEquals(200, client.send(HttpRequest.newBuilder(URI.create(client.base() + "/whitelist/" + IH_HEX.toUpperCase()))
                .PUT(HttpRequest.BodyPublishers.noBody())).statusCode(), "again: already registered");
        assertEquals(200, client.get("/whitelist/" + IH_HEX).statusCode());
        assertEquals(IH_HEX + " registered\n", new String(client.get("/whitelist").body(), StandardCharsets.UTF_8));

        client.announce(IH, TrackerClient.id20(10), 6881, 100, "");
        assertEquals(1, server.registry().peerCount());

        HttpResponse<byte[]> deleted = client.send(HttpRequest.newBuilder(URI.create(client.base() + "/whitelist/" + IH_HEX)).DELETE());
        assertEquals(200, deleted.statusCode());
        assertEquals(IH_HEX + " unregistered; dropped 1 peers\n", new String(deleted.body(), StandardCharsets.UTF_8));
        assertEquals(0, server.registry().peerCount());
        assertEquals(404, client.send(HttpRequest.newBuilder(URI.create(client.base() + "/whitelist/" + IH_HEX)).DELETE()).statusCode());
        assertEquals(400, client.send(HttpRequest.newBuilder(URI.create(client.base() + "/whitelist/nothex"))
                .POST(HttpRequest.BodyPublishers.noBody())).statusCode());
    }

    /** A web page open on the tracker's host posts to 127.0.0.1 without a preflight: a browser's request changes nothing. */
    @Test
    void aBrowsersRequestChangesNoWhitelistFromLoopbackOrWithTheToken() throws Exception {
        String token = "0123456789abcdef-secret";
        start(b -> b.open(false));
        HttpResponse<byte[]> fromPage = client.send(HttpRequest.newBuilder(URI.create(client.base() + "/whitelist/" + IH_HEX))
                .header("Origin", "http://evil.example").POST(HttpRequest.BodyPublishers.noBody()));
        assertEquals(403, fromPage.statusCode());
        assertEquals("whitelist changes are not taken from a web page (the request has an Origin header; expected: murder, curl or a"
                + " script)\n", new String(fromPage.body(), StandardCharsets.UTF_8));
        assertEquals(403, client.send(HttpRequest.newBuilder(URI.create(client.base() + "/whitelist/" + IH_HEX))
                .header("Sec-Fetch-Site", "cross-site").POST(HttpRequest.BodyPublishers.noBody())).statusCode());
        assertFalse(server.whitelist().allows(InfoHash.of(IH)));
        assertEquals(201, client.send(HttpRequest.newBuilder(URI.create(client.base() + "/whitelist/" + IH_HEX))
                .header("Sec-Fetch-Site", "none").POST(HttpRequest.BodyPublishers.noBody())).statusCode(), "typed into the address bar");
        server.close();
        start(b -> b.open(false).adminToken(token));
        assertEquals(403, client.send(HttpRequest.newBuilder(URI.create(client.base() + "/whitelist/" + IH_HEX))
                .header("Authorization", "Bearer " + token).header("Origin", "null").DELETE()).statusCode());
    }

    @Test
    void withATokenRegistrationNeedsTheBearerToken() throws Exception {
        String token = "0123456789abcdef-secret";
        start(b -> b.open(false).adminToken(token));
        HttpRequest.Builder post = HttpRequest.newBuilder(URI.create(client.base() + "/whitelist/" + IH_HEX))
                .POST(HttpRequest.BodyPublishers.noBody());
        HttpResponse<byte[]> denied = client.send(post);
        assertEquals(403, denied.statusCode());
        assertEquals("whitelist changes need the admin token (expected: Authorization: Bearer TOKEN)\n",
                new String(denied.body(), StandardCharsets.UTF_8));
        assertEquals(403, client.send(HttpRequest.newBuilder(URI.create(client.base() + "/whitelist/" + IH_HEX))
                .header("Authorization", "Bearer wrong-token-0123456").POST(HttpRequest.BodyPublishers.noBody())).statusCode());
        assertEquals(201, client.send(HttpRequest.newBuilder(URI.create(client.base() + "/whitelist/" + IH_HEX))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody())).statusCode());
        assertTrue(server.whitelist().allows(InfoHash.of(IH)));
    }

    @Test
    void whitelistDirectoryIsRescanned() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("torrents"));
        byte[] torrent = torrentFixture("a.bin");
        InfoHash ih = org.murder.core.metainfo.MetaInfo.parse(torrent).infoHash();
        start(b -> b.open(false).whitelistDir(dir));
        assertFalse(server.whitelist().allows(ih));
        Files.write(dir.resolve("a.torrent"), torrent);
        server.rescanWhitelist();
        BDict ok = client.announce(ih.toBytes(), TrackerClient.id20(10), 6881, 100, "");
        assertTrue(ok.containsKey("peers"));
        Files.delete(dir.resolve("a.torrent"));
        server.rescanWhitelist();
        assertEquals("torrent " + ih + " is not registered with this tracker", TrackerClient.failureReason(
                client.get(client.announceQuery(ih.toBytes(), TrackerClient.id20(10), 6881, 100, "")).body()));
        assertEquals(0, server.registry().peerCount(), "its swarm was dropped");
    }

    static byte[] torrentFixture(String name) {
        BDict info = BDict.builder().put("length", 1).put("name", name).put("piece length", 16384)
                .put("pieces", BString.of(new byte[20])).build();
        return Bencode.encode(BDict.builder().put("announce", "http://127.0.0.1:8998/announce").put("info", info).build());
    }

    // ---- state file ----

    @Test
    void restartWithTheStateFileKeepsSwarmsCountersAndRegistrations() throws Exception {
        Path state = tmp.resolve("tracker.state");
        start(b -> b.open(false).stateFile(state));
        server.whitelist().register(InfoHash.of(IH));
        client.announce(IH, TrackerClient.id20(10), 6881, 100, "");
        client.announce(IH, TrackerClient.id20(11), 6882, 0, "event=completed");
        server.close();
        assertTrue(Files.exists(state));

        start(b -> b.open(false).stateFile(state));
        assertTrue(server.whitelist().allows(InfoHash.of(IH)));
        BDict r = client.announce(IH, TrackerClient.id20(12), 6883, 100, "");
        assertEquals(1, TrackerClient.integer(r, "complete"));
        assertEquals(2, TrackerClient.integer(r, "incomplete"));
        assertEquals(1, TrackerClient.integer(r, "downloaded"));
        assertEquals(List.of(6882, 6881), TrackerClient.compactPorts(TrackerClient.bytes(r, "peers")));
    }

    private long corruptCopies() throws java.io.IOException {
        try (java.util.stream.Stream<Path> s = Files.list(tmp)) {
            return s.filter(p -> p.getFileName().toString().startsWith("tracker.state.corrupt-")).count();
        }
    }

    /** A second corrupt file is moved aside beside the first, not over it: the evidence stays; the newest three are kept. */
    @Test
    void aSecondCorruptStateFileKeepsTheFirstsCopy() throws Exception {
        Path state = tmp.resolve("tracker.state");
        for (int restart = 1; restart <= 4; restart++) {
            Files.writeString(state, restart % 2 == 0 ? "not bencode" : "d7:versioni1e5:swarmsl");
            start(b -> b.stateFile(state));
            assertEquals(Math.min(restart, 3), corruptCopies());
            server.close();
            server = null;
            clock.advance(java.time.Duration.ofSeconds(1));
        }
    }

    /** A state file larger than an eighth of the heap is moved aside like a corrupt one: a 500 MB file ran the tracker out of heap at every start. */
    @Test
    void aStateFileTooLargeForTheHeapIsMovedAsideNotRead() throws Exception {
        Path state = tmp.resolve("tracker.state");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(state.toFile(), "rw")) {
            f.setLength(StateFile.maxSize() + 1); // sparse
        }
        StateFile.CorruptStateException e = org.junit.jupiter.api.Assertions.assertThrows(StateFile.CorruptStateException.class,
                () -> StateFile.read(state));
        assertTrue(e.getMessage().startsWith((StateFile.maxSize() + 1) + " bytes, more than this tracker reads back ("), e.getMessage());
        start(b -> b.stateFile(state));
        assertEquals(1, corruptCopies());
        assertTrue(Files.notExists(state));
    }

    @Test
    void aCorruptStateFileIsReportedMovedAsideAndIgnored() throws Exception {
        Path state = tmp.resolve("tracker.state");
        Files.writeString(state, "d7:versioni1e5:swarmsl");
        start(b -> b.stateFile(state));
        assertEquals(0, server.registry().swarmCount());
        assertEquals(1, corruptCopies());
        client.announce(IH, TrackerClient.id20(10), 6881, 100, "");
        server.saveState();
        assertEquals(1, StateFile.read(state).orElseThrow().swarms().size());
    }

    // ---- bad input: each gets an answer and the tracker keeps serving ----

    private void assertBadAnnounce(String query, String reason) throws Exception {
        HttpResponse<byte[]> r = client.get("/announce?" + query);
        assertEquals(400, r.statusCode(), query);
        assertEquals(reason, TrackerClient.failureReason(r.body()));
    }

    @Test
    void malformedParametersGetABencodedFailureReason() throws Exception {
        start(b -> { });
        String ok = "peer_id=" + TrackerClient.percent(TrackerClient.id20(5)) + "&port=1&left=0";
        assertBadAnnounce(ok, "missing info_hash (expected: 20 bytes, percent-encoded)");
        assertBadAnnounce("info_hash=%01%02%03&" + ok, "info_hash: 3 bytes (expected: 20)");
        assertBadAnnounce("info_hash=" + TrackerClient.percent(IH) + "&peer_id=" + TrackerClient.percent(TrackerClient.id20(5))
                + "&port=70000&left=0", "port: 70000 (expected: 1 to 65535)");
        String base = "info_hash=" + TrackerClient.percent(IH) + "&" + ok;
        assertBadAnnounce(base + "&numwant=-5", "numwant: '-5' (expected: a non-negative integer)");
        assertBadAnnounce(base + "&numwant=1000000", "numwant: 1000000 (expected: 0 to 65535)");
        assertBadAnnounce(base + "&event=boom", "event: 'boom' (expected: started, completed, stopped, paused or empty)");
        // one parameter twice: which counts would be a guess (we took the first, others take the last)
        assertBadAnnounce(base + "&port=2", "port: given 2 times (expected: once)");
        assertBadAnnounce(base + "&ip=fe80::1%25eth0", "ip: 'fe80::1%25eth0' (expected: an address without a zone, one other hosts can reach)");
        assertBadAnnounce(base + "&info_hash=" + TrackerClient.percent(TrackerClient.id20(9)), "info_hash: given 2 times (expected: once)");
        String junk = client.raw(("GET /announce?info_hash=%zz" + TrackerClient.percent(IH) + "&" + ok
                + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        assertTrue(junk.startsWith("HTTP/1.1 400 Bad Request"), junk);
        assertTrue(junk.endsWith("d14:failure reason78:malformed percent-encoding at query offset 10 (expected: % and two hex digits)e"), junk);
        HttpResponse<byte[]> scrape = client.get("/scrape?info_hash=%01%02");
        assertEquals(400, scrape.statusCode());
        assertEquals("info_hash: 2 bytes (expected: 20)", TrackerClient.failureReason(scrape.body()));
        assertEquals(11, server.metrics().errors("bad_request"));
        assertTrue(client.announce(IH, TrackerClient.id20(10), 6881, 100, "").containsKey("peers"), "still serving");
    }

    @Test
    void unknownPathsAndMethods() throws Exception {
        start(b -> { });
        HttpResponse<byte[]> notFound = client.get("/announce.php?x=1");
        assertEquals(404, notFound.statusCode());
        assertEquals("unknown path '/announce.php' (expected: /announce, /scrape, /stats, /metrics, /whitelist)",
                TrackerClient.failureReason(notFound.body()));
        HttpResponse<byte[]> post = client.send(HttpRequest.newBuilder(URI.create(client.base() + "/announce"))
                .POST(HttpRequest.BodyPublishers.ofString("x")));
        assertEquals(405, post.statusCode());
        assertEquals("method POST (expected: GET)", TrackerClient.failureReason(post.body()));
    }

    @Test
    void headGetsAGetsHeadersWithoutItsBody() throws Exception {
        // monitoring probes and load balancers' health checks ask with HEAD
        start(b -> { });
        for (String path : List.of("/stats", "/metrics", "/whitelist")) {
            HttpResponse<byte[]> get = client.get(path);
            HttpResponse<byte[]> head = client.send(HttpRequest.newBuilder(URI.create(client.base() + path))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()));
            assertEquals(200, head.statusCode(), path);
            assertEquals(0, head.body().length, path);
            assertEquals(get.headers().firstValue("content-type"), head.headers().firstValue("content-type"), path);
            assertTrue(head.headers().firstValueAsLong("content-length").orElseThrow() > 0, path);
        }
        String raw = client.raw("HEAD /stats HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertTrue(raw.startsWith("HTTP/1.1 200 OK") && raw.endsWith("\r\n\r\n"), "no body on the wire: " + raw);
        // but a HEAD announce would join the swarm: GET only
        HttpResponse<byte[]> announce = client.send(HttpRequest.newBuilder(URI.create(client.base() + "/announce?info_hash="
                + TrackerClient.percent(IH) + "&peer_id=" + TrackerClient.percent(TrackerClient.id20(5)) + "&port=1&left=0"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertEquals(405, announce.statusCode());
        assertEquals(0, server.registry().swarmCount(), "nobody joined");
        assertEquals(Optional.of("GET"), announce.headers().firstValue("allow"), "what /announce takes");
        HttpResponse<byte[]> post = client.send(HttpRequest.newBuilder(URI.create(client.base() + "/stats"))
                .POST(HttpRequest.BodyPublishers.ofString("x")));
        assertEquals(Optional.of("GET, HEAD"), post.headers().firstValue("allow"), "what /stats takes");
    }

    @Test
    void oversizedRequestLineHeadersAndBodyAreRefusedAndClosed() throws Exception {
        start(b -> b.maxRequestLine(512).maxHeaderSize(1024).maxBody(64));
        String longLine = client.raw(("GET /announce?x=" + "a".repeat(600) + " HTTP/1.1\r\nHost: t\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        assertTrue(longLine.startsWith("HTTP/1.1 414 "), longLine);
        assertTrue(longLine.contains("failure reason"), longLine);
        String bigHeaders = client.raw(("GET /stats HTTP/1.1\r\nHost: t\r\nX-Junk: " + "b".repeat(2000) + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        assertTrue(bigHeaders.startsWith("HTTP/1.1 431 "), bigHeaders);
        try (Socket s = client.open()) {
            s.getOutputStream().write(("POST /whitelist/" + IH_HEX + " HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n"
                    + "c".repeat(1000)).getBytes(StandardCharsets.US_ASCII));
            s.setSoTimeout(5000);
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII); // to its end: closed
            assertTrue(answer.startsWith("HTTP/1.1 413 "), answer);
            assertTrue(answer.toLowerCase(java.util.Locale.ROOT).contains("connection: close"), answer);
        }
        String garbage = client.raw("\u0001\u0002 nonsense\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        assertTrue(garbage.startsWith("HTTP/1.") && garbage.contains(" 400 "), garbage);
        assertTrue(client.announce(IH, TrackerClient.id20(10), 6881, 100, "").containsKey("peers"), "still serving");
    }

    @Test
    void slowAndHalfOpenClientsAreClosedWhileOthersAreServed() throws Exception {
        start(b -> b.requestTimeout(Duration.ofMillis(300)).idleTimeout(Duration.ofMillis(600)));
        try (Socket slow = client.open(); Socket idle = client.open()) {
            OutputStream out = slow.getOutputStream();
            out.write("GET /announce?info_hash=".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertTrue(client.announce(IH, TrackerClient.id20(10), 6881, 100, "").containsKey("peers"), "others are served");
            String answer = TrackerClient.readAll(slow.getInputStream());
            assertTrue(answer.startsWith("HTTP/1.1 408 "), answer);
            InputStream in = idle.getInputStream();
            long t0 = System.nanoTime();
            assertEquals(-1, in.read(), "the idle connection is closed by the server");
            assertTrue(System.nanoTime() - t0 < 4_000_000_000L);
        }
        assertEquals(1, server.metrics().errors("timeout"));
    }

    /**
     * A connection that never sends a byte is closed at the request timeout, not the idle timeout: silent
     * connections reopened as they closed held the connection cap (an HTTP audit: 110 of 111 honest
     * announces got 503). Nothing was asked, so nothing is answered or counted as a timeout.
     */
    @Test
    void aConnectionThatSendsNothingIsClosedAtTheRequestTimeout() throws Exception {
        start(b -> b.requestTimeout(Duration.ofMillis(300)).idleTimeout(Duration.ofSeconds(60)));
        try (Socket silent = client.open()) {
            silent.setSoTimeout(10_000);
            long t0 = System.nanoTime();
            assertEquals(-1, silent.getInputStream().read(), "closed, with no answer");
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "long before the idle timeout");
        }
        assertEquals(0, server.metrics().errors("timeout"));
        assertTrue(client.announce(IH, TrackerClient.id20(10), 6881, 100, "").containsKey("peers"), "others are served");
    }

    /** A client that closes part way through a request's body went: not the tracker's internal error, logged once a connection. */
    @Test
    void aClientClosingPartWayThroughABodyIsNotAnInternalError() throws Exception {
        start(b -> { });
        for (int i = 0; i < 20; i++) { // bounded
            try (Socket s = client.open()) {
                s.getOutputStream().write(("POST /whitelist/" + IH_HEX + " HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n0123456789")
                        .getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
            }
        }
        long end = System.nanoTime() + 5_000_000_000L;
        while (server.metrics().openConnections() > 0 && System.nanoTime() < end) {
            Thread.sleep(20); // bounded: until the server saw every close
        }
        assertEquals(0, server.metrics().openConnections());
        assertEquals(0, server.metrics().errors("internal"));
    }

    /**
     * /stats and /metrics are made at most once a while and shared: 80 clients asking /stats of 80,000
     * peers and reading none of it each held a 12 MB copy and ran the tracker out of direct memory.
     */
    @Test
    void statsAndMetricsAreMadeOnceAWhileAndShared() throws Exception {
        start(b -> { });
        assertTrue(client.announce(IH, TrackerClient.id20(10), 6881, 100, "").containsKey("peers"));
        String stats = new String(client.get("/stats").body(), StandardCharsets.UTF_8);
        String metrics = new String(client.get("/metrics").body(), StandardCharsets.UTF_8);
        assertTrue(client.announce(IH, TrackerClient.id20(11), 6882, 100, "").containsKey("peers"));
        assertEquals(stats, new String(client.get("/stats").body(), StandardCharsets.UTF_8), "the same page a while");
        assertEquals(metrics, new String(client.get("/metrics").body(), StandardCharsets.UTF_8));
        clock.advance(org.murder.tracker.http.TrackerHttpHandler.METRICS_FRESH_FOR);
        assertFalse(metrics.equals(new String(client.get("/metrics").body(), StandardCharsets.UTF_8)), "then made again");
        clock.advance(org.murder.tracker.http.TrackerHttpHandler.STATS_FRESH_FOR);
        String again = new String(client.get("/stats").body(), StandardCharsets.UTF_8);
        assertTrue(again.contains(":6882") && !stats.contains(":6882"), again);
    }

    @Test
    void keepAliveServesManyRequestsOnOneConnectionAndHttp10Closes() throws Exception {
        start(b -> { });
        String req = "GET " + client.announceQuery(IH, TrackerClient.id20(10), 6881, 100, "") + " HTTP/1.1\r\nHost: t\r\n\r\n";
        try (Socket s = client.open()) {
            String last = req.replace("Host: t\r\n", "Host: t\r\nConnection: close\r\n");
            s.getOutputStream().write((req + req + last).getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            String all = TrackerClient.readAll(s.getInputStream());
            assertEquals(3, all.split("HTTP/1.1 200 OK", -1).length - 1, all);
        }
        String old = client.raw(("GET /metrics HTTP/1.0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        assertTrue(old.startsWith("HTTP/1.0 200 OK"), old);
    }

    @Test
    void aRequestSplitIntoManyWritesIsServed() throws Exception {
        start(b -> { });
        byte[] req = ("GET " + client.announceQuery(IH, TrackerClient.id20(10), 6881, 100, "") + " HTTP/1.1\r\nHost: t\r\n"
                + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        try (Socket s = client.open()) {
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            for (int from = 0; from < req.length; from += 7) {
                out.write(req, from, Math.min(7, req.length - from));
                out.flush();
                if (from % 70 == 0) {
                    Thread.sleep(2);
                }
            }
            String answer = TrackerClient.readAll(s.getInputStream());
            assertTrue(answer.startsWith("HTTP/1.1 200 OK") && answer.contains("5:peers"), answer);
        }
    }

    @Test
    void connectionsPastTheCapGet503() throws Exception {
        start(b -> b.maxConnections(2));
        try (Socket a = client.open(); Socket b = client.open()) {
            a.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            a.getInputStream().read();
            b.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            b.getInputStream().read();
            String third = client.raw("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertTrue(third.startsWith("HTTP/1.1 503 "), third);
            assertTrue(third.contains("connection cap"), third);
        }
    }

    @Test
    void oneSourceHoldsNoMoreConnectionsThanItsShare() throws Exception {
        start(b -> b.maxConnections(4).maxConnectionsPerSource(2));
        try (Socket a = client.open(); Socket b = client.open()) { // 127.0.0.1 holds its two; a third is more than half of 4
            for (Socket s : List.of(a, b)) {
                s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                s.getInputStream().read();
            }
            String third = client.raw("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertTrue(third.startsWith("HTTP/1.1 503 ") && third.contains("for this address"), third);
            String reply; // another source still gets in
            try (Socket s = new Socket()) {
                s.bind(new InetSocketAddress("127.0.0.2", 0));
                s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
                s.getOutputStream().write(("GET " + client.announceQuery(IH, TrackerClient.id20(30), 6881, 100, "")
                        + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                reply = TrackerClient.readAll(s.getInputStream());
            }
            assertTrue(reply.startsWith("HTTP/1.1 200 OK") && reply.contains("5:peers"), reply);
        }
        // and closed ones are given back (once the server has seen them close: asked again until then, for at most 10 s)
        long end = System.nanoTime() + 10_000_000_000L;
        int status;
        do {
            status = client.get(client.announceQuery(IH, TrackerClient.id20(31), 6882, 100, "")).statusCode();
        } while (status != 200 && System.nanoTime() < end);
        assertEquals(200, status);
    }

    @Test
    void swarmAndPeerCapsAnswerWithAFailureReason() throws Exception {
        start(b -> b.maxSwarms(1).maxPeersPerSwarm(1));
        client.announce(IH, TrackerClient.id20(10), 6881, 100, "");
        HttpResponse<byte[]> full = client.get(client.announceQuery(IH, TrackerClient.id20(11), 6882, 100, ""));
        assertEquals(200, full.statusCode());
        assertEquals("swarm " + IH_HEX + " is full: 1 peers (cap --max-peers-per-swarm)", TrackerClient.failureReason(full.body()));
        HttpResponse<byte[]> swarms = client.get(client.announceQuery(TrackerClient.id20(2), TrackerClient.id20(11), 6882, 100, ""));
        assertEquals("tracker is full: 1 swarms (cap --max-swarms)", TrackerClient.failureReason(swarms.body()));
    }

    @Test
    void aFullSwarmMakesRoomForAnotherSourceAtTheExpenseOfTheSourceThatFilledIt() throws Exception {
        start(b -> b.maxPeersPerSwarm(3));
        for (int i = 0; i < 3; i++) { // one client, three made-up peers, each naming another address
            client.announce(IH, TrackerClient.id20(10 + i), 6881 + i, 100, "&ip=10.0.0." + (i + 1));
        }
        HttpResponse<byte[]> itself = client.get(client.announceQuery(IH, TrackerClient.id20(13), 6884, 100, "&ip=10.0.0.4"));
        assertEquals("swarm " + IH_HEX + " is full: 3 peers (cap --max-peers-per-swarm)", TrackerClient.failureReason(itself.body()));

        String reply; // a host with its own address
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress("127.0.0.2", 0));
            s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(("GET " + client.announceQuery(IH, TrackerClient.id20(20), 7000, 100, "")
                    + " HTTP/1.0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            reply = TrackerClient.readAll(s.getInputStream());
        }
        assertTrue(reply.contains(" 200 OK") && reply.contains("10:incompletei3e") && reply.contains("5:peers12:"), reply);
        assertFalse(reply.contains("failure reason"), reply);
        String m = new String(client.get("/metrics").body(), StandardCharsets.UTF_8);
        assertTrue(m.contains("murder_tracker_displaced_total{what=\"peers\"} 1.0"), m);
        assertTrue(m.contains("murder_tracker_displaced_total{what=\"swarms\"} 0.0"), m);
    }

    @Test
    void aPeerThatGivesARackIsHandedItsRackAndAStandardClientIsNot() throws Exception {
        start(b -> b.rackGateways(3)); // racks of four: three gateways and a member
        // rack a: 7001, 7002 and 7003 are its gateways (the first three to arrive), 7004 a member; rack b: 7005 to 7008
        for (int port = 7001; port <= 7008; port++) {
            client.announce(IH, TrackerClient.id20(port), port, 100, "event=started&rack=" + (port <= 7004 ? "a" : "b"));
        }
        BDict member = client.announce(IH, TrackerClient.id20(7004), 7004, 100, "rack=a");
        assertEquals(Set.of(7001, 7002, 7003), Set.copyOf(TrackerClient.compactPorts(TrackerClient.bytes(member, "peers"))));
        assertEquals("7f000001", org.murder.core.Hex.encode(TrackerClient.bytes(member, "murder rack")),
                "its rack-mates' addresses (all 127.0.0.1 here, said once)");
        assertTrue(member.get("murder gateway").isEmpty(), "a member is no gateway");
        BDict gateway = client.announce(IH, TrackerClient.id20(7002), 7002, 100, "rack=a");
        assertEquals(Set.of(7001, 7003, 7004, 7005, 7006, 7007), Set.copyOf(TrackerClient.compactPorts(TrackerClient.bytes(gateway,
                "peers"))), "a gateway also gets the gateways of rack b");
        assertEquals(List.of(1L, 3L), List.of(((org.murder.core.bencode.BInteger) gateway.get("murder gateway").orElseThrow()).value(),
                ((org.murder.core.bencode.BInteger) gateway.get("murder gateways").orElseThrow()).value()), "gateway 1 of 3");
        BDict seed = client.announce(IH, TrackerClient.id20(7000), 7000, 0, "event=started");
        assertEquals(Set.of(7001, 7002, 7003, 7005, 7006, 7007), Set.copyOf(TrackerClient.compactPorts(TrackerClient.bytes(seed,
                "peers"))), "a peer without a rack (the origin, another client) gets every rack's gateways");
        assertTrue(seed.get("murder rack").isEmpty(), "and no rack-mates");
        HttpResponse<byte[]> bad = client.get(client.announceQuery(IH, TrackerClient.id20(7009), 7009, 100, "rack=row%201"));
        assertEquals(400, bad.statusCode());
        assertEquals("rack: 'row 1' (expected: 1 to 64 letters, digits, '.', '_', ':' or '-')", TrackerClient.failureReason(bad.body()));
        String stats = new String(client.get("/stats").body(), StandardCharsets.UTF_8);
        assertTrue(stats.contains("racks: (none) 1 (1 seeders); a 4 (0 seeders); b 4 (0 seeders)"), stats);
    }

    // ---- stats and metrics ----

    @Test
    void statsPageShowsTorrentsCountsAndPeerAddresses() throws Exception {
        start(b -> { });
        client.announce(IH, TrackerClient.id20(10), 6881, 100, "");
        client.announce(IH, TrackerClient.id20(11), 6882, 0, "event=completed");
        HttpResponse<byte[]> r = client.get("/stats");
        assertEquals(200, r.statusCode());
        assertEquals("text/html; charset=utf-8", r.headers().firstValue("content-type").orElseThrow());
        String html = new String(r.body(), StandardCharsets.UTF_8);
        assertTrue(html.contains("<code>" + IH_HEX + "</code>"), html);
        assertTrue(html.contains("<td>1</td><td>1</td><td>1</td>"), "seeders, leechers, completed: " + html);
        assertTrue(html.contains("127.0.0.1:6881") && html.contains("127.0.0.1:6882"), html);
    }

    @Test
    void metricsAreInPrometheusTextFormat() throws Exception {
        start(b -> { });
        client.announce(IH, TrackerClient.id20(10), 6881, 100, "event=started");
        client.announce(IH, TrackerClient.id20(10), 6881, 100, "");
        client.getDict("/scrape?info_hash=" + TrackerClient.percent(IH));
        client.get("/nope");
        String m = new String(client.get("/metrics").body(), StandardCharsets.UTF_8);
        Scraped page = Scraped.parse(m);
        assertEquals("counter", page.types().get("murder_tracker_announces_total"));
        assertEquals("histogram", page.types().get("murder_tracker_request_duration_seconds"));
        assertEquals(1, page.value("murder_tracker_announces_total{event=\"started\"}"));
        assertEquals(1, page.value("murder_tracker_announces_total{event=\"none\"}"));
        assertEquals(0, page.value("murder_tracker_announces_total{event=\"completed\"}"));
        assertEquals(1, page.value("murder_tracker_scrapes_total"));
        assertEquals(1, page.value("murder_tracker_errors_total{reason=\"not_found\"}"));
        assertEquals(0, page.value("murder_tracker_errors_total{reason=\"timeout\"}"));
        assertEquals(1, page.value("murder_tracker_swarms"));
        assertEquals(1, page.value("murder_tracker_peers{state=\"leecher\"}"));
        assertEquals(0, page.value("murder_tracker_peers{state=\"seeder\"}"));
        assertEquals(2, page.value("murder_tracker_request_duration_seconds_count{path=\"announce\"}"));
        assertEquals(2, page.value("murder_tracker_request_duration_seconds_bucket{path=\"announce\",le=\"+Inf\"}"));
        assertEquals(1, page.value("murder_tracker_request_duration_seconds_count{path=\"scrape\"}"));
        assertEquals(-1, page.value("murder_tracker_whitelist_size"));
        assertEquals(0, page.value("murder_tracker_caps_hit_total{cap=\"swarms\"}"));
        assertTrue(page.value("murder_tracker_connections_total") >= 1, m);
        assertEquals("gauge", page.types().get("murder_tracker_connections"));
        assertTrue(page.value("murder_tracker_connections") >= 1, m);
        assertTrue(page.value("murder_tracker_start_time_seconds") > 1.7e9, m);
        assertEquals(1, page.value("murder_build_info{daemon=\"tracker\",version=\"" + DaemonMetrics.VERSION + "\",revision=\"" + DaemonMetrics.REVISION + "\"}"));
        assertTrue(page.value("jvm_memory_used_bytes{area=\"heap\"}") > 0, m);
        assertTrue(m.contains("le=\"5.0E-5\""), "the smallest bucket, 50 us: " + m);
        Promtool.assertClean(m);
    }

    // ---- start-up failures ----

    @Test
    void aPortInUseIsAOneLineFailure() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            MurderException e = assertThrows(MurderException.class, () -> TrackerServer.start(
                    TrackerConfig.builder().bind("127.0.0.1").port(port).open(true).build(), clock));
            assertEquals(MurderException.FAILURE, e.exitCode());
            assertEquals("cannot listen on 127.0.0.1:" + port + ": address already in use", e.getMessage());
        }
    }

    @Test
    void aMissingWhitelistDirectoryIsBadInput() {
        MurderException e = assertThrows(MurderException.class, () -> TrackerServer.start(
                TrackerConfig.builder().bind("127.0.0.1").port(0).whitelistDir(tmp.resolve("none")).build(), clock));
        assertEquals(MurderException.BAD_INPUT, e.exitCode());
        assertEquals("--whitelist " + tmp.resolve("none") + ": not a directory (expected: a directory of .torrent files)",
                e.getMessage());
    }

    @Test
    void registeredAndDirectoryEntriesBothShowInTheListing() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("t"));
        byte[] torrent = torrentFixture("b.bin");
        Files.write(dir.resolve("b.torrent"), torrent);
        InfoHash fromDir = org.murder.core.metainfo.MetaInfo.parse(torrent).infoHash();
        start(b -> b.open(false).whitelistDir(dir));
        server.whitelist().register(InfoHash.of(IH));
        String listing = new String(client.get("/whitelist").body(), StandardCharsets.UTF_8);
        assertEquals(Set.of(IH_HEX + " registered", fromDir + " directory"), Set.copyOf(listing.lines().toList()));
    }
}
