package org.murder.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.murder.core.MurderException;
import org.murder.testkit.Promtool;
import org.murder.testkit.Scraped;

class MetricsServerTest {
    private static final MetricsEndpoint ANY_PORT = new MetricsEndpoint(InetAddress.getLoopbackAddress(), 0);

    @Test
    void servesBuildInfoJvmAndProcessMetricsThatPromtoolAccepts() throws Exception {
        try (MetricsServer server = MetricsServer.start(ANY_PORT, DaemonMetrics.newRegistry("test"), HealthCheck.SERVING)) {
            Scraped page = Scraped.get(URI.create(server.url()));
            assertEquals(1, page.value("murder_build_info{daemon=\"test\",version=\"" + DaemonMetrics.VERSION + "\",revision=\"" + DaemonMetrics.REVISION + "\"}"));
            assertTrue(DaemonMetrics.VERSION.matches("\\d+\\.\\d+\\.\\d+.*"), DaemonMetrics.VERSION);
            assertTrue(page.value("jvm_threads_current") > 0, page.text());
            assertTrue(page.value("process_cpu_seconds_total") > 0, page.text());
            Promtool.assertClean(page.text());
        }
    }

    @Test
    void healthzSaysOkOrWhyNot() throws Exception {
        AtomicReference<HealthStatus> health = new AtomicReference<>(HealthStatus.ok());
        try (MetricsServer server = MetricsServer.start(ANY_PORT, new PrometheusRegistry(), health::get)) {
            URI healthz = URI.create(server.url().replace("/metrics", "/healthz"));
            assertEquals("200 ok\n", get(healthz));
            health.set(HealthStatus.unhealthy("zookeeper: disconnected (suspended) for 3 s"));
            assertEquals("503 zookeeper: disconnected (suspended) for 3 s\n", get(healthz));
            assertEquals("404 unknown path '/' (expected: /metrics, /healthz)\n", get(URI.create(server.url().replace("/metrics", "/"))));
        }
    }

