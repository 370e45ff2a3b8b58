package org.murder.tracker.swarm;

/** BEP 48 counts of one swarm: seeders, leechers, and completed downloads ever reported. */
public record ScrapeStats(int complete, int incomplete, long downloaded) {
    public static final ScrapeStats EMPTY = new ScrapeStats(0, 0, 0);
}
