package org.murder.core.progress;

import java.io.PrintStream;

/**
 * Progress of one long piece of work measured in bytes. A bar on a terminal, a log line every
 * few seconds otherwise, nothing for small work. Safe to advance from several threads.
 */
public interface Progress extends AutoCloseable {
    /** Work below this many bytes shows no progress at all. */
    long MIN_BYTES_TO_SHOW = 64L << 20;

    void advance(long bytes);

    /** Finishes the display (a terminal bar ends its line). */
    @Override
    void close();

    /** Shows nothing. */
    Progress NONE = new Progress() {
        @Override
        public void advance(long bytes) {
        }

        @Override
        public void close() {
        }
    };

    /**
     * The display that suits where output goes: a bar when {@code terminal}, else log lines.
     * Returns {@link #NONE} for work under {@link #MIN_BYTES_TO_SHOW}.
     */
    static Progress of(String label, long totalBytes, PrintStream terminalOut, boolean terminal) {
        if (totalBytes < MIN_BYTES_TO_SHOW) {
            return NONE;
        }
        return terminal ? new TerminalProgressBar(label, totalBytes, terminalOut, System::nanoTime)
                : new LoggedProgress(label, totalBytes, System::nanoTime);
    }

    /** True when standard output and error look like an interactive terminal. */
    static boolean isTerminal() {
        return System.console() != null && !"dumb".equals(System.getenv("TERM"));
    }
}
