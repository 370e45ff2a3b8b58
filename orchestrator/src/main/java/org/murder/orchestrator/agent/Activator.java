package org.murder.orchestrator.agent;

import java.nio.file.Path;
import java.util.Optional;

/** Release activation on a host: unpack a verified archive as a release and switch {@code current}, or switch back. */
public interface Activator {
    /** Unpacks {@code archive} into {@code <dest>/releases/<tag>}, points {@code <dest>/current} at it, keeps the last {@code keep}. */
    void activate(Path dest, String tag, Path archive, int keep);

    /** Points {@code <dest>/current} at {@code tag}, or at the release before the current one; returns the tag now current. */
    String rollback(Path dest, Optional<String> tag);
}
