package org.murder.orchestrator.rollout;

import java.util.List;

/**
 * What a deploy job asks of the activation beyond the switch, signed with the job.
 *
 * @param hooks the hooks to run ({@link Hook#key()} names), in the order of {@link Hook}; empty: none
 * @param waves the hosts of each wave, in order; empty: every host activates as soon as it has the
 *              bytes. With waves, a host that has the release unpacked reports {@code ready} and
 *              switches only once the deployer released its wave ({@code /waves/JOB/N}).
 * @param maxFailures the failure budget of each wave ({@code N} or {@code P%}); for a resumed deploy
 * @param rollbackAll a failed wave rolls back every host the deploy switched
 * @param pause       wait for {@code murder deploy --continue JOB} before each wave after the first
 */
public record Rollout(List<String> hooks, List<List<String>> waves, String maxFailures, boolean rollbackAll, boolean pause) {
    public Rollout(List<String> hooks, List<List<String>> waves) {
        this(hooks, waves, "0", false, false);
    }

    public Rollout {
        maxFailures = maxFailures == null || maxFailures.isEmpty() ? "0" : maxFailures;
        hooks = hooks == null ? List.of() : List.copyOf(hooks);
        waves = waves == null ? List.of() : waves.stream().map(List::copyOf).toList();
    }

    public boolean runs(Hook hook) {
        return hooks.contains(hook.key());
    }

    /** The index of the wave {@code host} is in, -1 without waves or when no wave names it. */
    public int waveOf(String host) {
        for (int i = 0; i < waves.size(); i++) {
            if (waves.get(i).contains(host)) {
                return i;
            }
        }
        return -1;
    }

    public boolean hasWaves() {
        return !waves.isEmpty();
    }
}