    @Test
    void clientsThatSendAByteAndStopDoNotKeepHealthzFromOthers() throws Exception {
        try (MetricsServer server = MetricsServer.start(ANY_PORT, new PrometheusRegistry(), HealthCheck.SERVING)) {
            URI healthz = URI.create(server.url().replace("/metrics", "/healthz"));
            java.util.List<java.net.Socket> stuck = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < 100; i++) { // the JDK's server, before, was held by four of these
                    java.net.Socket s = new java.net.Socket(healthz.getHost(), healthz.getPort());
                    s.getOutputStream().write('G');
                    s.getOutputStream().flush();
                    stuck.add(s);
                }
                long start = System.nanoTime();
                assertEquals("200 ok\n", get(healthz), "served beside the stuck ones");
                assertTrue(System.nanoTime() - start < java.util.concurrent.TimeUnit.SECONDS.toNanos(SmallHttpServer.MAX_REQUEST_SECONDS),
                        "at once, not when the stuck ones' time ran out");
                java.net.Socket first = stuck.get(0);
                first.setSoTimeout((SmallHttpServer.MAX_REQUEST_SECONDS + 10) * 1000);
                assertEquals(-1, first.getInputStream().read(), "a request not whole in its time is closed");
            } finally {
                for (java.net.Socket s : stuck) {
                    s.close();
                }
            }
        }
    }

    @Test
    void aNewConnectionPastTheCapClosesTheOldestAndIsAnswered() throws Exception {
        try (MetricsServer server = MetricsServer.start(ANY_PORT, new PrometheusRegistry(), HealthCheck.SERVING)) {
            URI healthz = URI.create(server.url().replace("/metrics", "/healthz"));
            java.util.List<java.net.Socket> idle = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < SmallHttpServer.MAX_CONNECTIONS; i++) {
                    idle.add(new java.net.Socket(healthz.getHost(), healthz.getPort()));
                }
                assertEquals("200 ok\n", get(healthz));
                java.net.Socket oldest = idle.get(0);
                oldest.setSoTimeout(10_000);
                assertEquals(-1, oldest.getInputStream().read(), "the oldest made room");
            } finally {
                for (java.net.Socket s : idle) {
                    s.close();
                }
            }
        }
    }

    /**
     * One address opening connections in a loop closes its own, not another client's: closing the oldest
     * of all, 1,000 silent connections reopened as they closed kept a scraper 100 ms away from ever
     * sending its request (an HTTP audit: 0 of 30 answered).
     */
    @Test
    void pastTheCapTheAddressHoldingMostLosesItsOldest() throws Exception {
        try (MetricsServer server = MetricsServer.start(new MetricsEndpoint(InetAddress.getByName("0.0.0.0"), 0),
                new PrometheusRegistry(), HealthCheck.SERVING)) {
            int port = java.net.URI.create(server.url()).getPort();
            java.util.List<java.net.Socket> flood = new java.util.ArrayList<>();
            try (java.net.Socket scraper = new java.net.Socket()) {
                scraper.bind(new java.net.InetSocketAddress("127.0.0.3", 0));
                scraper.connect(new java.net.InetSocketAddress("127.0.0.1", port));
                for (int i = 0; i < SmallHttpServer.MAX_CONNECTIONS + 50; i++) { // bounded: the cap, then 50 more
                    java.net.Socket s = new java.net.Socket();
                    s.bind(new java.net.InetSocketAddress("127.0.0.2", 0));
                    s.connect(new java.net.InetSocketAddress("127.0.0.1", port));
                    flood.add(s);
                }
                scraper.setSoTimeout(10_000);
                scraper.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String answer = new String(scraper.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                assertEquals("HTTP/1.1 200", answer, "the other address's connection was left alone");
                flood.get(0).setSoTimeout(10_000);
                assertEquals(-1, flood.get(0).getInputStream().read(), "the flooding address lost its oldest");
            } finally {
                for (java.net.Socket s : flood) {
                    s.close();
                }
            }
        }
    }

    /** A connection that sends nothing is closed at the request deadline, not kept the idle minute. */
    @Test
    void aConnectionThatSendsNothingIsClosedAtTheRequestDeadline() throws Exception {
        try (MetricsServer server = MetricsServer.start(ANY_PORT, new PrometheusRegistry(), HealthCheck.SERVING);
                java.net.Socket silent = new java.net.Socket("127.0.0.1", java.net.URI.create(server.url()).getPort())) {
            silent.setSoTimeout(30_000);
            long t0 = System.nanoTime();
            assertEquals(-1, silent.getInputStream().read());
            long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
            assertTrue(seconds < SmallHttpServer.IDLE_SECONDS / 2, seconds + " s");
        }
    }

    /** A connection to {@code server} that has sent {@code request} as it is (10 s to read the answer). */
    private static java.net.Socket sent(MetricsServer server, String request) throws java.io.IOException {
        java.net.Socket s = new java.net.Socket("127.0.0.1", java.net.URI.create(server.url()).getPort());
        s.setSoTimeout(10_000);
        s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        return s;
    }

    /** An HTTP version that is not 1.x is refused (HTTP/9.9 was answered 200 OK). */
    @Test
    void anHttpVersionNotOneIsRefused() throws Exception {
        try (MetricsServer server = MetricsServer.start(ANY_PORT, new PrometheusRegistry(), HealthCheck.SERVING);
                java.net.Socket s = sent(server, "GET /healthz HTTP/9.9\r\n\r\n")) {
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(answer.startsWith("HTTP/1.1 505 "), answer);
        }
    }

    /** An HTTP/1.0 client that asks to keep the connection is told so in a 1.0 answer (it waited a minute for the close). */
    @Test
    void anHttp10KeepAliveIsAnsweredInHttp10() throws Exception {
        try (MetricsServer server = MetricsServer.start(ANY_PORT, new PrometheusRegistry(), HealthCheck.SERVING);
                java.net.Socket s = sent(server, "GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")) {
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            assertEquals("HTTP/1.0 200 OK", in.readLine());
            java.util.List<String> headers = new java.util.ArrayList<>();
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                headers.add(line.toLowerCase(java.util.Locale.ROOT));
            }
            assertTrue(headers.contains("connection: keep-alive"), headers.toString());
            assertTrue(headers.contains("x-content-type-options: nosniff"), headers.toString());
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderAndAFloodOfThemClosesTheConnection() throws Exception {
        try (MetricsServer server = MetricsServer.start(ANY_PORT, new PrometheusRegistry(), HealthCheck.SERVING)) {
            URI healthz = URI.create(server.url().replace("/metrics", "/healthz"));
            String one = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
            String nope = "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n";
            try (java.net.Socket s = new java.net.Socket(healthz.getHost(), healthz.getPort())) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write((one + nope + one).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                        java.nio.charset.StandardCharsets.UTF_8));
                List<String> statuses = new java.util.ArrayList<>();
                for (String line; statuses.size() < 3 && (line = in.readLine()) != null; ) {
                    if (line.startsWith("HTTP/1.1 ")) {
                        statuses.add(line);
                    }
                }
                assertEquals(List.of("HTTP/1.1 200 OK", "HTTP/1.1 404 Not Found", "HTTP/1.1 200 OK"), statuses);
            }
            try (java.net.Socket s = new java.net.Socket(healthz.getHost(), healthz.getPort())) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(one.repeat(1000).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                int answers = 0;
                java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                        java.nio.charset.StandardCharsets.UTF_8));
                try {
                    for (String line; (line = in.readLine()) != null; ) {
                        answers += line.startsWith("HTTP/1.1 ") ? 1 : 0;
                    }
                } catch (java.net.SocketException reset) {
                    // closed with our requests unread: a reset
                }
                assertTrue(answers < 1000, "closed before it answered them all: " + answers);
            }
            assertEquals("200 ok\n", get(healthz), "and it serves on");
        }
    }

    @Test
    void answersHeadGzipBadMethodsAndOverlongRequestsAsHttpSays() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        io.prometheus.metrics.core.metrics.Counter.builder().name("murder_test_total").help("a test").register(registry).inc();
        io.prometheus.metrics.core.metrics.Counter.builder().name("murder_other_total").help("another").register(registry).inc();
        try (MetricsServer server = MetricsServer.start(ANY_PORT, registry, HealthCheck.SERVING)) {
            URI metrics = URI.create(server.url());
            HttpClient client = HttpClient.newHttpClient();
            HttpResponse<byte[]> gz = client.send(HttpRequest.newBuilder(metrics).header("Accept-Encoding", "gzip").build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, gz.statusCode());
            assertEquals("gzip", gz.headers().firstValue("Content-Encoding").orElse(""));
            String text = new String(new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gz.body())).readAllBytes(),
                    java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(text.contains("murder_test_total 1.0"), text);
            HttpResponse<String> filtered = client.send(HttpRequest.newBuilder(URI.create(metrics + "?name[]=murder_test_total"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(filtered.body().contains("murder_test_total") && !filtered.body().contains("murder_other"), filtered.body());

            HttpResponse<String> head = client.send(HttpRequest.newBuilder(metrics).method("HEAD", HttpRequest.BodyPublishers.noBody())
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, head.statusCode());
            assertEquals("", head.body());
            HttpResponse<String> getPage = client.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(String.valueOf(getPage.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length),
                    head.headers().firstValue("Content-Length").orElse(""), "HEAD says the length GET sends");
            HttpResponse<String> post = client.send(HttpRequest.newBuilder(metrics).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals("405 method POST not allowed (expected: GET or HEAD)\n", post.statusCode() + " " + post.body());
            HttpResponse<String> longLine = client.send(HttpRequest.newBuilder(URI.create(metrics + "?x=" + "a".repeat(5000))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(414, longLine.statusCode());
            HttpResponse<String> withBody = client.send(HttpRequest.newBuilder(metrics).method("GET",
                    HttpRequest.BodyPublishers.ofString("x".repeat(100))).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(413, withBody.statusCode());
            assertEquals("200 ok\n", get(URI.create(server.url().replace("/metrics", "/healthz"))), "and it serves on");
        }
    }

    @Test
    void aPortInUseIsOneLine() {
        try (MetricsServer first = MetricsServer.start(ANY_PORT, new PrometheusRegistry(), HealthCheck.SERVING)) {
            int port = first.address().getPort();
            MurderException e = assertThrows(MurderException.class, () -> MetricsServer.start(
                    new MetricsEndpoint(InetAddress.getLoopbackAddress(), port), new PrometheusRegistry(), HealthCheck.SERVING));
            assertEquals("--metrics-port: " + port + " is in use (expected: a free TCP port)", e.getMessage());
            assertEquals(MurderException.FAILURE, e.exitCode());
        }
    }

    @Test
    void anAddressOfAnotherHostIsOneLine() throws Exception {
        MetricsEndpoint elsewhere = new MetricsEndpoint(InetAddress.getByName("192.0.2.1"), 0); // TEST-NET-1: never this host's
        MurderException e = assertThrows(MurderException.class,
                () -> MetricsServer.start(elsewhere, new PrometheusRegistry(), HealthCheck.SERVING));
        assertEquals("--metrics-bind: cannot listen on 192.0.2.1 (cannot assign requested address; expected: an address of this"
                + " host, or 0.0.0.0)", e.getMessage());
    }

    @Test
    void portsAreNumbersOrOff() {
        assertEquals(OptionalInt.of(9481), MetricsOptions.parsePort("9481"));
        assertEquals(OptionalInt.empty(), MetricsOptions.parsePort("off"));
        MurderException e = assertThrows(MurderException.class, () -> MetricsOptions.parsePort("70000"));
        assertEquals("--metrics-port '70000' (expected: a TCP port 0-65535, or off)", e.getMessage());
        assertEquals(MurderException.BAD_INPUT, e.exitCode());
    }

    private static String get(URI uri) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).timeout(java.time.Duration.ofSeconds(30))
                .build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }
}
