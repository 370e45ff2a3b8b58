package org.murder.tracker.http;

import io.netty.buffer.ByteBuf;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * A reply body made at most once per {@code freshFor} and shared by every request in that time:
 * the answers that cost the tracker most to make and that any client may ask for as often as it
 * likes (a scrape of every swarm, {@code /stats}, {@code /metrics}). Made per request, one client
 * kept a core busy and announces waiting for seconds (40-byte scrapes of a 10,000-swarm tracker;
 * {@code /metrics} pipelined 200 deep on 300 connections), or, asking {@code /stats} of 80,000 peers
 * on 80 connections and reading none of it, ran the tracker out of direct memory: every reply held a
 * copy of its own until the idle timeout. Shared, those replies hold one, as long as it is a direct
 * buffer (Netty copies a heap one into a direct buffer of its own for every write). Thread-safe.
 */
final class SharedBody {
    private final Clock clock;
    private final long freshMillis;
    private ByteBuf body;
    private long madeAt;

    SharedBody(Clock clock, Duration freshFor) {
        this.clock = clock;
        this.freshMillis = freshFor.toMillis();
    }

    /** The body, made by {@code make} when the last one is older than the freshness; the caller releases it. */
    synchronized ByteBuf answer(Supplier<ByteBuf> make) {
        long now = clock.millis();
        if (body == null || now - madeAt >= freshMillis || now < madeAt) {
            ByteBuf next = make.get();
            if (body != null) {
                body.release(); // replies still being written hold it until they are done
            }
            body = next;
            madeAt = now;
        }
        return body.retainedDuplicate();
    }
}
