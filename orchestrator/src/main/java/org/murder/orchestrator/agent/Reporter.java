package org.murder.orchestrator.agent;

import java.io.Closeable;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.murder.orchestrator.job.HostReport;
import org.murder.orchestrator.job.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores an agent's host reports without making its job threads wait for ZooKeeper. A job thread
 * hands a report over and goes on (downloads, activates); one writer thread stores the latest
 * report of each path when {@link ReportCadence} says it is due, retrying through outages (with a
 * jittered backoff, so a fleet does not retry in step) until it is stored or replaced by a newer
 * one. So each job keeps at most one report waiting (its last progress, or its final report), and
 * the reports catch up when ZooKeeper is back.
 */
final class Reporter implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(Reporter.class);
    private static final long FIRST_BACKOFF_MILLIS = 200;
    private static final long MAX_BACKOFF_MILLIS = 5000;
    /** On close, how long reports still waiting may take to be stored. */
    private static final long FLUSH_MILLIS = 500;
    /** Paths whose stored state is remembered (an agent runs a few jobs at a time). */
    private static final int REMEMBERED_PATHS = 256;

    /** A report waiting to be stored: due at {@code dueAt} (monotonic milliseconds), for a fleet of {@code hosts}. */
    private record Pending(HostReport report, int hosts, long dueAt) {
    }

    private final CuratorFramework zk;
    private final String agent;
    /** Signs every report (see ReportSeal). */
    private final org.murder.orchestrator.job.JobSigner signer;
    private final ReportCadence cadence = new ReportCadence(ThreadLocalRandom.current());
    private final Object lock = new Object();
    /** Path to the latest report not yet stored. Guarded by {@link #lock}. */
    private final Map<String, Pending> pending = new HashMap<>();
    /** Path to what was stored last. Guarded by {@link #lock}. */
    private final Map<String, ReportCadence.PathState> stored = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ReportCadence.PathState> eldest) {
            return size() > REMEMBERED_PATHS;
        }
    };
    private final Thread writer;
    private boolean closed;
    private long flushUntil;
    private long writes;

    Reporter(CuratorFramework zk, String agent, org.murder.orchestrator.job.JobSigner signer) {
        this.zk = zk;
        this.agent = agent;
        this.signer = signer;
        this.writer = new Thread(this::writeLoop, "murder-agent-reports-" + agent);
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /** Queues {@code report} for {@code path} of a job for {@code hosts} hosts, replacing one not yet stored; never blocks on ZooKeeper. */
    void offer(String path, HostReport report, int hosts) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            long now = nowMillis();
            ReportCadence.PathState was = stored.getOrDefault(path, ReportCadence.PathState.NONE);
            Pending before = pending.get(path);
            long due = before == null ? cadence.dueAt(was, report.state(), hosts, now)
                    : cadence.replacingDueAt(was, before.report().state(), before.dueAt(), report.state(), hosts, now);
            pending.put(path, new Pending(report, hosts, due));
            lock.notifyAll();
        }
    }

    /** True while a report for {@code path} waits to be stored. */
    boolean isPending(String path) {
        synchronized (lock) {
            return pending.containsKey(path);
        }
    }

    /** Reports stored so far. */
    long writes() {
        synchronized (lock) {
            return writes;
        }
    }

    private static long nowMillis() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
    }

    private void writeLoop() {
        long backoff = FIRST_BACKOFF_MILLIS;
        long retryAt = Long.MIN_VALUE;
        while (true) {
            String path;
            Pending next;
            synchronized (lock) {
                while (true) {
                    long now = nowMillis();
                    if (closed && (pending.isEmpty() || now >= flushUntil)) {
                        return;
                    }
                    Map.Entry<String, Pending> first = earliest();
                    long wakeAt = first == null ? Long.MAX_VALUE : Math.max(retryAt, closed ? now : first.getValue().dueAt());
                    if (first != null && wakeAt <= now) {
                        path = first.getKey();
                        next = first.getValue();
                        break;
                    }
                    try {
                        lock.wait(wakeAt == Long.MAX_VALUE ? 0 : Math.max(1, Math.min(wakeAt - now, closed ? flushUntil - now : Long.MAX_VALUE)));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
            try {
                boolean exists;
                synchronized (lock) {
                    exists = stored.containsKey(path);
                }
                store(path, org.murder.orchestrator.job.ReportSeal.write(path, next.report(), signer), exists);
                synchronized (lock) {
                    writes++;
                    long now = nowMillis();
                    ReportCadence.PathState state = cadence.stored(stored.getOrDefault(path, ReportCadence.PathState.NONE),
                            next.report().state(), next.hosts(), now);
                    stored.put(path, state);
                    if (!pending.remove(path, next)) {
                        // a newer report came meanwhile: an update of what was just stored waits for its turn
                        Pending newer = pending.get(path);
                        if (newer != null && newer.report().state().equals(state.storedState())) {
                            pending.put(path, new Pending(newer.report(), newer.hosts(), Math.max(newer.dueAt(), state.nextUpdateAt())));
                        }
                    }
                }
                backoff = FIRST_BACKOFF_MILLIS;
                retryAt = Long.MIN_VALUE;
            } catch (InterruptedException e) {
                return;
            } catch (org.apache.zookeeper.KeeperException.NoAuthException e) {
                // the node there, or a parent of it, murder's credentials may not write: made by a client without the job
                // secret, on a tree of an earlier murder that let anyone add nodes. Retried forever, it held back every
                // later report. Deleted (its parent is ours), it is tried again after the usual backoff; else dropped
                if (removeForeign(path)) {
                    retryAt = nowMillis() + backoff;
                    backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
                } else {
                    LOG.error("[agent={}] report {} to {} cannot be stored: it, or a node above it, is not writable with murder's"
                            + " credentials (made by a client without the job secret) and cannot be deleted; dropped, later reports"
                            + " go on", agent, next.report().state(), path);
                    synchronized (lock) {
                        pending.remove(path, next);
                    }
                }
            } catch (Exception e) {
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
                long wait = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
                LOG.info("[agent={}] report {} to {} not stored ({}); retrying in {} ms", agent, next.report().state(), path,
                        e.toString(), wait);
                retryAt = nowMillis() + wait;
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
            }
        }
    }

    /**
     * Deletes the node at {@code path} that murder may not write; true when this deleted it. False when it cannot
     * (its parent is not ours either) or when there was none (what refused the write was a parent).
     */
    private boolean removeForeign(String path) {
        try {
            zk.delete().forPath(path);
            LOG.warn("[agent={}] {}: a node murder's credentials may not write (made by a client without the job secret); deleted",
                    agent, path);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * One write: a set when this writer stored the path before (a create that fails on an existing
     * node costs the ensemble a transaction too), else a create (or a set, when the node is there).
     */
    private void store(String path, byte[] data, boolean storedBefore) throws Exception {
        if (storedBefore) {
            try {
                zk.setData().forPath(path, data);
                return;
            } catch (org.apache.zookeeper.KeeperException.NoNodeException gone) {
                // removed meanwhile (the job pruned, by hand): made again below
            }
        }
        zk.create().orSetData().creatingParentContainersIfNeeded().forPath(path, data);
    }

    private Map.Entry<String, Pending> earliest() {
        Map.Entry<String, Pending> first = null;
        for (Map.Entry<String, Pending> e : pending.entrySet()) {
            if (first == null || e.getValue().dueAt() < first.getValue().dueAt()) {
                first = e;
            }
        }
        return first;
    }

    /**
     * Stops the writer: reports still waiting get {@value #FLUSH_MILLIS} ms to be stored at once
     * (a final report is not held back by its cadence), then the rest are dropped (a restarted agent
     * reports again).
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            flushUntil = nowMillis() + FLUSH_MILLIS;
            lock.notifyAll();
        }
        try {
            writer.join(FLUSH_MILLIS + 200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writer.interrupt();
    }
}
