package org.murder.orchestrator.agent;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.murder.orchestrator.job.Job;
import org.murder.orchestrator.release.Generation;
import org.murder.orchestrator.rollout.Hook;
import org.murder.orchestrator.rollout.HookResult;
import org.murder.orchestrator.rollout.HookRunner;
import org.murder.orchestrator.rollout.HookSpec;
import org.murder.orchestrator.rollout.Hooks;
import org.murder.orchestrator.rollout.HostSetup;
import org.murder.orchestrator.rollout.Overlays;
import org.murder.orchestrator.rollout.Rollout;
import org.murder.orchestrator.rollout.RolloutFailure;
import org.murder.orchestrator.rollout.WaveGate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One host's activation of a job's release, the way the project's operators did it by hand:
 * unpack, apply the overlays, wait for the host's wave, {@code pre-activate} (drain), switch
 * {@code current}, {@code post-activate} (restart), {@code health} (retried to its deadline),
 * {@code post-health} (undrain). A failed hook stops there with a {@link RolloutFailure} carrying
 * the hooks run so far; {@code current} never switches on a host whose pre-activate failed.
 */
final class RolloutActivation {
    private static final Logger LOG = LoggerFactory.getLogger(RolloutActivation.class);

    /** Where the activation is, for the host's report. */
    interface Listener {
        void ready(String current, boolean switched);

        void activating(List<HookResult> sofar, String current, boolean switched);
    }

    /** What the activation ended with. */
    record Outcome(List<HookResult> hooks, String current, boolean switched) {
    }

    private final Activator activator;
    private final HostSetup setup;
    private final HookRunner runner;
    private final WaveGate gate;
    private final String host;
    private final List<String> roles;

    RolloutActivation(Activator activator, HostSetup setup, WaveGate gate, String host, List<String> roles) {
        this.activator = activator;
        this.setup = setup;
        this.runner = new HookRunner(setup.hookUser(), setup.healthRetry());
        this.gate = gate;
        this.host = host;
        this.roles = List.copyOf(roles);
    }

    /**
     * @param switchedBefore this job's report said it had switched {@code current} when the agent
     *                       stopped: resumed, the switch is still this job's (a failed wave rolls it
     *                       back), and the release before it is the one before current
     */
    Outcome activate(Job job, Path dest, Path archive, Generation by, boolean switchedBefore, Listener listener)
            throws InterruptedException {
        Rollout rollout = job.rolloutOrNone();
        Path release = activator.prepare(dest, job.tag(), archive, job.md5(), by);
        Overlays.apply(release, setup.overlayDir(), roles, host);
        String current = activator.current(dest).orElse("");
        boolean resumedSwitch = switchedBefore && current.equals(job.tag());
        String previous = resumedSwitch ? activator.rollbackTarget(dest).orElse("") : current;
        int wave = rollout.waveOf(host);
        if (rollout.hasWaves() && wave >= 0) {
            listener.ready(current, resumedSwitch);
            gate.await(job.id(), wave, job.deadline());
        }
        Hooks hooks = hooksOf(release);
        Map<String, String> env = env(job, dest, release, previous);
        List<HookResult> results = new ArrayList<>();
        listener.activating(results, current, resumedSwitch);
        run(Hook.PRE_ACTIVATE, hooks, rollout, env, release, results, resumedSwitch, resumedSwitch
                ? "current on " + job.tag() + " since before the agent restarted (was " + orNone(previous) + ")"
                : "current still on " + orNone(previous));
        activator.activate(dest, job.tag(), archive, job.md5(), 0, by);
        boolean switched = resumedSwitch || !previous.equals(job.tag());
        listener.activating(results, job.tag(), switched);
        afterSwitch(hooks, rollout, env, release, results, job.tag(), previous, switched, listener);
        // only now: a host whose health failed keeps the release its rollback needs (and the others theirs). A release that
        // cannot be removed is said, and the next activation tries again: the host is healthy on its new release
        try {
            activator.keepLast(dest, job.keep());
        } catch (RuntimeException e) {
            LOG.warn("[job={}] {}: keep-last after the activation: {}", job.id(), dest, e.getMessage());
        }
        return new Outcome(results, job.tag(), switched);
    }

