package org.murder.tracker.http;

import java.util.Optional;

/**
 * What the HTTP layer needs from the tracker's config, in the units it uses.
 *
 * @param intervalSeconds    {@code interval} sent to clients
 * @param minIntervalSeconds {@code min interval} sent to clients
 * @param policy             numwant defaults and caps, and whether the {@code ip} parameter is used
 * @param adminToken         when present, {@code /whitelist} changes need {@code Authorization: Bearer TOKEN};
 *                           when absent, they are allowed from loopback only
 * @param accessLog          log one line per request to {@code org.murder.tracker.access}
 * @param maxConnectionsPerSource open connections one source may hold, as the swarms' caps count sources
 *                           ({@code sourcePrefixV6}: an IPv6 source by its prefix)
 * @param embeddedIn         the command this tracker runs in and stops with (a deploy), said on {@code GET /whitelist/HASH}
 */
public record HttpSettings(int intervalSeconds, int minIntervalSeconds, AnnounceQuery.Policy policy,
                           Optional<String> adminToken, boolean accessLog, int maxRequestLine, int maxHeaderSize,
                           int maxBody, long requestTimeoutMillis, long idleTimeoutMillis, int maxConnections,
                           int maxConnectionsPerSource, int sourcePrefixV6, Optional<String> embeddedIn) {
    /** Most parameters in one query (a scrape may name many infohashes). */
    public static final int MAX_PARAMETERS = 128;

    /** The admin token is never printed. */
    @Override
    public String toString() {
        return "HttpSettings[interval=" + intervalSeconds + "s, minInterval=" + minIntervalSeconds + "s, " + policy
                + ", adminToken=" + (adminToken.isPresent() ? "set" : "none") + "]";
    }
}
