package org.murder.orchestrator.agent;

import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One piece of an agent's ZooKeeper upkeep (listing the jobs, keeping its registration), run on a
 * thread of its own: at once, after a random delay within the fleet's spread (so thousands of
 * agents coming back from a leader change or a session expiry do not act in the same instant),
 * or again after a failure with a jittered backoff of 0.2 s doubling to 10 s.
 */
final class SpreadTask implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SpreadTask.class);
    /** Acts a second the fleet's re-reads and re-registrations are spread to. */
    static final int PER_SECOND = 1500;
    static final long MIN_SPREAD_MILLIS = 1000;
    static final long MAX_SPREAD_MILLIS = 10_000;
    private static final long FIRST_BACKOFF_MILLIS = 200;
    private static final long MAX_BACKOFF_MILLIS = 10_000;

    private final String what;
    private final Runnable task;
    private final IntSupplier fleetSize;
    private final ScheduledExecutorService executor;
    private long backoff = FIRST_BACKOFF_MILLIS;

    SpreadTask(String thread, String what, Runnable task, IntSupplier fleetSize) {
        this.what = what;
        this.task = () -> {
            try {
                task.run();
            } catch (RuntimeException | Error e) { // run from a Future or a schedule, it was lost without a word, and never run again
                LOG.error("{}: {}", what, e.toString(), e);
                failed(e instanceof Exception ex ? ex : new RuntimeException(e));
            }
        };
        this.fleetSize = fleetSize;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, thread);
            t.setDaemon(true);
            return t;
        });
    }

    /** How long a fleet of {@code hosts} spreads its re-reads over: {@code hosts / 1500} s, within 1 to 10 s. */
    static long spreadMillis(int hosts) {
        return Math.min(MAX_SPREAD_MILLIS, Math.max(MIN_SPREAD_MILLIS, Math.max(0, hosts) * 1000L / PER_SECOND));
    }

    Future<?> now() {
        return executor.submit(task);
    }

    /** Runs the task after a random delay within the spread of the fleet size last seen. */
    void afterSpread() {
        schedule(ThreadLocalRandom.current().nextLong(spreadMillis(fleetSize.getAsInt())));
    }

    /** The task succeeded: the next failure waits the shortest backoff again. Called on the task's thread. */
    void succeeded() {
        backoff = FIRST_BACKOFF_MILLIS;
    }

    /** The task failed with {@code e}: runs it again after a jittered backoff. Called on the task's thread. */
    void failed(Exception e) {
        long wait = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
        if (backoff >= MAX_BACKOFF_MILLIS) {
            LOG.warn("{}: {}; failing for a while, again in {} ms", what, e.toString(), wait);
        } else {
            LOG.info("{}: {}; again in {} ms", what, e.toString(), wait);
        }
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
        schedule(wait);
    }

    private void schedule(long delayMillis) {
        try {
            executor.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
