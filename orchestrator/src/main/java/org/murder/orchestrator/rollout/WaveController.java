package org.murder.orchestrator.rollout;

import java.util.List;
import java.util.OptionalInt;
import java.util.function.Predicate;

/**
 * The deployer's side of a rollout in waves, without ZooKeeper: wave 0 is released at once; wave
 * N+1 once every host of wave N has finished and no more than the failure budget of them failed;
 * when a wave fails more, the rollout stops there. Hosts of later waves download meanwhile (and
 * unpack), so a released wave only switches and runs its hooks.
 */
public final class WaveController {
    /** What to do after looking at the reports. */
    public record Step(OptionalInt release, OptionalInt stopAt) {
        static final Step NOTHING = new Step(OptionalInt.empty(), OptionalInt.empty());
    }

    private final List<List<String>> waves;
    private final String maxFailures;
    private int released;
    private int stoppedAt = -1;
    private int awaitingApproval = -1;

    public WaveController(List<List<String>> waves, String maxFailures) {
        this.waves = List.copyOf(waves);
        this.maxFailures = maxFailures;
        WavePlan.failureBudget(maxFailures, 1); // a bad spec fails now, not at the first wave's end
    }

    public List<List<String>> waves() {
        return waves;
    }

    /** Waves released so far. */
    public int released() {
        return released;
    }

    /** The wave that failed beyond its budget, -1 while none did. */
    public int stoppedAt() {
        return stoppedAt;
    }

    public int budget(int wave) {
        return WavePlan.failureBudget(maxFailures, waves.get(wave).size());
    }

    /**
     * The next step, given which hosts have finished and which of those failed. Call until it
     * returns nothing to do; each release or stop is returned once.
     */
    public Step next(Predicate<String> finished, Predicate<String> failed) {
        return next(finished, failed, w -> true);
    }

    /**
     * {@link #next(Predicate, Predicate)}, releasing wave N (after the first) only once
     * {@code approved} says so (a paused rollout); until then the step is nothing and the next call asks again.
     */
    public Step next(Predicate<String> finished, Predicate<String> failed, java.util.function.IntPredicate approved) {
        if (stoppedAt >= 0 || waves.isEmpty()) {
            return Step.NOTHING;
        }
        if (released == 0) {
            released = 1;
            return new Step(OptionalInt.of(0), OptionalInt.empty());
        }
        int last = released - 1;
        List<String> wave = waves.get(last);
        if (!wave.stream().allMatch(finished)) {
            return Step.NOTHING;
        }
        long failures = wave.stream().filter(failed).count();
        if (failures > budget(last)) {
            stoppedAt = last;
            return new Step(OptionalInt.empty(), OptionalInt.of(last));
        }
        if (released < waves.size()) {
            if (!approved.test(released)) {
                awaitingApproval = released;
                return Step.NOTHING;
            }
            awaitingApproval = -1;
            released++;
            return new Step(OptionalInt.of(released - 1), OptionalInt.empty());
        }
        return Step.NOTHING;
    }

    /** Takes over a rollout a deploy process started: {@code releasedSoFar} waves out, stopped or not. */
    public void resume(int releasedSoFar, boolean stopped) {
        released = Math.max(0, Math.min(releasedSoFar, waves.size()));
        if (stopped) {
            stoppedAt = Math.max(0, released - 1);
        }
    }

    /** The wave (0-based) that passed waves wait for an operator's approval to release, -1 when none does. */
    public int awaitingApproval() {
        return awaitingApproval;
    }

    /** Whether every wave is released (nothing left to wait for). */
    public boolean allReleased() {
        return released >= waves.size();
    }

    /** Hosts of waves not released when the rollout stopped. */
    public List<String> notReleased() {
        return waves.subList(Math.min(released, waves.size()), waves.size()).stream().flatMap(List::stream).toList();
    }

}
