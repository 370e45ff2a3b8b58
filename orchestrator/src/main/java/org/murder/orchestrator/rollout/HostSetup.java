package org.murder.orchestrator.rollout;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * What a host adds to a rollout (the agent's options): its own hooks file, which overrides the
 * release's {@code murder.hooks} hook by hook; its overlay directory; the user hooks run as.
 *
 * @param hooksFile   {@code --hooks-file}: hooks for this host's role, over the release's
 * @param overlayDir  {@code --overlay-dir}: holds {@code ROLE/} and {@code HOST/} overlays
 * @param hookUser    {@code --hook-user}: run hooks as this user (empty: the agent's own user, if not root)
 * @param healthRetry pause between health attempts
 */
public record HostSetup(Optional<Path> hooksFile, Optional<Path> overlayDir, Optional<String> hookUser, Duration healthRetry) {
    public static HostSetup none() {
        return new HostSetup(Optional.empty(), Optional.empty(), Optional.empty(), Duration.ofSeconds(1));
    }
}
