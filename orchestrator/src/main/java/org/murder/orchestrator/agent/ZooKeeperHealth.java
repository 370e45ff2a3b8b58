package org.murder.orchestrator.agent;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.Locale;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.murder.core.Durations;
import org.murder.metrics.HealthCheck;
import org.murder.metrics.HealthStatus;

/**
 * The agent's ZooKeeper connection as Curator last told it: {@code murder_agent_zookeeper_connected}
 * (1 or 0) and the agent's {@code /healthz} (503 while disconnected: it takes no new job then).
 */
public final class ZooKeeperHealth implements ConnectionStateListener, HealthCheck {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ZooKeeperHealth.class);
    /** The state and when it began: one value, so a reader never pairs a state with another's time. */
    private record Since(ConnectionState state, Instant at) {
    }

    private final Clock clock;
    private volatile Since current;

    private ZooKeeperHealth(Clock clock, boolean connected) {
        this.clock = clock;
        this.current = new Since(connected ? ConnectionState.CONNECTED : ConnectionState.SUSPENDED, clock.instant());
    }

    /** Follows {@code client}'s connection from now on; registers the gauge on {@code registry}. */
    public static ZooKeeperHealth watch(CuratorFramework client, PrometheusRegistry registry, Clock clock) {
        ZooKeeperHealth health = new ZooKeeperHealth(clock, client.getZookeeperClient().isConnected());
        client.getConnectionStateListenable().addListener(health);
        GaugeWithCallback.builder().name("murder_agent_zookeeper_connected")
                .help("1 while the agent is connected to ZooKeeper (it takes jobs and reports), else 0.")
                .callback(cb -> cb.call(health.connected() ? 1 : 0)).register(registry);
        return health;
    }

    @Override
    public void stateChanged(CuratorFramework client, ConnectionState newState) {
        Since before = current;
        Instant now = clock.instant();
        // an outage is timed from its start: suspended, then lost, is one outage
        current = new Since(newState, !newState.isConnected() && !before.state().isConnected() ? before.at() : now);
        log(before, newState, now);
    }

    /** One line a change, so the agent's log says when it stopped and started taking jobs (Curator's own say little). */
    private static void log(Since before, ConnectionState state, Instant now) {
        java.time.Duration lasted = java.time.Duration.between(before.at(), now);
        String away = Durations.format(lasted.isNegative() ? java.time.Duration.ZERO : lasted.withNanos(0));
        switch (state) {
            case SUSPENDED -> LOG.warn("ZooKeeper connection lost: no new jobs until it is back (the registration outlives it for the"
                    + " session timeout)");
            case LOST -> LOG.warn("ZooKeeper session lost after {} away: the registration is gone until the connection is back", away);
            case RECONNECTED -> LOG.info("ZooKeeper connection back after {} ({}): taking jobs again", away,
                    before.state().name().toLowerCase(Locale.ROOT));
            default -> {
                // CONNECTED (the first connection, logged by the agent) and READ_ONLY (never asked for)
            }
        }
    }

    public boolean connected() {
        return current.state().isConnected();
    }

    @Override
    public HealthStatus check() {
        Since now = current;
        if (now.state().isConnected()) {
            return HealthStatus.ok();
        }
        java.time.Duration lasted = java.time.Duration.between(now.at(), clock.instant());
        return HealthStatus.unhealthy("zookeeper disconnected (" + now.state().name().toLowerCase(Locale.ROOT) + " for "
                + Durations.format(lasted.isNegative() ? java.time.Duration.ZERO : lasted.withNanos(0))
                + "): no new jobs until it is back");
    }
}
