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
        if (t instanceof java.io.IOException io) { // a file system's exception may say only the path ("already exists" is its class)
            return org.murder.core.io.IoErrors.describe(io);
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
