package org.murder.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.murder.core.MurderException;

/**
 * A daemon's metrics over HTTP (the JDK's server, on one thread of its own): {@code GET /metrics}
 * (the Prometheus client's handler: text format, gzip, OpenMetrics when asked) and
 * {@code GET /healthz} (200 {@code ok}, or 503 and the reason).
 */
public final class MetricsServer implements Closeable {
    static final String PATHS = "/metrics, /healthz";

    /** Requests served at once: a scraper, a health check, and a few slow or stuck clients beside them. */
    static final int THREADS = 4;
    /** A request (line, headers) must come whole within this, or its connection is closed (the JDK server's maxReqTime). */
    static final int MAX_REQUEST_SECONDS = 5;

    static {
        // read once, when the JDK's server is first used in this process; an operator's own -D setting wins
        if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
            System.setProperty("sun.net.httpserver.maxReqTime", Integer.toString(MAX_REQUEST_SECONDS));
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private MetricsServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Listens on {@code endpoint}; a port in use or an address not of this host is a one-line {@link MurderException}. */
    public static MetricsServer start(MetricsEndpoint endpoint, PrometheusRegistry registry, HealthCheck health) {
        HttpServer server;
        try {
            server = HttpServer.create(endpoint.socketAddress(), 16);
        } catch (BindException e) {
            String message = String.valueOf(e.getMessage());
            if (message.contains("in use")) {
                throw MurderException.failure("--metrics-port: " + endpoint.port() + " is in use (expected: a free TCP port)", e);
            }
            throw MurderException.failure("--metrics-bind: cannot listen on " + endpoint.bind().getHostAddress() + " ("
                    + message.toLowerCase(java.util.Locale.ROOT) + "; expected: an address of this host, or 0.0.0.0)", e);
        } catch (IOException e) {
            throw MurderException.failure("metrics: cannot listen on " + endpoint.bind().getHostAddress() + ":" + endpoint.port()
                    + " (" + e.getMessage() + ")", e);
        }
        MetricsHandler metrics = new MetricsHandler(registry);
        server.createContext("/", exchange -> serve(exchange, () -> {
            String path = exchange.getRequestURI().getPath();
            switch (path) {
                case "/metrics" -> metrics.handle(exchange);
                case "/healthz" -> {
                    HealthStatus status = health.check();
                    reply(exchange, status.healthy() ? 200 : 503, status.detail() + "\n");
                }
                default -> reply(exchange, 404, "unknown path '" + org.murder.core.Printable.escape(path) + "' (expected: "
                        + PATHS + ")\n");
            }
        }));
        // the JDK's server reads a request on the executor's thread: one client that sent a byte and stopped held a single
        // thread, and /healthz with it, for as long as it kept its socket open. Threads for several, and a request not read
        // whole within MAX_REQUEST_SECONDS is dropped (see the static block)
        ExecutorService executor = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "murder-metrics");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.start();
        return new MetricsServer(server, executor);
    }

    private interface Handler {
        void handle() throws IOException;
    }

    private static void serve(HttpExchange exchange, Handler handler) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                reply(exchange, 405, "method " + org.murder.core.Printable.escape(method) + " not allowed (expected: GET or HEAD)\n");
                return;
            }
            handler.handle();
        }
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** Stops listening; safe to call again (a signal's stop and the main thread's may both close it). */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            server.stop(0);
            executor.shutdownNow();
        }
    }

    /** The address bound (the port chosen, when asked for port 0). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** {@code http://ADDR:PORT/metrics}, for the startup line. */
    public String url() {
        InetSocketAddress a = address();
        String host = a.getAddress().getHostAddress();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort() + "/metrics";
    }

}
