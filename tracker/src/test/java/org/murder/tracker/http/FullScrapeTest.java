package org.murder.tracker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.murder.core.InfoHash;
import org.murder.testkit.MutableClock;
import org.murder.tracker.TrackerClient;
import org.murder.tracker.swarm.ScrapeStats;

class FullScrapeTest {
    private final MutableClock clock = MutableClock.fixture();
    private final FullScrape full = new FullScrape(clock);
    private final AtomicInteger made = new AtomicInteger();
    private int complete = 1;

    private Map<InfoHash, ScrapeStats> files() {
        made.incrementAndGet();
        return Map.of(InfoHash.of(TrackerClient.id20(1)), new ScrapeStats(complete, 0, 0));
    }

    private String answer() {
        ByteBuf b = full.answer(this::files);
        try {
            // direct: Netty writes it to each client as it is (a heap one was copied into a direct buffer per reply)
            org.junit.jupiter.api.Assertions.assertTrue(b.isDirect());
            return b.toString(StandardCharsets.ISO_8859_1);
        } finally {
            b.release();
        }
    }

    @Test
    void oneAnswerServesEveryRequestUntilItIsStaleThenItIsMadeAgain() {
        String first = answer();
        complete = 2;
        for (int i = 0; i < 1000; i++) {
            assertEquals(first, answer());
        }
        assertEquals(1, made.get(), "made once for 1,001 requests");
        clock.advance(FullScrape.FRESH_FOR.minusMillis(1));
        assertEquals(first, answer());
        clock.advance(Duration.ofMillis(1));
        String second = answer();
        assertEquals(first.replace("completei1e", "completei2e"), second);
        assertEquals(2, made.get());
    }

    @Test
    void aReplyStillBeingWrittenKeepsItsBytesWhenTheAnswerIsMadeAgain() {
        ByteBuf held = full.answer(this::files); // a slow client's reply, not written yet
        String before = held.toString(StandardCharsets.ISO_8859_1);
        complete = 5;
        clock.advance(FullScrape.FRESH_FOR);
        answer();
        assertEquals(1, held.refCnt(), "the old answer lives while its reply does");
        assertEquals(before, held.toString(StandardCharsets.ISO_8859_1));
        held.release();
        assertEquals(0, held.refCnt());
    }
}
