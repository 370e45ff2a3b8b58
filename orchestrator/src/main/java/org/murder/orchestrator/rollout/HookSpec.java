package org.murder.orchestrator.rollout;

import java.time.Duration;
import java.util.Optional;

/**
 * One hook as defined: a shell command ({@code /bin/sh -c}), or for {@link Hook#HEALTH} also an
 * HTTP URL with the status it must answer; its timeout (for health: the deadline by which it must
 * pass, retried every {@code interval} until then).
 *
 * @param source where it was defined, for messages: {@code release murder.hooks:3}
 */
public record HookSpec(Hook hook, String command, Optional<String> url, int expectedStatus, Duration timeout, String source) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    public HookSpec {
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException(source + ": " + hook.key() + " timeout must be positive");
        }
    }

    public boolean isUrl() {
        return url.isPresent();
    }

    public HookSpec withTimeout(Duration t) {
        return new HookSpec(hook, command, url, expectedStatus, t, source);
    }
}
