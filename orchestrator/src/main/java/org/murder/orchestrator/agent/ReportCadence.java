package org.murder.orchestrator.agent;

import java.util.random.RandomGenerator;

/**
 * When an agent stores its report on a job, so that the ensemble's write load per deploy is
 * bounded whatever the fleet size. Pure: the caller gives the time and the fleet size (the job's
 * host count); the writer keeps one {@link PathState} per report path.
 *
 * <ul>
 * <li>A <b>state change</b> (accepted, downloading, ready, done, failed...) is stored after a delay
 * drawn uniformly from {@code [0, hosts / STATE_WRITES_PER_SECOND)} (at most {@link #MAX_SPREAD_MILLIS}):
 * a fleet taking a job or finishing at once spreads its writes to about
 * {@value #STATE_WRITES_PER_SECOND} a second; a dozen hosts wait a few milliseconds.</li>
 * <li>A <b>progress update</b> (the same state, new figures) waits for its interval: the first one
 * falls at a random point of the first interval (so the fleet's updates are spread evenly in time),
 * each interval is three times the one before, from {@code max(2 s, hosts / PROGRESS_WRITES_PER_SECOND)} up
 * to a ceiling that grows with the fleet ({@link #maxIntervalMillis}: 2 s for a dozen hosts, 30 s
 * from 1,000). From 1,000 hosts on, a one-minute download stores at most four progress updates per
 * host (eight writes in all with accepted, downloading, done and the bytes uploaded while seeding),
 * and one every 30 s after that; fleet-wide they stay under
 * {@value #PROGRESS_WRITES_PER_SECOND} a second.</li>
 * </ul>
 * A report waiting for its turn is replaced by a newer one (only the latest is stored), and a state
 * change never waits behind an update.
 */
public final class ReportCadence {
    /** Fleet-wide state-change writes a second that a fleet acting at once spreads to. */
    static final int STATE_WRITES_PER_SECOND = 1500;
    /** Fleet-wide progress writes a second at most. */
    static final int PROGRESS_WRITES_PER_SECOND = 400;
    static final long MIN_INTERVAL_MILLIS = 2000;
    /** Each interval is this many times the one before (until the ceiling). */
    static final int GROWTH = 3;
    static final long MAX_INTERVAL_MILLIS = 30_000;
    /** The interval ceiling grows with the fleet by this much per host, up to {@link #MAX_INTERVAL_MILLIS}. */
    static final long CEILING_MILLIS_PER_HOST = 30;
    /** The longest a state change waits (at 15,000 hosts and more). */
    static final long MAX_SPREAD_MILLIS = 10_000;

    private final RandomGenerator random;

    ReportCadence(RandomGenerator random) {
        this.random = random;
    }

    /** What the writer knows about one report path: the state stored last and when the next update may go. */
    record PathState(String storedState, int updates, long nextUpdateAt, long storedAt) {
        static final PathState NONE = new PathState("", 0, 0, Long.MIN_VALUE / 2);

        PathState(String storedState, int updates, long nextUpdateAt) {
            this(storedState, updates, nextUpdateAt, Long.MIN_VALUE / 2);
        }
    }

    /** When a report in {@code state} offered at {@code now} is due, given what is stored for its path. */
    long dueAt(PathState stored, String state, int hosts, long now) {
        long spread = spreadMillis(hosts);
        // one write per host per spread window at most: the fleet's state changes that follow
        // one another (accepted, then downloading) do not add up to more than the spread rate
        long earliest = stored.storedAt() + spread;
        if (!state.equals(stored.storedState())) {
            return Math.max(earliest, spread == 0 ? now : now + random.nextLong(spread));
        }
        // a fleet-wide one-off update (the bytes uploaded once seeding ends) is spread like a change
        return Math.max(earliest, Math.max(stored.nextUpdateAt(), spread == 0 ? now : now + random.nextLong(spread)));
    }

    /**
     * When a report offered while another for the same path waits ({@code pendingState}, due at
     * {@code pendingDue}) is due: it keeps the waiting one's turn (drawing again would skew the
     * fleet's spread towards early), except a state change replacing an update, which must not wait
     * for the update's interval.
     */
    long replacingDueAt(PathState stored, String pendingState, long pendingDue, String state, int hosts, long now) {
        boolean pendingIsUpdate = pendingState.equals(stored.storedState());
        if (pendingIsUpdate && !state.equals(stored.storedState())) {
            return dueAt(stored, state, hosts, now);
        }
        return pendingDue;
    }

    /** The path's state once a report in {@code state} was stored at {@code now}. */
    PathState stored(PathState before, String state, int hosts, long now) {
        boolean change = !state.equals(before.storedState());
        int updates = change ? 0 : before.updates() + 1;
        long first = firstIntervalMillis(hosts);
        long next;
        if (change) {
            next = now + random.nextLong(first) + 1; // the fleet's first updates spread over the whole interval
        } else {
            long interval = Math.min(maxIntervalMillis(hosts), first * (long) Math.pow(GROWTH, Math.min(updates, 20)));
            next = now + interval;
        }
        return new PathState(state, updates, next, now);
    }

    /** How long a fleet of {@code hosts} spreads its state changes over (a host's failed report at the deadline waits up to this). */
    public static long spreadMillis(int hosts) {
        return Math.min(MAX_SPREAD_MILLIS, Math.max(0, hosts) * 1000L / STATE_WRITES_PER_SECOND);
    }

    public static long firstIntervalMillis(int hosts) {
        return Math.max(MIN_INTERVAL_MILLIS, Math.max(0, hosts) * 1000L / PROGRESS_WRITES_PER_SECOND);
    }

    /**
     * The longest interval: {@code hosts × 30 ms} between 2 s and 30 s (at least the first). A dozen
     * hosts keep updating every 2 s (a few writes a second in all, and the operator sees each host
     * move); from 1,000 hosts on, intervals grow to 30 s, which bounds the writes per host of a deploy.
     */
    public static long maxIntervalMillis(int hosts) {
        long scaled = Math.min(MAX_INTERVAL_MILLIS, Math.max(MIN_INTERVAL_MILLIS, Math.max(0, hosts) * CEILING_MILLIS_PER_HOST));
        return Math.max(scaled, firstIntervalMillis(hosts));
    }
}
