package org.murder.tracker.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import org.murder.core.InfoHash;
import org.murder.tracker.swarm.ScrapeStats;

/**
 * The answer to a scrape that names no infohash (every swarm), made at most once per {@link #FRESH_FOR}
 * and shared by every request in that time. Made per request, one address sending 40-byte requests had
 * a 10,000-swarm tracker encode 700 KB for each: a core at 100 %, announces waiting seconds, and the heap
 * grown to 2 GB by replies queued for clients that did not read them ({@link SharedBody}). Thread-safe.
 */
public final class FullScrape {
    /** How long one full scrape answers; a scrape naming its infohashes is always current. */
    public static final Duration FRESH_FOR = Duration.ofSeconds(2);

    private final SharedBody shared;

    FullScrape(Clock clock) {
        this.shared = new SharedBody(clock, FRESH_FOR);
    }

    /** The bencoded answer, made from {@code files} when the last one is older than {@link #FRESH_FOR}; the caller releases it. */
    ByteBuf answer(Supplier<Map<InfoHash, ScrapeStats>> files) {
        return shared.answer(() -> {
            Map<InfoHash, ScrapeStats> all = files.get();
            ByteBuf next = Unpooled.directBuffer(16 + 80 * all.size()); // direct: written to each client as it is (see SharedBody)
            Responses.scrape(next, all);
            return next;
        });
    }
}
