package org.murder.orchestrator.rollout;

import java.util.Locale;

/** The points of an activation where an agent runs a hook, in the order it runs them. */
public enum Hook {
    /** Before {@code current} switches (take the node out of the load balancer); failing keeps the old release. */
    PRE_ACTIVATE,
    /** Right after the switch (restart the service, warm it up). */
    POST_ACTIVATE,
    /** Is the node healthy on the new release: a command or an HTTP URL, retried until its deadline. */
    HEALTH,
    /** After health passed (put the node back). */
    POST_HEALTH;

    /** The name in {@code murder.hooks} and on the command line: {@code pre-activate}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Hook parse(String key) {
        for (Hook h : values()) {
            if (h.key().equals(key)) {
                return h;
            }
        }
        throw new IllegalArgumentException("hook '" + key + "' (expected: pre-activate, post-activate, health or post-health)");
    }
}
