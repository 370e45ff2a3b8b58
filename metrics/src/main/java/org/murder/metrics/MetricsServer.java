package org.murder.metrics;

import io.prometheus.metrics.exporter.common.PrometheusHttpExchange;
import io.prometheus.metrics.exporter.common.PrometheusHttpRequest;
import io.prometheus.metrics.exporter.common.PrometheusHttpResponse;
import io.prometheus.metrics.exporter.common.PrometheusScrapeHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.murder.core.MurderException;
import org.murder.core.Printable;
import org.murder.metrics.SmallHttpServer.Request;
import org.murder.metrics.SmallHttpServer.Response;

/**
 * A daemon's metrics over HTTP ({@link SmallHttpServer}: slow clients hold a socket, not a thread):
 * {@code GET /metrics} (the Prometheus client's scrape handler: text format, gzip, OpenMetrics when
 * asked, {@code name[]} filters) and {@code GET /healthz} (200 {@code ok}, or 503 and the reason).
 */
public final class MetricsServer implements Closeable {
    static final String PATHS = "/metrics, /healthz";

    /** Requests answered at once (each read whole before): a scrape and a health check side by side. */
    static final int THREADS = 2;

    private final SmallHttpServer server;

    private MetricsServer(SmallHttpServer server) {
        this.server = server;
    }

    /** Listens on {@code endpoint}; a port in use or an address not of this host is a one-line {@link MurderException}. */
    public static MetricsServer start(MetricsEndpoint endpoint, PrometheusRegistry registry, HealthCheck health) {
        PrometheusScrapeHandler scrape = new PrometheusScrapeHandler(DaemonMetrics.withJvm(registry));
        try {
            return new MetricsServer(SmallHttpServer.start(endpoint.socketAddress(), "murder-metrics", THREADS,
                    request -> answer(request, scrape, health)));
        } catch (IOException e) {
            String message = String.valueOf(e.getMessage());
            if (e instanceof BindException && message.contains("in use")) {
                throw MurderException.failure("--metrics-port: " + endpoint.port() + " is in use (expected: a free TCP port)", e);
            }
            if (e instanceof BindException) {
                throw MurderException.failure("--metrics-bind: cannot listen on " + endpoint.bind().getHostAddress() + " ("
                        + message.toLowerCase(Locale.ROOT) + "; expected: an address of this host, or 0.0.0.0)", e);
            }
            throw MurderException.failure("metrics: cannot listen on " + endpoint.bind().getHostAddress() + ":" + endpoint.port()
                    + " (" + message + ")", e);
        }
    }

    private static Response answer(Request request, PrometheusScrapeHandler scrape, HealthCheck health) throws IOException {
        if (!request.method().equals("GET") && !request.isHead()) {
            return Response.text(405, "method " + Printable.escape(request.method()) + " not allowed (expected: GET or HEAD)\n");
        }
        return switch (request.path()) {
            case "/metrics" -> {
                ScrapeExchange exchange = new ScrapeExchange(request);
                scrape.handleRequest(exchange);
                yield exchange.response();
            }
            case "/healthz" -> {
                HealthStatus status = health.check();
                yield Response.text(status.healthy() ? 200 : 503, status.detail() + "\n");
            }
            default -> Response.text(404, "unknown path '" + Printable.escape(request.path()) + "' (expected: " + PATHS + ")\n");
        };
    }

    /** The Prometheus client's view of one request, and the answer it writes, held whole in memory. */
    private static final class ScrapeExchange implements PrometheusHttpExchange, PrometheusHttpRequest, PrometheusHttpResponse {
        private final Request request;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private final Map<String, String> headers = new LinkedHashMap<>();
        private int status = 500;

        ScrapeExchange(Request request) {
            this.request = request;
        }

        Response response() {
            return new Response(status, headers, body.toByteArray());
        }

        @Override
        public PrometheusHttpRequest getRequest() {
            return this;
        }

        @Override
        public PrometheusHttpResponse getResponse() {
            return this;
        }

        @Override
        public void handleException(IOException e) throws IOException {
            throw e;
        }

        @Override
        public void handleException(RuntimeException e) {
            throw e;
        }

        @Override
        public void close() {
            // the answer is sent by the server once the handler returned
        }

        @Override
        public String getQueryString() {
            int q = request.uri().indexOf('?');
            return q < 0 ? null : request.uri().substring(q + 1);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            return Collections.enumeration(request.header(name));
        }

        @Override
        public String getMethod() {
            return "GET"; // for HEAD too: the page is made whole, so its length is known; SmallHttpServer leaves the body out
        }

        @Override
        public String getRequestPath() {
            return request.path();
        }

        @Override
        public void setHeader(String name, String value) {
            if (!name.equalsIgnoreCase("Content-Length")) { // set from the body
                headers.put(name, value);
            }
        }

        @Override
        public OutputStream sendHeadersAndGetBody(int statusCode, int contentLength) {
            status = statusCode;
            return body;
        }
    }

    /** Stops listening; safe to call again (a signal's stop and the main thread's may both close it). */
    @Override
    public void close() {
        server.close();
    }

    /** The address bound (the port chosen, when asked for port 0). */
    public InetSocketAddress address() {
        return server.address();
    }

    /** {@code http://ADDR:PORT/metrics}, for the startup line. */
    public String url() {
        InetSocketAddress a = address();
        String host = a.getAddress().getHostAddress();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort() + "/metrics";
    }
}
