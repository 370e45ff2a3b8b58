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
 * @param hashedHere   with {@code seedOnly}: this process hashed these very files into the torrent moments ago (a deploy
 *                     that packed its release), so the check takes every piece as good without reading it again (1 s a
 *                     GiB before the job could be published); hosts still verify every piece they get
 * @param callerSaysFailures the caller waits for the session's end and says a failure after the download itself (murder
 *                     peer and seed, in their last line): not logged as an error too. Otherwise (an agent's seeding after
 *                     its job, a deploy's origin) nobody waits to say it, and the session logs it
 */
public record SessionOptions(Optional<String> expectedMd5, Optional<Duration> seedTime, boolean recheck, boolean seedOnly,
        boolean hashedHere, boolean callerSaysFailures) {
    public SessionOptions {
        if (hashedHere && !seedOnly) {
            throw new IllegalArgumentException("hashedHere goes with seedOnly");
        }
    }

    public SessionOptions(Optional<String> expectedMd5, Optional<Duration> seedTime, boolean recheck, boolean seedOnly) {
        this(expectedMd5, seedTime, recheck, seedOnly, false, false);
    }

    /** These options, with the caller saying every failure of the session (see {@code callerSaysFailures}). */
    public SessionOptions saidByCaller() {
        return new SessionOptions(expectedMd5, seedTime, recheck, seedOnly, hashedHere, true);
    }

    /** Download, verify against {@code md5} when given, seed for {@code seedTime}. */
    public static SessionOptions download(Optional<String> md5, Optional<Duration> seedTime) {
        return new SessionOptions(md5, seedTime, true, false);
    }

    /** Verify complete data on disk, then seed until stopped. */
    public static SessionOptions seedForever() {
        return new SessionOptions(Optional.empty(), Optional.empty(), true, true);
    }

    /** {@link #seedForever} of files this process hashed into the torrent just before: not read again (see {@code hashedHere}). */
    public static SessionOptions seedHashedHere() {
        return new SessionOptions(Optional.empty(), Optional.empty(), true, true, true, false);
    }
}
