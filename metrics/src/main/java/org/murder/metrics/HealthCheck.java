package org.murder.metrics;

/** Says whether the daemon serves; called for each {@code GET /healthz}, on the metrics server's thread. */
@FunctionalInterface
public interface HealthCheck {
    HealthStatus check();

    /** For a daemon that serves as long as its process answers. */
    HealthCheck SERVING = HealthStatus::ok;
}
