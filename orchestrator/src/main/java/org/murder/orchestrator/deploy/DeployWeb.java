package org.murder.orchestrator.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.function.Consumer;
import org.murder.core.MurderException;
import org.murder.metrics.SmallHttpServer;
import org.murder.metrics.SmallHttpServer.Request;
import org.murder.metrics.SmallHttpServer.Response;

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

    /** Set once by {@link #start}, before anyone can reach it. */
    private SmallHttpServer server;
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

    private DeployWeb() {
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
        DeployWeb web = new DeployWeb();
        try {
            web.server = SmallHttpServer.start(new InetSocketAddress(address, port), "deploy-web", 2, web::handle);
        } catch (BindException e) {
            if (port != 0 && String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("in use")) {
                // exit 1 like every other port in use (--tracker-port, --seeder-ports, --metrics-port): the usage was right
                throw MurderException.failure("deploy: --web " + port + ": port in use (expected: a free port, or 0)", e);
            }
            throw MurderException.badInput("deploy: --web-bind " + org.murder.core.Printable.escape(bind) + ": cannot listen there ("
                    + e.getMessage() + ") (expected: an IP address of this machine, like 127.0.0.1)", e);
        } catch (IOException e) {
            throw MurderException.failure("deploy: --web " + port + ": " + e.getMessage(), e);
        }
        return web;
    }

    /** The page's address; a wildcard bind is shown as loopback. */
    public URI url() {
        InetAddress a = server.address().getAddress();
        String host = a.isAnyLocalAddress() ? "127.0.0.1" : a.getHostAddress();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port() + "/");
    }

    public int port() {
        return server.address().getPort();
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

    private Response handle(Request request) throws IOException {
        String path = request.path();
        boolean known = PAGES.containsKey(path) || "/api/deploy".equals(path);
        Map<String, String> headers = new java.util.LinkedHashMap<>(Map.of("Cache-Control", "no-store", "X-Content-Type-Options",
                "nosniff", "Content-Security-Policy", CSP, "Referrer-Policy", "no-referrer"));
        String host = String.join(",", request.header("Host"));
        if (!request.header("Host").isEmpty() && !servesHost(host)) {
            return page(421, headers, "text/plain; charset=utf-8", ("host '" + org.murder.core.Printable.escape(host, 100)
                    + "' is not this deploy's page (expected: an IP address, localhost or this machine's name: a page reached by"
                    + " another name could be a DNS rebinding)\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        if (!known) {
            return page(404, headers, "text/plain; charset=utf-8", "not found\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        if (!"GET".equals(request.method()) && !request.isHead()) { // HEAD: a monitor's probe, answered as GET without the body
            headers.put("Allow", "GET, HEAD");
            return page(405, headers, "text/plain; charset=utf-8", "method not allowed (expected: GET or HEAD)\n"
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        if ("/api/deploy".equals(path)) {
            return page(200, headers, "application/json", JSON.writeValueAsBytes(state));
        }
        Resource r = PAGES.get(path);
        return page(200, headers, r.type(), r.body());
    }

    /** This machine's names, as a browser may ask for the page by them: looked up (reverse DNS) only when first needed. */
    private static final class OwnNames {
        static final java.util.Set<String> NAMES = ownNames();
    }

    private static java.util.Set<String> ownNames() {
        java.util.Set<String> names = new java.util.HashSet<>();
        try {
            java.net.InetAddress self = java.net.InetAddress.getLocalHost();
            names.add(self.getHostName().toLowerCase(java.util.Locale.ROOT));
            names.add(self.getCanonicalHostName().toLowerCase(java.util.Locale.ROOT));
        } catch (IOException e) {
            // no name of its own: addresses and localhost only
        }
        return java.util.Set.copyOf(names);
    }

    /**
     * Whether a request whose {@code Host} is {@code host} is for this page: an IP address, localhost or
     * this machine's name, with or without a port. A page of some other site whose name an attacker
     * points at 127.0.0.1 (DNS rebinding) asks with that site's name, and read the deploy's hosts,
     * errors and hooks' output.
     */
    static boolean servesHost(String host) {
        String h = host.strip().toLowerCase(java.util.Locale.ROOT);
        if (h.startsWith("[")) { // [IPv6]:port
            int end = h.indexOf(']');
            return end > 0 && (end == h.length() - 1 || h.charAt(end + 1) == ':') && h.substring(1, end).matches("[0-9a-f:.]+");
        }
        int colon = h.lastIndexOf(':');
        String name = colon >= 0 ? h.substring(0, colon) : h;
        if (colon >= 0 && !h.substring(colon + 1).matches("[0-9]{1,5}")) {
            return false;
        }
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        return name.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}") || name.equals("localhost") || name.equals("localhost.localdomain")
                || OwnNames.NAMES.contains(name);
    }

    private static Response page(int status, Map<String, String> headers, String type, byte[] body) {
        headers.put("Content-Type", type);
        return new Response(status, headers, body);
    }

    @Override
    public void close() {
        server.close();
    }
}
