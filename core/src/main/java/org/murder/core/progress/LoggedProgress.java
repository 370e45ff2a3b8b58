package org.murder.core.progress;

import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One log line every few seconds for output that is not a terminal (services, CI, pipes). */
final class LoggedProgress implements Progress {
    private static final Logger LOG = LoggerFactory.getLogger(Progress.class);
    static final long INTERVAL_NANOS = 5_000_000_000L;

    private final ProgressState state;
    private long lastLogged;

    LoggedProgress(String label, long total, LongSupplier nanoTime) {
        this.state = new ProgressState(label, total, nanoTime);
        this.lastLogged = state.now();
    }

    @Override
    public void advance(long bytes) {
        state.add(bytes);
        long now = state.now();
        synchronized (this) {
            if (now - lastLogged >= INTERVAL_NANOS) {
                lastLogged = now;
                LOG.info("{}: {}", state.label, state.summary());
            }
        }
    }

    @Override
    public void close() {
        LOG.info("{}: {}", state.label, state.summary());
    }
}
