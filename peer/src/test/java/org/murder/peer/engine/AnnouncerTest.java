package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.murder.peer.tracker.AnnounceRequest.Event;
import org.murder.peer.tracker.AnnounceResponse;
import org.murder.testkit.MutableClock;

/** The announce policy on a stepped clock, against a tracker whose answers the test gives by hand. */
class AnnouncerTest {
    private final MutableClock clock = MutableClock.fixture();
    /** Announces sent and not answered yet, oldest first. */
    private final Deque<Sent> inFlight = new ArrayDeque<>();
    private final List<String> events = new ArrayList<>();
    private final List<InetSocketAddress> learned = new ArrayList<>();
    private final Announcer announcer = announcer(true);

    private record Sent(String event, CompletableFuture<AnnounceResponse> answer) {
    }

    private Announcer announcer(boolean hasTrackers) {
        return new Announcer((event, numWant) -> () -> {
            String name = event.map(e -> e.name().toLowerCase(java.util.Locale.ROOT)).orElse("(none)");
            events.add(name);
            CompletableFuture<AnnounceResponse> f = new CompletableFuture<>();
            inFlight.add(new Sent(name, f));
            return f;
        }, hasTrackers, clock, Duration.ofSeconds(10), Runnable::run, r -> learned.addAll(r.peers()), "test");
    }

    private void answer(Duration interval, InetSocketAddress... peers) {
        inFlight.poll().answer().complete(new AnnounceResponse(List.of(peers), interval, 0, 0));
    }

    private void answer(Duration interval, Duration minInterval) {
        inFlight.poll().answer().complete(new AnnounceResponse(List.of(), interval, minInterval, 0, 0));
    }

    private void fail() {
        inFlight.poll().answer().completeExceptionally(new java.io.IOException("tracker down"));
    }

    private void tickAfter(Duration d) {
        clock.advance(d);
        announcer.tick();
    }

    @Test
    void startedFirstThenEveryIntervalAtMostTheReannounceWhileDownloading() {
        announcer.tick();
        assertEquals(List.of(), events, "nothing before the torrent begins (it may be checking its files)");
        announcer.begin();
        InetSocketAddress peer = new InetSocketAddress("127.0.0.2", 6881);
        answer(Duration.ofMinutes(30), peer);
        assertEquals(List.of(peer), learned, "the tracker's peers are handed on");
        tickAfter(Announcer.SECOND_ANNOUNCE.minusSeconds(1));
        assertEquals(List.of("started"), events);
        tickAfter(Duration.ofSeconds(1));
        assertEquals(List.of("started", "(none)"), events, "the second announce soon after started: hosts that announced since");
        answer(Duration.ofMinutes(30));
        tickAfter(Duration.ofSeconds(9));
        assertEquals(2, events.size());
        tickAfter(Duration.ofSeconds(1));
        assertEquals(List.of("started", "(none)", "(none)"), events, "then 10 s (the reannounce), not the tracker's 30 min, while downloading");
        tickAfter(Duration.ofSeconds(5));
        assertEquals(3, events.size(), "one announce at a time: none while one is in flight");
        answer(Duration.ofMinutes(30));
        announcer.seeding(true, false);
        assertEquals("completed", events.get(3));
        answer(Duration.ofMinutes(30));
        tickAfter(Duration.ofMinutes(29));
        assertEquals(4, events.size(), "a seed follows the tracker's interval");
        tickAfter(Duration.ofMinutes(1));
        assertEquals("(none)", events.get(4));
    }

    @Test
    void noAnnounceGoesSoonerThanTheTrackersMinIntervalButCompletedDoesNotWaitForIt() {
        announcer.begin();
        answer(Duration.ofMinutes(30), Duration.ofSeconds(20));
        tickAfter(Announcer.SECOND_ANNOUNCE);
        tickAfter(Duration.ofSeconds(14));
        assertEquals(List.of("started"), events, "neither the second announce (5 s) nor the reannounce (10 s) undercuts 20 s");
        tickAfter(Duration.ofSeconds(1));
        assertEquals(List.of("started", "(none)"), events);
        answer(Duration.ofSeconds(30), Duration.ofSeconds(30));
        tickAfter(Duration.ofSeconds(29));
        assertEquals(2, events.size());
        announcer.seeding(true, false);
        assertEquals(List.of("started", "(none)", "completed"), events, "an event owed goes at once");
        answer(Duration.ofSeconds(30), Duration.ofSeconds(30));
        tickAfter(Duration.ofSeconds(29));
        assertEquals(3, events.size());
        tickAfter(Duration.ofSeconds(1));
        assertEquals("(none)", events.get(3));
    }

