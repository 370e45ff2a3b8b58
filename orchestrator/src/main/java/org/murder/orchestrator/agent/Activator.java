package org.murder.orchestrator.agent;

import java.nio.file.Path;
import java.util.Optional;
import org.murder.orchestrator.release.Generation;

/**
 * Release activation on a host: unpack a verified archive as a release and switch {@code current}, or switch back.
 * Each change names the job asking for it; a job older than the one that switched {@code current} last is refused
 * with a {@link Generation.SupersededException}.
 */
public interface Activator {
    /**
     * Unpacks {@code archive} into {@code <dest>/releases/<tag>} and points {@code <dest>/current} at it; with {@code keep}
     * above 0, then {@link #keepLast} ({@code murder deploy} passes 0 and prunes after the hooks).
     */
    void activate(Path dest, String tag, Path archive, int keep, Generation by);

    /**
     * Unpacks {@code archive} into {@code <dest>/releases/<tag>} (if not there yet) without switching;
     * returns that directory. An activator that does not unpack returns it as it would be.
     */
    default Path prepare(Path dest, String tag, Path archive, Generation by) {
        return dest.resolve("releases").resolve(tag);
    }

    /**
     * {@link #activate(Path, String, Path, int, Generation)} of an archive whose md5 is {@code md5} (the job's, which the
     * download verified): an activator that records what each release was unpacked from refuses a tag already unpacked
     * from other bytes. Others ignore it.
     */
    default void activate(Path dest, String tag, Path archive, String md5, int keep, Generation by) {
        activate(dest, tag, archive, keep, by);
    }

    /** {@link #prepare(Path, String, Path, Generation)} of an archive whose md5 is {@code md5} (see the other activate). */
    default Path prepare(Path dest, String tag, Path archive, String md5, Generation by) {
        return prepare(dest, tag, archive, by);
    }

    /**
     * Removes the releases beyond the current one and the {@code keep} activated most recently before it: called once an
     * activation's hooks all passed (one whose health failed keeps what a rollback needs). Nothing by default.
     */
    default void keepLast(Path dest, int keep) {
    }

    /** The tag {@code <dest>/current} points at, if any. */
    default Optional<String> current(Path dest) {
        return Optional.empty();
    }

    /**
     * The release {@link #rollback} without a tag would switch {@code <dest>/current} to now (the one activated before
     * current); empty when there is none, or this activator cannot tell before switching.
     */
    default Optional<String> rollbackTarget(Path dest) {
        return Optional.empty();
    }

    /** Points {@code <dest>/current} at {@code tag}, or at the release before the current one; returns the tag now current. */
    String rollback(Path dest, Optional<String> tag, Generation by);
}