    /**
     * A rollback's switch with the hooks of the release it switches to: pre-activate, the switch,
     * post-activate, health, post-health. Without a named release it is the one before current
     * (so the automatic rollback of a failed wave drains the host before switching it back too).
     * Without a named release the job undoes its tag: a host whose {@code current} is another release
     * (it never switched, was rolled back already, or this job switched it before the agent restarted)
     * is left as it is, hooks and all; stepping back from there would undo a release the job is not about. One
     * this very job switched before the agent restarted ({@code switchedBefore}) runs the hooks after the switch
     * again (post-activate, health, post-health), as its switch may have been cut short before them.
     */
    Outcome rollback(Job job, Path dest, Generation by, boolean switchedBefore, Listener listener) {
        Rollout rollout = job.rolloutOrNone();
        String previous = activator.current(dest).orElse("");
        if (job.rollbackTo().isEmpty() && !previous.isEmpty() && !previous.equals(job.tag())) {
            if (!switchedBefore) {
                LOG.info("[job={}] {}: current is {}, not {}: nothing to roll back", job.id(), dest, previous, job.tag());
                return new Outcome(List.of(), previous, false);
            }
            LOG.info("[job={}] {}: switched back to {} before the agent restarted: its hooks after the switch run again", job.id(),
                    dest, previous);
            Path release = dest.resolve("releases").resolve(previous);
            Map<String, String> env = env(job, dest, release, job.tag());
            env.put("MURDER_TAG", previous);
            List<HookResult> results = new ArrayList<>();
            afterSwitch(hooksOf(release), rollout, env, release, results, previous, job.tag(), true, listener);
            return new Outcome(results, previous, true);
        }
        List<HookResult> results = new ArrayList<>();
        Optional<String> to = job.rollbackTo().isEmpty() ? activator.rollbackTarget(dest) : Optional.of(job.rollbackTo());
        // a release that is not there: no hooks of its own to run, the switch says why it cannot
        Hooks hooks = to.filter(t -> Files.isDirectory(dest.resolve("releases").resolve(t), LinkOption.NOFOLLOW_LINKS))
                .map(t -> hooksOf(dest.resolve("releases").resolve(t))).orElse(null);
        if (hooks == null || rollout.hooks().isEmpty()) {
            String now = activator.rollback(dest, to, by);
            if (rollout.hooks().isEmpty()) {
                return new Outcome(results, now, !now.equals(previous));
            }
            // the release to go back to was known only once switched: its hooks run after the switch
            Path release = dest.resolve("releases").resolve(now);
            Map<String, String> env = env(job, dest, release, previous);
            env.put("MURDER_TAG", now);
            afterSwitch(hooksOf(release), rollout, env, release, results, now, previous, true, listener);
            return new Outcome(results, now, !now.equals(previous));
        }
        Path release = dest.resolve("releases").resolve(to.get());
        Map<String, String> env = env(job, dest, release, previous);
        env.put("MURDER_TAG", to.get());
        run(Hook.PRE_ACTIVATE, hooks, rollout, env, release, results, false, "current still on " + orNone(previous));
        String now = activator.rollback(dest, to, by);
        afterSwitch(hooks, rollout, env, release, results, now, previous, true, listener);
        return new Outcome(results, now, !now.equals(previous));
    }

    /** Post-activate, health and post-health of {@code hooks}, {@code current} on {@code now} (it was {@code was}). */
    private void afterSwitch(Hooks hooks, Rollout rollout, Map<String, String> env, Path release, List<HookResult> results, String now,
            String was, boolean switched, Listener listener) {
        for (Hook hook : List.of(Hook.POST_ACTIVATE, Hook.HEALTH, Hook.POST_HEALTH)) {
            run(hook, hooks, rollout, env, release, results, switched, "current on " + now + " (was " + orNone(was) + ")");
            listener.activating(results, now, switched);
        }
    }

    private Hooks hooksOf(Path release) {
        Hooks fromRelease = Hooks.read(release.resolve(Hooks.FILE), "release");
        return setup.hooksFile().map(f -> fromRelease.overriddenBy(Hooks.read(f, "agent"))).orElse(fromRelease);
    }

    private void run(Hook hook, Hooks hooks, Rollout rollout, Map<String, String> env, Path release, List<HookResult> results,
            boolean switched, String where) {
        Optional<HookSpec> spec = hooks.get(hook);
        if (spec.isEmpty() || !rollout.runs(hook)) {
            return;
        }
        Map<String, String> withName = new LinkedHashMap<>(env);
        withName.put("MURDER_HOOK", hook.key());
        Path releases = release.toAbsolutePath().getParent();
        org.murder.orchestrator.rollout.HookTurn turn;
        try {
            turn = org.murder.orchestrator.rollout.HookTurn.take(releases, holder -> LOG.info("[host={} tag={}] {} waits: {} runs on {}",
                    host, env.get("MURDER_TAG"), hook.key(), holder, releases.getParent()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RolloutFailure(hook.key() + " not run: interrupted while another job's hook ran on " + releases.getParent()
                    + "; " + where, results, switched);
        } catch (IllegalStateException e) { // the turn could not be taken: the report keeps what ran and whether current switched
            throw new RolloutFailure(hook.key() + " not run: " + e.getMessage() + "; " + where, results, switched);
        }
        HookResult r;
        try (turn) {
            LOG.info("[host={} tag={}] {} ({})", host, env.get("MURDER_TAG"), hook.key(), spec.get().source());
            r = runner.run(spec.get(), withName, release, org.murder.orchestrator.rollout.HookLedger.beside(release));
        }
        results.add(r);
        if (!r.ok()) {
            LOG.warn("[host={} tag={}] {}; {}", host, env.get("MURDER_TAG"), r.why(), where);
            throw new RolloutFailure(r.why() + "; " + where, results, switched);
        }
    }

    private Map<String, String> env(Job job, Path dest, Path release, String previous) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MURDER_HOST", host);
        env.put("MURDER_ROLES", String.join(",", roles));
        env.put("MURDER_JOB", job.id());
        env.put("MURDER_TAG", job.tag());
        env.put("MURDER_PREVIOUS_TAG", previous);
        env.put("MURDER_DEST", dest.toString());
        env.put("MURDER_RELEASE", release.toString());
        return env;
    }

    private static String orNone(String tag) {
        return tag.isEmpty() ? "none" : tag;
    }
}
