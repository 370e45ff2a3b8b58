package org.murder.metrics;

import java.net.InetAddress;
import java.util.Optional;
import java.util.OptionalInt;
import org.murder.core.MurderException;
import picocli.CommandLine.Option;

/** {@code --metrics-port} and {@code --metrics-bind}, shared by the daemons (the default port is each command's). */
public final class MetricsOptions {
    /** The agent's default metrics port. */
    public static final int AGENT_PORT = 9481;
    /** The seeder's default metrics port. */
    public static final int SEED_PORT = 9482;

    @Option(names = "--metrics-port", paramLabel = "PORT|off",
            description = "Serve Prometheus /metrics and /healthz on PORT (0: any free port; off: none)."
                    + " Default: " + AGENT_PORT + " for agent, " + SEED_PORT + " for seed --dir, off for seeding one file and for"
                    + " deploy.")
    String port;

    @Option(names = "--metrics-bind", paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "Address of /metrics: 0.0.0.0 (or this host's address) lets Prometheus on another host scrape."
                    + " Default: ${DEFAULT-VALUE}.")
    String bind = "127.0.0.1";

    /** Where to serve, given the command's default port (empty: off unless asked); empty when off. */
    public Optional<MetricsEndpoint> endpoint(OptionalInt defaultPort) {
        OptionalInt chosen = port == null ? defaultPort : parsePort(port);
        if (chosen.isEmpty()) {
            return Optional.empty();
        }
        InetAddress address = org.murder.core.IpLiteral.bindAddress("--metrics-bind", bind);
        return Optional.of(new MetricsEndpoint(address, chosen.getAsInt()));
    }

    static OptionalInt parsePort(String text) {
        if (text.equalsIgnoreCase("off")) {
            return OptionalInt.empty();
        }
        try {
            int p = Integer.parseInt(text.strip());
            if (p >= 0 && p <= 65535) {
                return OptionalInt.of(p);
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw MurderException.badInput("--metrics-port '" + org.murder.core.Printable.escape(text)
                + "' (expected: a TCP port 0-65535, or off)");
    }
}
