package org.murder.cli;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxy;

/**
 * Which logged exceptions are shown in one line, at the end of their message, instead of a stack
 * trace: a library's (ZooKeeper's, Curator's, Netty's) network and file errors and ZooKeeper's
 * {@code KeeperException}s (Curator's "Background operation retry gave up" with ConnectionLoss), without
 * {@code --verbose}. A ZooKeeper member whose peers are not up yet logs "Cannot open channel" every
 * few hundred milliseconds at first, each with a 12-line trace of the JDK's connect; the reason is
 * the whole story there. murder's own logged exceptions keep their traces.
 */
final class BriefTraces {
    private static volatile boolean verbose;

    private BriefTraces() {
    }

    /** {@code --verbose}: every trace in full (and {@link KnownNoise} shown). */
    static void verbose(boolean on) {
        verbose = on;
    }

    static boolean verbose() {
        return verbose;
    }

    /** Whether {@code event}'s exception is shown in one line. */
    static boolean applies(ILoggingEvent event) {
        if (verbose || event.getLoggerName() == null || event.getLoggerName().startsWith("org.murder")) {
            return false;
        }
        return event.getThrowableProxy() instanceof ThrowableProxy tp && (tp.getThrowable() instanceof java.io.IOException
                || tp.getThrowable() instanceof org.apache.zookeeper.KeeperException); // ZooKeeper gone: its class says what
    }

    /** What the message gets: " (ExceptionClass: its message; caused by ...)" when {@link #applies}, else "". */
    static String inLine(ILoggingEvent event) {
        if (!applies(event)) {
            return "";
        }
        StringBuilder out = new StringBuilder(" (");
        IThrowableProxy t = event.getThrowableProxy();
        for (int depth = 0; t != null && depth < 4; depth++, t = t.getCause()) {
            out.append(depth == 0 ? "" : "; caused by ").append(t.getClassName());
            if (t.getMessage() != null) {
                out.append(": ").append(t.getMessage());
            }
        }
        return out.append(")").toString();
    }
}
