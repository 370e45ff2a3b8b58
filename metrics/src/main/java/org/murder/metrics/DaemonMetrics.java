package org.murder.metrics;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.murder.core.BuildInfo;

/**
 * The registry of one daemon, holding what every daemon exposes: {@code murder_build_info}, and the JVM and process metrics
 * once it is served ({@link #withJvm}).
 */
public final class DaemonMetrics {
    /** The version murder was built as (the Maven project version without -SNAPSHOT). */
    public static final String VERSION = BuildInfo.VERSION;
    /** The commit murder was built from ({@link BuildInfo#COMMIT}), "unknown" outside git. */
    public static final String REVISION = BuildInfo.COMMIT.isEmpty() ? "unknown" : BuildInfo.COMMIT;

    private DaemonMetrics() {
    }

    /**
     * A registry of its own for {@code daemon} (agent, seed, deploy, tracker), never the library's
     * default one: a test runs several daemons in one JVM, each with its own metrics.
     */
    public static PrometheusRegistry newRegistry(String daemon) {
        PrometheusRegistry registry = new PrometheusRegistry();
        GaugeWithCallback.builder()
                .name("murder_build_info")
                .help("Always 1: the murder version, the commit it was built from and the daemon that serves these metrics.")
                .labelNames("daemon", "version", "revision")
                .callback(cb -> cb.call(1, daemon, VERSION, REVISION))
                .register(registry);
        WITHOUT_JVM_YET.add(registry);
        return registry;
    }

    /** The daemons' registries ({@link #newRegistry}) not given the JVM's metrics yet. */
    private static final java.util.Set<PrometheusRegistry> WITHOUT_JVM_YET =
            java.util.Collections.synchronizedSet(java.util.Collections.newSetFromMap(new java.util.WeakHashMap<>()));

    /**
     * Adds the JVM and process metrics to a daemon's {@code registry} ({@link #newRegistry}), once, when it is
     * served: registering them costs a fresh JVM 0.2-0.4 s (JMX and its MBeans), which a deploy paid before it
     * started hashing, whether or not anything would scrape it. Other registries are left as they are. Returns
     * {@code registry}.
     */
    public static PrometheusRegistry withJvm(PrometheusRegistry registry) {
        if (WITHOUT_JVM_YET.remove(registry)) {
            JvmMetrics.builder().register(registry);
        }
        return registry;
    }
}
