package org.murder.orchestrator.agent;

import java.io.Closeable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.murder.orchestrator.job.HostReport;
import org.murder.orchestrator.job.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores an agent's host reports without making its job threads wait for ZooKeeper. A job thread
 * hands a report over and goes on (downloads, activates); one writer thread stores the latest
 * report of each path, retrying through outages until it is stored or replaced by a newer one. So
 * during an outage each job keeps exactly one report waiting (its last progress, or its final
 * report), and the reports catch up when ZooKeeper is back.
 */
final class Reporter implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(Reporter.class);
    private static final long FIRST_BACKOFF_MILLIS = 200;
    private static final long MAX_BACKOFF_MILLIS = 5000;

    private final CuratorFramework zk;
    private final String agent;
    private final Object lock = new Object();
    /** Path to the latest report not yet stored, oldest path first. Guarded by {@link #lock}. */
    private final Map<String, HostReport> pending = new LinkedHashMap<>();
    private final Thread writer;
    private boolean closed;

    Reporter(CuratorFramework zk, String agent) {
        this.zk = zk;
        this.agent = agent;
        this.writer = new Thread(this::writeLoop, "murder-agent-reports-" + agent);
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /** Queues {@code report} for {@code path}, replacing a report for it not yet stored; never blocks on ZooKeeper. */
    void offer(String path, HostReport report) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            pending.put(path, report);
            lock.notifyAll();
        }
    }

    /** True while a report for {@code path} waits to be stored. */
    boolean isPending(String path) {
        synchronized (lock) {
            return pending.containsKey(path);
        }
    }

    private void writeLoop() {
        long backoff = FIRST_BACKOFF_MILLIS;
        boolean retrying = false;
        long retryAt = 0;
        while (true) {
            String path;
            HostReport report;
            synchronized (lock) {
                long now = System.nanoTime();
                while (!closed && (pending.isEmpty() || retrying && now - retryAt < 0)) {
                    long waitMillis = pending.isEmpty() ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(retryAt - now));
                    try {
                        lock.wait(waitMillis);
                    } catch (InterruptedException e) {
                        return;
                    }
                    now = System.nanoTime();
                }
                if (closed) {
                    return;
                }
                Map.Entry<String, HostReport> first = pending.entrySet().iterator().next();
                path = first.getKey();
                report = first.getValue();
            }
            try {
                zk.create().orSetData().creatingParentContainersIfNeeded().forPath(path, Json.write(report));
                synchronized (lock) {
                    // a newer report that came meanwhile stays queued
                    pending.remove(path, report);
                }
                backoff = FIRST_BACKOFF_MILLIS;
                retrying = false;
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
                LOG.info("[agent={}] report {} to {} not stored ({}); retrying in {} ms", agent, report.state(), path, e.toString(),
                        backoff);
                retrying = true;
                retryAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoff);
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
            }
        }
    }

    /** Stops the writer; reports not stored by now are dropped (a restarted agent reports again). */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        writer.interrupt();
    }
}
