package org.murder.core.progress;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.murder.core.ByteSize;

/** Counts bytes done against a total and formats rate and ETA from an injected nanosecond clock. */
final class ProgressState {
    final String label;
    final long total;
    private final AtomicLong done = new AtomicLong();
    private final LongSupplier nanoTime;
    private final long startNanos;

    ProgressState(String label, long total, LongSupplier nanoTime) {
        this.label = label;
        this.total = total;
        this.nanoTime = nanoTime;
        this.startNanos = nanoTime.getAsLong();
    }

    long add(long bytes) {
        return done.addAndGet(bytes);
    }

    long done() {
        return done.get();
    }

    long now() {
        return nanoTime.getAsLong();
    }

    int percent() {
        return total == 0 ? 100 : (int) Math.min(100, done.get() * 100 / total);
    }

    String summary() {
        long d = done.get();
        double seconds = Math.max(1e-9, (now() - startNanos) / 1e9);
        double rate = d / seconds;
        String eta = rate <= 0 || d >= total ? "" : String.format(Locale.ROOT, " ETA %ds", (long) Math.ceil((total - d) / rate));
        return String.format(Locale.ROOT, "%3d%% %s / %s %s/s%s", percent(), ByteSize.format(d), ByteSize.format(total),
                ByteSize.format((long) rate), eta);
    }
}
