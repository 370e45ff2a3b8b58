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
 * An outage is timed from its start. When this process stood still (SIGSTOP, a paused VM, starved
 * of CPU), Curator hears of the outage only once it runs again; a pulse every {@link #PULSE} says
 * when it last ran, and an outage reported after a longer gap is timed from that pulse.
 */
public final class ZooKeeperHealth implements ConnectionStateListener, HealthCheck {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ZooKeeperHealth.class);
    /** The state and when it began: one value, so a reader never pairs a state with another's time. */
    private record Since(ConnectionState state, Instant at) {
    }

    static final java.time.Duration PULSE = java.time.Duration.ofSeconds(1);
    /** A gap between pulses longer than this: the process stood still. */
    static final java.time.Duration STILL = PULSE.multipliedBy(3);

    private final Clock clock;
    private volatile Since current;
    private volatile Instant lastPulse;
    /** When the process last began to stand still, as the pulse that ended it saw (null: not lately), and when that pulse ran. */
    private volatile Instant stillBegan;
    private volatile Instant stillEnded;

    private ZooKeeperHealth(Clock clock, boolean connected) {
        this.clock = clock;
        this.current = new Since(connected ? ConnectionState.CONNECTED : ConnectionState.SUSPENDED, clock.instant());
        this.lastPulse = clock.instant();
    }

    /** For tests: a health that is not watching a client and pulses only when told. */
    static ZooKeeperHealth forTest(Clock clock) {
        return new ZooKeeperHealth(clock, true);
    }

    /** This process runs now. */
    void pulse() {
        Instant now = clock.instant();
        Instant last = lastPulse;
        if (last != null && java.time.Duration.between(last, now).compareTo(STILL) > 0) {
            // after SIGCONT this pulse may run before Curator tells of the outage: keep when the stillness began
            stillEnded = now;
            stillBegan = last;
        }
        lastPulse = now;
    }

    /** When this process began to stand still, if it did just before {@code now}: since its last pulse, or in a gap a pulse saw. */
    private Instant stillSince(Instant now) {
        Instant ranLast = lastPulse;
        if (ranLast != null && java.time.Duration.between(ranLast, now).compareTo(STILL) > 0) {
            return ranLast;
        }
        Instant began = stillBegan;
        Instant ended = stillEnded;
        if (began != null && ended != null && java.time.Duration.between(ended, now).compareTo(STILL) <= 0) {
            return began;
        }
        return null;
    }

    /** Follows {@code client}'s connection from now on; registers the gauge on {@code registry}. */
    public static ZooKeeperHealth watch(CuratorFramework client, PrometheusRegistry registry, Clock clock) {
        ZooKeeperHealth health = new ZooKeeperHealth(clock, client.getZookeeperClient().isConnected());
        client.getConnectionStateListenable().addListener(health);
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "murder-agent-pulse");
            t.setDaemon(true);
            return t;
        }).scheduleWithFixedDelay(health::pulse, PULSE.toMillis(), PULSE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        GaugeWithCallback.builder().name("murder_agent_zookeeper_connected")
                .help("1 while the agent is connected to ZooKeeper (it takes jobs and reports), else 0.")
                .callback(cb -> cb.call(health.connected() ? 1 : 0)).register(registry);
        return health;
    }

    @Override
    public void stateChanged(CuratorFramework client, ConnectionState newState) {
        Since before = current;
        Instant now = clock.instant();
        // the process stood still just before: the outage began then at the latest
        Instant still = stillSince(now);
        Instant start;
        if (newState.isConnected()) {
            start = now;
        } else if (!before.state().isConnected()) {
            start = before.at(); // suspended, then lost, is one outage
        } else {
            start = still != null ? still : now;
        }
        current = new Since(newState, start);
        log(before, newState, now, start, still);
        lastPulse = now;
        if (!newState.isConnected()) {
            stillBegan = null; // told once, with the outage it began
        }
    }

    /** One line a change, so the agent's log says when it stopped and started taking jobs (Curator's own say little). */
    private static void log(Since before, ConnectionState state, Instant now, Instant start, Instant still) {
        String away = lasted(start, now);
        String stood = still == null ? "" : " (this process stood still for " + lasted(still, now)
                + " before: stopped, paused or starved of CPU)";
        switch (state) {
            case SUSPENDED -> LOG.warn("ZooKeeper connection lost{}: no new jobs until it is back (the registration outlives it for"
                    + " the session timeout)", stood);
            case LOST -> LOG.warn("ZooKeeper session lost after {} away{}: the registration is gone until the connection is back", away,
                    before.state().isConnected() ? stood : "");
            case RECONNECTED -> LOG.info("ZooKeeper connection back after {} ({}): taking jobs again", lasted(before.at(), now),
                    before.state().name().toLowerCase(Locale.ROOT));
            default -> {
                // CONNECTED (the first connection, logged by the agent) and READ_ONLY (never asked for)
            }
        }
    }

    private static String lasted(Instant from, Instant to) {
        java.time.Duration d = java.time.Duration.between(from, to);
        // milliseconds under a second: a gap of 0.4 s said "back after 0ms" when cut to whole seconds
        return Durations.format(d.isNegative() ? java.time.Duration.ZERO : d.toMillis() < 1000 ? d : d.withNanos(0));
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
        return HealthStatus.unhealthy("zookeeper disconnected (" + now.state().name().toLowerCase(Locale.ROOT) + " for "
                + lasted(now.at(), clock.instant()) + "): no new jobs until it is back");
    }
}
