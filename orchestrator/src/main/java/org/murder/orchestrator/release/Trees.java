package org.murder.orchestrator.release;

import java.io.IOException;
import java.nio.file.Path;
import org.murder.core.io.FileTrees;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Small file-tree helpers: quiet recursive delete, printable names. */
public final class Trees {
    private static final Logger LOG = LoggerFactory.getLogger(Trees.class);

    private Trees() {
    }

    /** {@link FileTrees#deleteRecursively} for clean-up after a failure that is already being reported. */
    public static void deleteQuietly(Path root) {
        try {
            FileTrees.deleteRecursively(root);
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not remove {}: {}", root, e.toString());
        }
    }

    /**
     * {@code text} safe for a one-line message ({@link org.murder.core.Printable}), at most 200 of its
     * characters (archive names come from the network).
     */
    static String printable(String text) {
        if (text == null) {
            return "null";
        }
        return org.murder.core.Printable.escape(text, 200);
    }

    /** The message of {@code e} an operator can read: {@code /x: no such file} rather than just {@code /x}. */
    static String describe(IOException e) {
        return org.murder.core.io.IoErrors.describe(e);
    }
}
