package org.murder.seeder;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Optional;
import org.murder.metrics.DaemonMetrics;
import org.murder.metrics.HealthCheck;
import org.murder.metrics.MetricsEndpoint;
import org.murder.metrics.MetricsServer;
import org.murder.peer.engine.Engine;
import org.murder.peer.metrics.EngineMetrics;

/**
 * The seeder's metrics: the engine's, with a series per torrent (a seeder's torrents are the
 * releases of its directory: few, and each seeded for long), on the metrics server when one is asked.
 */
final class SeedMetrics implements AutoCloseable {
    private final Optional<MetricsServer> server;

    private SeedMetrics(Optional<MetricsServer> server) {
        this.server = server;
    }

    static SeedMetrics serve(Optional<MetricsEndpoint> endpoint, Engine engine, HealthCheck health) {
        if (endpoint.isEmpty()) {
            return new SeedMetrics(Optional.empty());
        }
        PrometheusRegistry registry = DaemonMetrics.newRegistry("seed");
        EngineMetrics.register(registry, engine::stats, true);
        return new SeedMetrics(Optional.of(MetricsServer.start(endpoint.get(), registry, health)));
    }

    /** {@code "; metrics on URL"} for the startup line, or nothing. */
    String describe() {
        return server.map(s -> "; metrics on " + s.url()).orElse("");
    }

    @Override
    public void close() {
        server.ifPresent(MetricsServer::close);
    }
}