    @Test
    void anAnnounceThatThrowsBeforeItIsSentIsRetriedLikeAFailedOne() {
        int[] calls = {0};
        Announcer broken = new Announcer((event, numWant) -> () -> {
            calls[0]++;
            if (calls[0] == 1) {
                throw new NoClassDefFoundError("org/murder/core/Missing"); // a broken install
            }
            events.add(event.map(e -> e.name().toLowerCase(java.util.Locale.ROOT)).orElse("(none)"));
            return new CompletableFuture<>();
        }, true, clock, Duration.ofSeconds(10), Runnable::run, r -> learned.addAll(r.peers()), "test");
        broken.begin();
        assertEquals(1, calls[0]);
        clock.advance(Announcer.RETRY);
        broken.tick();
        assertEquals(List.of("started"), events, "tried again after the retry delay, not stuck as in flight");
    }

    @Test
    void completedWaitsForStartedToGetThroughAndIsSentOnce() {
        announcer.begin();
        announcer.seeding(true, false); // the download finished while `started` is in flight
        assertEquals(List.of("started"), events);
        answer(Duration.ofMinutes(30));
        assertEquals(List.of("started", "completed"), events, "right after started got through");
        answer(Duration.ofMinutes(30));
        tickAfter(Duration.ofMinutes(31));
        assertEquals(List.of("started", "completed", "(none)"), events);
    }

    @Test
    void aFailedAnnounceIsTriedAgainAfterTheRetryDelayAndAFailedCompletedIsSentAgain() {
        announcer.begin();
        fail();
        tickAfter(Announcer.RETRY.minusMillis(1));
        assertEquals(List.of("started"), events);
        tickAfter(Duration.ofMillis(1));
        assertEquals(List.of("started", "started"), events, "started again: the tracker never heard it");
        answer(Duration.ofMinutes(30));
        announcer.seeding(true, false);
        fail();
        tickAfter(Announcer.RETRY);
        assertEquals(List.of("started", "started", "completed", "completed"), events, "completed again, not a plain announce");
        answer(Duration.ofMinutes(30));
        tickAfter(Duration.ofMinutes(30));
        assertEquals("(none)", events.get(4), "once");
    }

    @Test
    void aFailureIsLoggedOnceUntilItsReasonChangesAndTheAnswerThatEndsItIsLogged() {
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Announcer.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> said = new ch.qos.logback.core.read.ListAppender<>();
        said.start();
        log.addAppender(said);
        ch.qos.logback.classic.Level level = log.getLevel();
        log.setLevel(ch.qos.logback.classic.Level.INFO);
        try {
            announcer.begin();
            for (int i = 0; i < 3; i++) {
                fail();
                tickAfter(Announcer.RETRY);
            }
            assertEquals(4, events.size(), "tried every 5 s");
            inFlight.poll().answer().completeExceptionally(new java.io.IOException("tracker says no"));
            tickAfter(Announcer.RETRY);
            answer(Duration.ofSeconds(30));
            List<String> lines = said.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
            assertEquals(3, lines.size(), lines.toString());
            assertTrue(lines.get(0).startsWith("WARN [torrent=test] tracker down (tried again every 5s"), lines.get(0));
            assertTrue(lines.get(1).startsWith("WARN [torrent=test] tracker says no"), lines.get(1));
            assertEquals("INFO [torrent=test] the tracker answered again after 4 failed announces", lines.get(2));
        } finally {
            log.detachAppender(said);
            log.setLevel(level);
        }
    }

    @Test
    void aTorrentCompleteAtStartNeverSaysCompleted() {
        announcer.begin();
        announcer.seeding(false, false); // BEP 3: a seed does not say completed
        answer(Duration.ofMinutes(30));
        tickAfter(Duration.ofMinutes(30));
        assertEquals(List.of("started", "(none)"), events);
    }

    @Test
    void stoppedFollowsTheAnnounceInFlightAndNothingFollowsIt() {
        announcer.begin();
        CompletableFuture<?> stopped = announcer.stop();
        assertEquals(List.of("started"), events, "stopped waits for started: it must not overtake it");
        answer(Duration.ofMinutes(30));
        assertEquals(List.of("started", "stopped"), events);
        assertFalse(stopped.isDone());
        answer(Duration.ofMinutes(30));
        assertTrue(stopped.isDone());
        tickAfter(Duration.ofHours(1));
        announcer.seeding(true, false);
        assertEquals(List.of("started", "stopped"), events);
    }

    @Test
    void aLeaverThatFinishesSaysOnlyStopped() {
        announcer.begin();
        answer(Duration.ofMinutes(30));
        announcer.seeding(true, true);
        announcer.stop();
        assertEquals(List.of("started", "stopped"), events, "no completed racing the stopped");
    }

    @Test
    void nothingIsSentWhenTheTrackerNeverHeardOfUsOrThereIsNone() {
        assertTrue(announcer.stop().isDone());
        assertEquals(List.of(), events, "no stopped before started");
        Announcer none = announcer(false);
        none.begin();
        clock.advance(Duration.ofHours(1));
        none.tick();
        assertTrue(none.stop().isDone());
        assertEquals(List.of(), events);
        assertEquals(Optional.empty(), Optional.ofNullable(inFlight.peek()));
    }
}
