package org.murder.metrics;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Where a daemon serves {@code /metrics} and {@code /healthz}.
 *
 * @param bind the address to listen on
 * @param port the TCP port (0: any free one)
 */
public record MetricsEndpoint(InetAddress bind, int port) {
    public MetricsEndpoint {
        if (bind == null || port < 0 || port > 65535) {
            throw new IllegalArgumentException("metrics endpoint " + bind + ":" + port);
        }
    }

    public InetSocketAddress socketAddress() {
        return new InetSocketAddress(bind, port);
    }
}
