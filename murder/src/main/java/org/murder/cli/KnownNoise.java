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
            "org.apache.zookeeper.server.ServerCnxnFactory", "maxCnxns is not configured, using default value {}.",
            // a --zk host that does not resolve: said once in murder's own line (ZooKeeper logged it at every retry)
            "org.apache.zookeeper.client.StaticHostProvider", "Unable to resolve address: {}");

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (!BriefTraces.verbose() && format != null && format.equals(FORMATS.get(logger.getName()))) {
            return FilterReply.DENY;
        }
        return FilterReply.NEUTRAL;
    }
}
