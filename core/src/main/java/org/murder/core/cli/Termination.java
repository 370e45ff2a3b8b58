package org.murder.core.cli;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * How a long-running command stops: on SIGTERM (systemd's stop, {@code kill}) or SIGINT (Ctrl-C)
 * it runs its stop action and its main thread returns normally, so the process exits 0; with a
 * plain shutdown hook the JVM would exit 143 (128 + SIGTERM) after a clean stop. The action stays
 * a shutdown hook too, for any other way out (System.exit elsewhere); it runs once.
 */
public final class Termination {
    private Termination() {
    }

    /** Registers {@code stop} (run once, on the thread {@code hook}) for SIGTERM, SIGINT and JVM exit. */
    public static void onStop(Thread hook) {
        Runtime.getRuntime().addShutdownHook(hook);
        AtomicBoolean handled = new AtomicBoolean();
        sun.misc.SignalHandler handler = signal -> {
            // removed first: the JVM must not run it again when main returns and the process exits
            if (handled.compareAndSet(false, true) && Runtime.getRuntime().removeShutdownHook(hook)) {
                hook.start();
            }
        };
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), handler);
            } catch (IllegalArgumentException e) {
                // not a signal here (or the JVM keeps it, -Xrs): the shutdown hook still stops the command
            }
        }
    }
}
