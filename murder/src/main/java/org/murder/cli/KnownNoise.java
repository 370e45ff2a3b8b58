package org.murder.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.Map;
import org.slf4j.Marker;

/**
 * Drops the few library warnings every start of a murder ZooKeeper prints that are not true of
 * it, by logger and exact message format, unless {@code --verbose}: "configFilename is null! This
 * should only happen in tests." (an ensemble member is configured in code, never from a zoo.cfg)
 * and "maxCnxns is not configured" (no limit on client connections is the setting a fleet wants).
 */
final class KnownNoise extends TurboFilter {
    private static final Map<String, String> FORMATS = Map.of(
            "org.apache.zookeeper.server.quorum.QuorumPeer", "configFilename is null! This should only happen in tests.",
            "org.apache.zookeeper.server.ServerCnxnFactory", "maxCnxns is not configured, using default value {}.");

    /** ZooKeeper's line for a --zk host that does not resolve, which it logs at every retry. */
    private static final String UNRESOLVED_LOGGER = "org.apache.zookeeper.client.StaticHostProvider";
    private static final String UNRESOLVED = "Unable to resolve address: {}";
    /** How often that line is let through for one host (a daemon still hears of a bad member of its ensemble). */
    static final long UNRESOLVED_EVERY_MILLIS = 10 * 60_000L;
    private static final java.util.concurrent.ConcurrentHashMap<String, Long> UNRESOLVED_TOLD = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (!BriefTraces.verbose() && format != null && format.equals(FORMATS.get(logger.getName()))) {
            return FilterReply.DENY;
        }
        if (!BriefTraces.verbose() && UNRESOLVED.equals(format) && UNRESOLVED_LOGGER.equals(logger.getName())) {
            String host = params == null || params.length == 0 ? "" : String.valueOf(params[0]);
            long now = System.currentTimeMillis();
            boolean tell = UNRESOLVED_TOLD.size() < 1000 && (UNRESOLVED_TOLD.compute(host,
                    (k, last) -> last == null || now - last >= UNRESOLVED_EVERY_MILLIS ? now : last) == now);
            return tell ? FilterReply.NEUTRAL : FilterReply.DENY; // once per host every 10 minutes, not at every retry
        }
        return FilterReply.NEUTRAL;
    }
}
