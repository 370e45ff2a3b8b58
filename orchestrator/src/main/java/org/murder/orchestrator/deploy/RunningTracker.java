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
 * (or 200 "whitelisted" in open mode); nothing else is taken for one.
 */
final class RunningTracker {
    private static final String NO_HASH = "0".repeat(40);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

    private RunningTracker() {
    }

    /**
     * The announce URL, on an address of this machine, of a murder tracker listening on {@code port}
     * of {@code bind} (loopback when {@code bind} is every interface), or empty.
     */
    static Optional<String> probe(String bind, int port) {
        String host = bind.equals("0.0.0.0") || bind.equals("::") ? "127.0.0.1" : bind.contains(":") ? "[" + bind + "]" : bind;
        String base = "http://" + host + ":" + port;
        HttpClient client = HttpClient.newBuilder().connectTimeout(PROBE_TIMEOUT).build();
        try {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/whitelist/" + NO_HASH))
                    .timeout(PROBE_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofString());
            boolean murder = (r.statusCode() == 404 || r.statusCode() == 200) && r.body().strip().endsWith("whitelisted");
            return murder ? Optional.of(base + "/announce") : Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // nothing listens (or not HTTP): deploy starts its own
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
