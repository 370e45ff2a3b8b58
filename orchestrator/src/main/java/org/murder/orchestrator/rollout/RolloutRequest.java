package org.murder.orchestrator.rollout;

import java.util.Arrays;
import java.util.List;

/**
 * The rollout options of a deploy.
 *
 * @param hooks       hooks the job runs (names of {@link Hook}); default all four
 * @param waves       {@code --waves} spec (cumulative counts or shares), empty for none
 * @param batch       {@code --batch N} (waves of N hosts), 0 for none
 * @param maxFailures {@code --max-failures N|P%} per wave
 * @param rollbackAll when a wave fails: roll back every host this deploy switched, not only that wave's
 * @param pause       wait for {@code murder deploy --continue JOB} before each wave after the first
 */
public record RolloutRequest(List<String> hooks, String waves, int batch, String maxFailures, boolean rollbackAll, boolean pause) {
    public RolloutRequest(List<String> hooks, String waves, int batch, String maxFailures, boolean rollbackAll) {
        this(hooks, waves, batch, maxFailures, rollbackAll, false);
    }

    public static final List<String> ALL_HOOKS = Arrays.stream(Hook.values()).map(Hook::key).toList();

    public RolloutRequest {
        hooks = List.copyOf(hooks);
        hooks.forEach(Hook::parse);
        waves = waves == null ? "" : waves;
        maxFailures = maxFailures == null || maxFailures.isEmpty() ? "0" : maxFailures;
        if (pause && waves.isEmpty() && batch <= 0) {
            throw new IllegalArgumentException("--pause only goes with --waves or --batch");
        }
        if (!waves.isEmpty() && batch > 0) {
            throw new IllegalArgumentException("--waves and --batch: one or the other");
        }
    }

    public static RolloutRequest defaults() {
        return new RolloutRequest(ALL_HOOKS, "", 0, "0", false, false);
    }

    public boolean hasWaves() {
        return !waves.isEmpty() || batch > 0;
    }

    /** What the job carries for {@code hosts}. */
    public Rollout forHosts(List<String> hosts) {
        return new Rollout(hooks, plan(hosts), maxFailures, rollbackAll, pause);
    }

    /** The waves for {@code hosts}, empty without {@code --waves} or {@code --batch}. */
    public List<List<String>> plan(List<String> hosts) {
        if (!waves.isEmpty()) {
            return WavePlan.waves(waves, hosts);
        }
        return batch > 0 ? WavePlan.batches(batch, hosts) : List.of();
    }
}
