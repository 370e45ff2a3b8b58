package org.murder.peer.engine;

import java.time.Duration;
import java.util.Optional;

/**
 * Per-torrent choices.
 *
 * @param expectedMd5  the whole file's md5 (hex) to verify before the file counts as done
 * @param seedTime     after completing, keep seeding this long then stop; empty seeds until stopped
 * @param recheck      verify what is on disk before starting (resume, seeding); a fresh download skips it
 * @param seedOnly     the data must already be complete: fail instead of downloading what does not match
 */
public record SessionOptions(Optional<String> expectedMd5, Optional<Duration> seedTime, boolean recheck, boolean seedOnly) {
    /** Download, verify against {@code md5} when given, seed for {@code seedTime}. */
    public static SessionOptions download(Optional<String> md5, Optional<Duration> seedTime) {
        return new SessionOptions(md5, seedTime, true, false);
    }

    /** Verify complete data on disk, then seed until stopped. */
    public static SessionOptions seedForever() {
        return new SessionOptions(Optional.empty(), Optional.empty(), true, true);
    }
}
