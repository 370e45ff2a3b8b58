package org.murder.core.progress;

import java.io.PrintStream;
import java.util.function.LongSupplier;

/** A single redrawn line: {@code hashing [#######.............]  35% 358 MiB / 1 GiB 420 MiB/s ETA 2s}. */
final class TerminalProgressBar implements Progress {
    private static final long REDRAW_NANOS = 100_000_000L;
    private static final int WIDTH = 30;

    private final ProgressState state;
    private final PrintStream out;
    private long lastDrawn = Long.MIN_VALUE;

    TerminalProgressBar(String label, long total, PrintStream out, LongSupplier nanoTime) {
        this.state = new ProgressState(label, total, nanoTime);
        this.out = out;
    }

    @Override
    public void advance(long bytes) {
        state.add(bytes);
        long now = state.now();
        synchronized (this) {
            if (lastDrawn == Long.MIN_VALUE || now - lastDrawn >= REDRAW_NANOS) {
                lastDrawn = now;
                draw();
            }
        }
    }

    private void draw() {
        int filled = state.percent() * WIDTH / 100;
        out.print("\r" + state.label + " [" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] " + state.summary() + "\033[K");
        out.flush();
    }

    @Override
    public synchronized void close() {
        draw();
        out.println();
    }
}
