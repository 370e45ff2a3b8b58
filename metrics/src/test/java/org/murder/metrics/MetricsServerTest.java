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
            assertEquals(1, page.value("murder_build_info{daemon=\"test\",version=\"" + DaemonMetrics.VERSION + "\"}"));
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
                for (int i = 0; i < MetricsServer.THREADS - 1; i++) {
                    java.net.Socket s = new java.net.Socket(healthz.getHost(), healthz.getPort());
                    s.getOutputStream().write('G');
                    s.getOutputStream().flush();
                    stuck.add(s);
                }
                assertEquals("200 ok\n", get(healthz), "served beside the stuck ones");
                // and one more stuck than there are threads: each is dropped within the request time, and health answers
                for (int i = 0; i < 2; i++) {
                    java.net.Socket s = new java.net.Socket(healthz.getHost(), healthz.getPort());
                    s.getOutputStream().write('G');
                    s.getOutputStream().flush();
                    stuck.add(s);
                }
                assertEquals("200 ok\n", get(healthz), "after the stuck requests' time ran out");
            } finally {
                for (java.net.Socket s : stuck) {
                    s.close();
                }
            }
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
