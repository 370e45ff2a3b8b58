package org.murder.metrics;

/**
 * What {@code /healthz} answers: 200 and {@code ok} while the daemon serves, else 503 and why.
 *
 * @param healthy whether the daemon serves
 * @param detail  {@code ok}, or the reason it does not serve (one line)
 */
public record HealthStatus(boolean healthy, String detail) {
    private static final HealthStatus OK = new HealthStatus(true, "ok");

    public HealthStatus {
        if (detail == null || detail.isBlank() || detail.contains("\n")) {
            throw new IllegalArgumentException("health detail must be one non-empty line: " + detail);
        }
    }

    public static HealthStatus ok() {
        return OK;
    }

    public static HealthStatus unhealthy(String reason) {
        return new HealthStatus(false, reason);
    }
}
