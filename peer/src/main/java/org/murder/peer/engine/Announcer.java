package org.murder.peer.engine;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.murder.core.Durations;
import org.murder.peer.tracker.AnnounceRequest.Event;
import org.murder.peer.tracker.AnnounceResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When a torrent announces, and with which event (BEP 3): {@code started} first, then regular
 * announces at the tracker's interval (at most {@code reannounce} apart while downloading, to
 * find new peers early, and the first of them {@link #SECOND_ANNOUNCE} after {@code started}; never
 * sooner than the tracker's "min interval"),
 * {@code completed} once after {@code started} got through and only for a download finished here,
 * and {@code stopped} last, after the announce in flight so that it cannot be overtaken by it. One announce at a time; a failed one is tried again after {@link #RETRY}.
 *
 * <p>Owned by one thread (the session's loop): the tracker's answers are handed back through
 * {@code owner}. Time comes from the injected clock, read when {@link #tick()} is called.
 */
final class Announcer {
    private static final Logger LOG = LoggerFactory.getLogger(Announcer.class);
    static final Duration RETRY = Duration.ofSeconds(5);
    /**
     * Peers asked of the tracker per announce: 20 (it was 200). In a deploy every host announces
     * within a second, and each is handed only hosts that announced before it: asking for many made
     * the first hosts everyone's peers, a core that passed pieces among itself while the last
     * hosts, which knew only that core, had nobody left to upload to. With 20, connections spread
     * (a host also gets those that dial it, up to the connection limit, and more at each announce):
     * bench/swarm-sim.sh, 1,000 hosts, 32 MiB at 50 Mbit/s, last host 2.25 x F/c with 200, 1.81
     * with 50, 1.47 with 20 (free slots to the peer furthest behind in each case; 1.48 with the
     * second announce below); 10,000 hosts, 64 MiB: p99 1.45 -> 1.33.
     */
    static final int NUM_WANT = 20;
    /**
     * While downloading, the announce after {@code started} comes this soon (then every
     * {@code reannounce}): the hosts of a deploy announce within a second of each other, and the
     * first answer holds only the hosts that announced before. The last to announce knew only
     * earlier ones, which had what it had by the time it could give, and finished last
     * (bench/swarm-sim.sh, 10,000 hosts: last host 1.51 -> 1.35 x F/c, p99.9 1.37 -> 1.34).
     */
    static final Duration SECOND_ANNOUNCE = Duration.ofSeconds(5);
    /** How long `stopped` may take before a stopping torrent gives up on it. */
    static final Duration STOPPED_WAIT = Duration.ofSeconds(3);

    /** Where announces go: the torrent's trackers, with the torrent's counters filled in. */
    @FunctionalInterface
    interface Tracker {
        /**
         * An announce with the torrent's counters as they are now (called on the owner's thread); it
         * is sent when the supplier is called, which may be later and from another thread.
         */
        Supplier<CompletableFuture<AnnounceResponse>> prepare(Optional<Event> event, int numWant);
    }

    private final Tracker tracker;
    /** The torrent names trackers (none: the torrent learns peers some other way, and nothing is announced). */
    private final boolean hasTrackers;
    private final Clock clock;
    private final Duration reannounce;
    private final Executor owner;
    /** Told each answer: its peers to dial, and who shares our rack. */
    private final Consumer<AnnounceResponse> onAnswer;
    private final String logId;
    private boolean begun;
    private boolean stopped;
    private boolean announcing;
    private boolean startedAnnounced;
    private boolean seeding;
    /** `completed` is due but waits for the announce in flight, or for `started` to get through. */
    private boolean completedPending;
    private Instant nextAnnounce = Instant.MIN;
    private Duration trackerInterval = Duration.ofSeconds(30);
    private CompletableFuture<?> lastAnnounce = CompletableFuture.completedFuture(null);
    /** Failed announces in a row, and the last one's reason (logged once until it changes). */
    private int failures;
    private String lastFailure;

    Announcer(Tracker tracker, boolean hasTrackers, Clock clock, Duration reannounce, Executor owner,
            Consumer<AnnounceResponse> onAnswer, String logId) {
        this.tracker = tracker;
        this.hasTrackers = hasTrackers;
        this.clock = clock;
        this.reannounce = reannounce;
        this.owner = owner;
        this.onAnswer = onAnswer;
        this.logId = logId;
    }

    /** The torrent is ready (checked on disk): `started` goes now. */
    void begin() {
        begun = true;
        announce(Optional.of(Event.STARTED));
    }

    /** Called about once a second: announces when one is due. */
    void tick() {
        if (!begun || stopped || clock.instant().isBefore(nextAnnounce)) {
            return;
        }
        if (!startedAnnounced) {
            announce(Optional.of(Event.STARTED));
        } else if (completedPending && seeding) {
            completedIfDue(); // a `completed` that failed goes again, rather than a plain announce
        } else {
            announce(Optional.empty());
        }
    }

    /**
     * The torrent is complete and seeds. {@code downloadedHere}: it downloaded something (BEP 3: no
     * `completed` for a file complete at start, as a seed's). {@code leavingNow}: it stops at once,
     * and one `stopped` says all.
     */
    void seeding(boolean downloadedHere, boolean leavingNow) {
        seeding = true;
        completedPending = downloadedHere && !leavingNow;
        completedIfDue();
    }

    /**
     * No announce after this one: `stopped` once the tracker may know us (started got through or is
     * on its way), after the announce in flight. The future completes when it is answered, fails,
     * or after {@link #STOPPED_WAIT}.
     */
    CompletableFuture<?> stop() {
        if (stopped) {
            return lastAnnounce;
        }
        stopped = true;
        if (!hasTrackers || !(startedAnnounced || announcing)) {
            return CompletableFuture.completedFuture(null);
        }
        Supplier<CompletableFuture<AnnounceResponse>> stoppedAnnounce = tracker.prepare(Optional.of(Event.STOPPED), 0);
        lastAnnounce = lastAnnounce.handle((r, e) -> null)
                .thenCompose(v -> stoppedAnnounce.get())
                .orTimeout(STOPPED_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        return lastAnnounce;
    }

    private void completedIfDue() {
        if (completedPending && startedAnnounced && !announcing && seeding && !stopped) {
            completedPending = false;
            announce(Optional.of(Event.COMPLETED));
        }
    }

    private void announce(Optional<Event> event) {
        if (!hasTrackers || announcing || stopped) {
            return;
        }
        announcing = true;
        CompletableFuture<AnnounceResponse> sent;
        try {
            sent = tracker.prepare(event, NUM_WANT).get();
        } catch (RuntimeException | LinkageError e) {
            // a failed announce like any other (retried), not one that stays "in progress" for good:
            // a NoClassDefFoundError from a broken install once stalled a torrent here without a word
            sent = CompletableFuture.failedFuture(e);
        }
        lastAnnounce = sent;
        sent.whenComplete((resp, err) -> owner.execute(() -> answered(event, resp, err)));
    }

    private void answered(Optional<Event> event, AnnounceResponse resp, Throwable err) {
        announcing = false;
        if (stopped) {
            return;
        }
        Instant now = clock.instant();
        if (err != null) {
            failures++;
            String why = Failures.rootMessage(err);
            // told once, and again when it changes: a seed whose tracker was gone logged every 5 s. Still tried every
            // RETRY: a restarted tracker learns of a seed at once (a backoff to a minute hid one that long), a download
            // hears of peers within its stall timeout, and a SYN every 5 s costs nothing
            if (!why.equals(lastFailure)) {
                LOG.warn("[torrent={}] {} (tried again every {} until it answers; not told again unless the reason changes)", logId,
                        why, Durations.format(RETRY));
                lastFailure = why;
            }
            nextAnnounce = now.plus(RETRY);
            completedPending |= event.orElse(null) == Event.COMPLETED;
            return;
        }
        if (failures > 0) {
            LOG.info("[torrent={}] the tracker answered again after {} failed announce{}", logId, failures, failures == 1 ? "" : "s");
            failures = 0;
            lastFailure = null;
        }
        startedAnnounced |= event.orElse(null) == Event.STARTED;
        trackerInterval = resp.interval();
        Duration next = next(event, seeding, reannounce, trackerInterval, resp.minInterval());
        nextAnnounce = now.plus(next);
        LOG.debug("[torrent={}] tracker: {} peers, next announce in {}", logId, resp.peers().size(), Durations.format(next));
        onAnswer.accept(resp);
        completedIfDue();
    }

    /** Why the last announce failed while no later one was answered: a stall's message names it (a dead tracker, not the peers). */
    Optional<String> failing() {
        return Optional.ofNullable(lastFailure);
    }

    /**
     * How long after an answered announce of {@code event} the next one goes: the tracker's
     * interval when seeding; while downloading at most {@code reannounce}, and after `started` at
     * most {@link #SECOND_ANNOUNCE}; never sooner than the tracker's {@code minInterval} (the murder
     * tracker's is 5 s; another tracker's may be longer, and announcing earlier would be refused or
     * counted against us). An event the torrent owes (`completed`, `stopped`) does not wait for it.
     * (The swarm simulator follows the same rule.)
     */
    static Duration next(Optional<Event> event, boolean seeding, Duration reannounce, Duration trackerInterval,
            Duration minInterval) {
        if (seeding) {
            return max(trackerInterval, minInterval);
        }
        Duration next = min(reannounce, trackerInterval);
        return max(event.orElse(null) == Event.STARTED ? min(next, SECOND_ANNOUNCE) : next, minInterval);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
