package org.murder.peer.engine;

import java.io.UncheckedIOException;
import java.util.concurrent.CompletionException;

/** The message worth a log line or an error: the cause that wrappers of asynchronous work hide. */
final class Failures {
    private Failures() {
    }

    static String rootMessage(Throwable t) {
        while ((t instanceof CompletionException || t instanceof UncheckedIOException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
