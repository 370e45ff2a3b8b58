package org.murder.core.io;

import java.nio.charset.StandardCharsets;

/**
 * What an agent unpacks of a release at most, and so what a release may hold: the deploy host's
 * packing refuses what every host would refuse, before a job is published and its tag bound.
 */
public final class ReleaseLimits {
    /** The longest name component (Linux's NAME_MAX). */
    public static final int MAX_NAME_BYTES = 255;
    /** The longest name in a release: a little under PATH_MAX, less the release's own path on the host. */
    public static final int MAX_PATH_BYTES = 3072;
    /** Content bytes (after decompression) of one release: far above a release, far below a full disk. */
    public static final long MAX_BYTES = 256L << 30;
    /** Entries (files, directories, links) of one release: far above a release, far below a disk's inodes. */
    public static final long MAX_ENTRIES = 1_000_000;

    private ReleaseLimits() {
    }

    /** Whether a component of the '/'-separated {@code name}, or the whole, is longer than {@link #MAX_NAME_BYTES} / {@link #MAX_PATH_BYTES}. */
    public static boolean tooLong(String name) {
        return tooLong(java.util.Arrays.asList(name.split("/")));
    }

    /** {@link #tooLong(String)} of a name given as its components. */
    public static boolean tooLong(Iterable<String> parts) {
        int total = 0;
        for (String part : parts) {
            int bytes = part.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > MAX_NAME_BYTES) {
                return true;
            }
            total += bytes + 1;
        }
        return total > MAX_PATH_BYTES;
    }

    /** What a message says is expected of a name's length. */
    public static String nameExpected() {
        return "names of at most " + MAX_NAME_BYTES + " bytes a component and " + MAX_PATH_BYTES + " in all";
    }
}
