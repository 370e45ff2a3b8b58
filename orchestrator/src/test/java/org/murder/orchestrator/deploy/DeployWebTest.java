package org.murder.orchestrator.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.murder.orchestrator.deploy.DeployStateTest.SIZE;
import static org.murder.orchestrator.deploy.DeployStateTest.done;
import static org.murder.orchestrator.deploy.DeployStateTest.downloading;
import static org.murder.orchestrator.deploy.DeployStateTest.failed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.murder.core.MurderException;

/** The page's server on loopback, asked with java.net.http. */
@Timeout(30)
class DeployWebTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private DeployWeb web;

    @BeforeEach
    void start() {
        web = DeployWeb.start("127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        web.close();
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(web.url().resolve(path)).timeout(Duration.ofSeconds(5))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesTheStateAsJsonWithItsHistory() throws Exception {
        List<String> hosts = List.of("web-1", "web-2", "web-<3>");
        web.accept(DeployState.of("v42-job", "v42", hosts, SIZE, Map.of("web-1", downloading(500, 100)), 200));
        web.accept(DeployState.of("v42-job", "v42", hosts, SIZE, Map.of("web-1", done(), "web-2", downloading(250, 300),
                "web-<3>", failed("disk <b>full</b>")), 1500));
        HttpResponse<String> r = send("GET", "/api/deploy");
        assertEquals(200, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
        assertEquals("no-store", r.headers().firstValue("Cache-Control").orElse(""));
        assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(""));
        JsonNode s = new ObjectMapper().readTree(r.body());
        assertEquals("v42-job", s.get("job").asText());
        assertEquals("v42", s.get("tag").asText());
        assertEquals("running", s.get("result").asText());
        assertFalse(s.get("finished").asBoolean());
        assertEquals(1500, s.get("elapsedMillis").asLong());
        assertEquals(List.of("waiting", "accepted", "downloading", "ready", "activating", "done", "failed", "other"),
                iterate(s.get("counts").fieldNames()), "counts in the order a deploy goes");
        assertEquals(1, s.get("counts").get("done").asInt());
        assertEquals(300, s.get("rate").asLong());
        assertEquals(3 * SIZE, s.get("totalBytes").asLong());
        assertEquals("web-<3>", s.get("hosts").get(2).get("name").asText());
        assertEquals("failed", s.get("hosts").get(2).get("state").asText());
        assertEquals(25, s.get("hosts").get(1).get("percent").asInt());
        assertEquals("disk <b>full</b>", s.get("failures").get(0).get("reason").asText());
        assertEquals("web-2", s.get("slowest").get(0).get("name").asText());
        assertEquals(0, s.get("moreReasons").asInt());
        assertEquals("[100,300]", s.get("history").toString(), "one point per second");

        web.accept(DeployState.finished("v42-job", "v42", List.of("web-1"), SIZE, Map.of("web-1", done()), 2000,
                List.of(new HostOutcome("web-1", "done", 1, SIZE, "", ""))));
        JsonNode end = new ObjectMapper().readTree(send("GET", "/api/deploy").body());
        assertEquals("done", end.get("result").asText());
        assertTrue(end.get("finished").asBoolean());
    }

    private static List<String> iterate(java.util.Iterator<String> it) {
        List<String> list = new java.util.ArrayList<>();
        it.forEachRemaining(list::add);
        return list;
    }

    @Test
    void beforeAJobTheStateHasNoHosts() throws Exception {
        JsonNode s = new ObjectMapper().readTree(send("GET", "/api/deploy").body());
        assertEquals("", s.get("job").asText());
        assertEquals(0, s.get("hosts").size());
    }

    @Test
    void thePageItsScriptAndStyleComeFromHereUnderAStrictPolicy() throws Exception {
        HttpResponse<String> page = send("GET", "/");
        assertEquals(200, page.statusCode());
        assertEquals("text/html; charset=utf-8", page.headers().firstValue("Content-Type").orElse(""));
        assertEquals(DeployWeb.CSP, page.headers().firstValue("Content-Security-Policy").orElse(""));
        assertTrue(page.body().contains("<script src=\"/app.js\"></script>"), page.body());
        assertFalse(page.body().contains("http://") || page.body().contains("https://"), "no resource from elsewhere");
        HttpResponse<String> js = send("GET", "/app.js");
        assertEquals("text/javascript; charset=utf-8", js.headers().firstValue("Content-Type").orElse(""));
        assertTrue(js.body().contains("/api/deploy"));
        assertFalse(js.body().contains("innerHTML"), "data reaches the page as text only");
        assertEquals("text/css; charset=utf-8", send("GET", "/app.css").headers().firstValue("Content-Type").orElse(""));
    }

    /** The status line of a GET of {@code path} sent with {@code host} as its Host header, through a plain socket. */
    private String statusWithHost(String path, String host) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", web.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            return answer.substring(0, answer.indexOf("\r\n"));
        }
    }

    /** A site whose name an attacker points at 127.0.0.1 (DNS rebinding) read the deploy's state through the operator's browser. */
    @Test
    void aRequestForAnotherSitesNameIsRefused() throws Exception {
        assertEquals("HTTP/1.1 421 Misdirected Request", statusWithHost("/api/deploy", "attacker.example:" + web.port()));
        assertEquals("HTTP/1.1 421 Misdirected Request", statusWithHost("/", "127.0.0.1.attacker.example"));
        assertEquals("HTTP/1.1 200 OK", statusWithHost("/api/deploy", "127.0.0.1:" + web.port()));
        assertEquals("HTTP/1.1 200 OK", statusWithHost("/", "localhost:" + web.port()));
        for (String ok : List.of("10.1.2.3", "[::1]:8080", "[fe80::1]", "LOCALHOST.", "192.168.0.1:80")) {
            assertTrue(DeployWeb.servesHost(ok), ok);
        }
        for (String no : List.of("evil.com", "127.0.0.1.nip.io:80", "[::1]x", "localhost:http", "1.2.3.4:80:80", "")) {
            assertFalse(DeployWeb.servesHost(no), no);
        }
    }

    @Test
    void otherPathsAre404OtherMethods405AndHeadIsGetWithoutItsBody() throws Exception {
        assertEquals(404, send("GET", "/nope").statusCode());
        assertEquals(404, send("GET", "/api/deploy/x").statusCode());
        HttpResponse<String> post = send("POST", "/api/deploy");
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(""));
        assertEquals(405, send("DELETE", "/").statusCode());
        HttpResponse<String> head = send("HEAD", "/"); // a monitor's probe: as GET, without the body (it was 405)
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
        assertEquals(String.valueOf(send("GET", "/").body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length),
                head.headers().firstValue("Content-Length").orElse(""));
        assertEquals("no-store", post.headers().firstValue("Cache-Control").orElse(""));
    }

    @Test
    void clientsThatSendAByteAndStopDoNotKeepThePageFromOthers() throws Exception {
        List<java.net.Socket> stuck = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) { // its two threads, on the JDK's server, were held by two of these for good
                java.net.Socket s = new java.net.Socket("127.0.0.1", web.port());
                s.getOutputStream().write('G');
                s.getOutputStream().flush();
                stuck.add(s);
            }
            assertEquals(200, send("GET", "/api/deploy").statusCode());
        } finally {
            for (java.net.Socket s : stuck) {
                s.close();
            }
        }
    }

    @Test
    void aPortInUseIsAFailureNamingTheOption() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            MurderException e = assertThrows(MurderException.class, () -> DeployWeb.start("127.0.0.1", taken.getLocalPort()));
            assertEquals("deploy: --web " + taken.getLocalPort() + ": port in use (expected: a free port, or 0)", e.getMessage());
            assertEquals(MurderException.FAILURE, e.exitCode(), "exit 1, as for every port in use");
        }
        MurderException e = assertThrows(MurderException.class, () -> DeployWeb.start("127.0.0.1", 70000));
        assertEquals("deploy: --web 70000: not a port (expected: a free port 1 to 65535, or 0)", e.getMessage());
    }

    @Test
    void theUrlNamesTheBoundAddressAndPort() {
        assertEquals(URI.create("http://127.0.0.1:" + web.port() + "/"), web.url());
    }
}
