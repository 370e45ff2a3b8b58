package org.murder.orchestrator.deploy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.murder.core.MurderException;

/**
 * A live page of one deploy ({@code murder deploy --web PORT}): {@code /} is the page (a grid of
 * hosts coloured by state and progress, bytes per second over time, failures grouped by reason),
 * {@code /app.js} and {@code /app.css} are its script and style (no other resources, none from
 * elsewhere), and {@code /api/deploy} is the {@link DeployState} it polls every second, as JSON. Fed
 * with each state the deploy renders ({@link #accept}); serves the last one until closed.
 */
public final class DeployWeb implements Consumer<DeployState>, AutoCloseable {
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self';"
            + " base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private static final Map<String, Resource> PAGES = Map.of(
            "/", Resource.of("deploy-web.html", "text/html; charset=utf-8"),
            "/app.js", Resource.of("deploy-web.js", "text/javascript; charset=utf-8"),
            "/app.css", Resource.of("deploy-web.css", "text/css; charset=utf-8"));

    /** Fields in declaration order, and the counts in the order a deploy goes (not {@link Json}'s sorted order). */
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor;
    private volatile RateHistory history = new RateHistory();
    private volatile DeployState state = DeployState.none();

    /** One of the page's files, read once from the class path. */
    private record Resource(byte[] body, String type) {
        static Resource of(String name, String type) {
            try (InputStream in = DeployWeb.class.getResourceAsStream(name)) {
                if (in == null) {
                    throw new IllegalStateException("missing resource " + name + " beside " + DeployWeb.class.getName());
                }
                return new Resource(in.readAllBytes(), type);
            } catch (IOException e) {
                throw new UncheckedIOException("read " + name, e);
            }
        }
    }

    private DeployWeb(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Serves on {@code bind}:{@code port} ({@code 0}: a free port). A port in use or an address not
     * of this machine is bad input naming {@code --web} or {@code --web-bind}.
     */
    public static DeployWeb start(String bind, int port) {
        if (port < 0 || port > 65535) {
            throw MurderException.badInput("deploy: --web " + port + ": not a port (expected: a free port 1 to 65535, or 0)");
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(bind);
        } catch (IOException e) {
            throw MurderException.badInput("deploy: --web-bind " + org.murder.core.Printable.escape(bind)
                    + ": not an address (expected: an IP address of this machine, like 127.0.0.1)");
        }
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(address, port), 16);
        } catch (BindException e) {
            if (port != 0 && String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("in use")) {
                throw MurderException.badInput("deploy: --web " + port + ": port in use (expected: a free port, or 0)", e);
            }
            throw MurderException.badInput("deploy: --web-bind " + bind + ": cannot listen there (" + e.getMessage()
                    + ") (expected: an IP address of this machine, like 127.0.0.1)", e);
        } catch (IOException e) {
            throw MurderException.failure("deploy: --web " + port + ": " + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "deploy-web");
            t.setDaemon(true);
            return t;
        });
        DeployWeb web = new DeployWeb(server, executor);
        server.createContext("/", web::handle);
        server.setExecutor(executor);
        server.start();
        return web;
    }

    /** The page's address; a wildcard bind is shown as loopback. */
    public URI url() {
        InetAddress a = server.getAddress().getAddress();
        String host = a.isAnyLocalAddress() ? "127.0.0.1" : a.getHostAddress();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port() + "/");
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The state {@code /api/deploy} serves now, with its history. */
    public DeployState state() {
        return state;
    }

    /** Takes the deploy's newest state; a state of another job (a rollback after a failed wave) starts a new history. */
    @Override
    public void accept(DeployState next) {
        if (!next.job().equals(state.job())) {
            history = new RateHistory();
        }
        RateHistory h = history;
        h.record(next.elapsedMillis(), next.rate());
        state = next.withHistory(h.points());
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            ex.getResponseHeaders().set("Cache-Control", "no-store");
            ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            ex.getResponseHeaders().set("Content-Security-Policy", CSP);
            ex.getResponseHeaders().set("Referrer-Policy", "no-referrer");
            String path = ex.getRequestURI().getPath();
            boolean known = PAGES.containsKey(path) || "/api/deploy".equals(path);
            if (!known) {
                send(ex, 404, "text/plain; charset=utf-8", "not found\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } else if (!"GET".equals(ex.getRequestMethod())) {
                ex.getResponseHeaders().set("Allow", "GET");
                send(ex, 405, "text/plain; charset=utf-8", "method not allowed (expected: GET)\n"
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } else if ("/api/deploy".equals(path)) {
                send(ex, 200, "application/json", JSON.writeValueAsBytes(state));
            } else {
                Resource r = PAGES.get(path);
                send(ex, 200, r.type(), r.body());
            }
        }
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
