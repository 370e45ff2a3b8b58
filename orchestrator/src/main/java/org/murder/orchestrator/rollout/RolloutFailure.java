package org.murder.orchestrator.rollout;

import java.util.List;

/** An activation that failed in a hook (or was stopped), with the hooks that ran before it. */
public final class RolloutFailure extends RuntimeException {
    private final List<HookResult> results;
    private final boolean switched;

    public RolloutFailure(String message, List<HookResult> results, boolean switched) {
        super(message);
        this.results = List.copyOf(results);
        this.switched = switched;
    }

    public List<HookResult> results() {
        return results;
    }

    /** Whether {@code current} had switched to the new release when it failed. */
    public boolean switched() {
        return switched;
    }
}
