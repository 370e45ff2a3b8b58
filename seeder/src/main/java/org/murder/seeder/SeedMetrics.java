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
    private final PrometheusRegistry registry;
    private final Optional<MetricsServer> server;

    private SeedMetrics(PrometheusRegistry registry, Optional<MetricsServer> server) {
        this.registry = registry;
        this.server = server;
    }

    /** Starts serving, before the engine: a port in use fails the seeder before it listens for peers. */
    static SeedMetrics serve(Optional<MetricsEndpoint> endpoint, HealthCheck health) {
        PrometheusRegistry registry = DaemonMetrics.newRegistry("seed");
        return new SeedMetrics(registry, endpoint.map(e -> MetricsServer.start(e, registry, health)));
    }

    /** The engine's metrics, from now on. */
    void engine(Engine engine) {
        EngineMetrics.register(registry, engine::stats, true);
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
