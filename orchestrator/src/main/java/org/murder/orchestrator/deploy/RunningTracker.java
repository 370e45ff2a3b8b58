package org.murder.orchestrator.deploy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * Finds a murder tracker already listening where deploy would start its own (the deploy host's
 * {@code murder-tracker} service), so that deploy uses it rather than failing with "address already
 * in use". A murder tracker answers {@code GET /whitelist/<40 zeros>} with 404 and "not whitelisted"
 * (or 200 "whitelisted" in open mode); nothing else is taken for one. A tracker embedded in another
 * deploy says so on a second line ({@code embedded in murder deploy v42 (pid 123), and stops with it}):
 * it is no service to lean on, as it goes when that deploy ends.
 */
final class RunningTracker {
    /**
     * A murder tracker found listening.
     *
     * @param announce   its announce URL on an address of this machine
     * @param embeddedIn the command it runs in and stops with ({@code murder deploy v42 (pid 123)}), or empty: a service
     */
    record Found(String announce, Optional<String> embeddedIn) {
    }

    private static final String NO_HASH = "0".repeat(40);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    private static final String EMBEDDED_IN = org.murder.tracker.http.TrackerHttpHandler.EMBEDDED_IN;

    private RunningTracker() {
    }

    /**
     * Whether something accepts a TCP connection on {@code host:port}: most deploys embed their tracker, and the
     * JDK's HTTP client costs a fresh JVM about 0.1 s to make, on the way to the job's publication.
     */
    private static boolean accepts(String host, int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress(host.replaceAll("^\\[|\\]$", ""), port), (int) PROBE_TIMEOUT.toMillis());
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The announce URL, on an address of this machine, of a murder tracker listening on {@code port}
     * of {@code bind} (loopback when {@code bind} is every interface), or empty.
     */
    static Optional<Found> probe(String bind, int port) {
        String host = bind.equals("0.0.0.0") || bind.equals("::") ? "127.0.0.1" : bind.contains(":") ? "[" + bind + "]" : bind;
        String base = "http://" + host + ":" + port;
        if (!accepts(host, port)) {
            return Optional.empty(); // nothing listens: the deploy starts its own, without making an HTTP client for nothing
        }
        HttpClient client = HttpClient.newBuilder().connectTimeout(PROBE_TIMEOUT).build();
        try {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/whitelist/" + NO_HASH))
                    .timeout(PROBE_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofString());
            java.util.List<String> lines = r.body().lines().toList();
            boolean murder = (r.statusCode() == 404 || r.statusCode() == 200) && !lines.isEmpty()
                    && lines.get(0).strip().endsWith("whitelisted");
            if (!murder) {
                return Optional.empty();
            }
            Optional<String> embedded = lines.stream().skip(1).filter(l -> l.startsWith(EMBEDDED_IN)).findFirst()
                    .map(l -> org.murder.core.Printable.escape(l.substring(EMBEDDED_IN.length()).replaceFirst(", and stops with it$", ""),
                            200));
            return Optional.of(new Found(base + "/announce", embedded));
        } catch (IOException e) {
            return Optional.empty(); // nothing listens (or not HTTP): deploy starts its own
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
