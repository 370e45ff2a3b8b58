package org.murder.orchestrator.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.murder.orchestrator.job.Job;
import org.murder.orchestrator.release.Generation;
import org.murder.orchestrator.rollout.HookResult;
import org.murder.orchestrator.rollout.HostSetup;
import org.murder.orchestrator.rollout.Rollout;
import org.murder.orchestrator.rollout.WaveGate;

/** The activation's hooks, real processes through /bin/sh; the switch itself is a stand-in that only makes directories. */
class RolloutActivationTest {
    @TempDir
    Path tmp;

    /** Makes {@code releases/TAG} and switches nothing: the hooks are what is under test. */
    private static final Activator DIRECTORIES_ONLY = new Activator() {
        @Override
        public void activate(Path dest, String tag, Path archive, int keep, Generation by) {
        }

        @Override
        public Path prepare(Path dest, String tag, Path archive, Generation by) {
            try {
                return Files.createDirectories(dest.resolve("releases").resolve(tag));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public String rollback(Path dest, Optional<String> tag, Generation by) {
            return tag.orElse("");
        }
    };

    private static final RolloutActivation.Listener QUIET = new RolloutActivation.Listener() {
        @Override
        public void ready(String current, boolean switched) {
        }

        @Override
        public void activating(List<HookResult> sofar, String current, boolean switched) {
        }
    };

    private static Job job(String tag) {
        return Job.builder().id(tag + "-job").tag(tag).torrent("ZA==").md5("0123456789abcdef0123456789abcdef").size(1).activate(true)
                .hosts(List.of("web-1")).selector("--hosts web-1").createdAt(1).deadline(Long.MAX_VALUE / 2)
                .rollout(new Rollout(List.of("pre-activate", "post-activate"), List.of())).build();
    }

    @Test
    void twoJobsOnOneDestinationNeverRunHooksAtOnce() throws Exception {
        Path log = tmp.resolve("hooks.log");
        Path hooks = Files.writeString(tmp.resolve("hooks"), "pre-activate = echo start $MURDER_TAG >> " + log + "; sleep 0.3; echo end"
                + " $MURDER_TAG >> " + log + "\npost-activate = echo post $MURDER_TAG >> " + log + "\n");
        RolloutActivation activation = new RolloutActivation(DIRECTORIES_ONLY,
                new HostSetup(Optional.of(hooks), Optional.empty(), Optional.empty(), Duration.ofMillis(100)), WaveGate.OPEN, "web-1",
                List.of("web"));
        Path dest = Files.createDirectories(tmp.resolve("app"));
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<RolloutActivation.Outcome>> runs = List.of("v1", "v2").stream()
                .map(tag -> CompletableFuture.supplyAsync(() -> {
                    try {
                        go.await();
                        return activation.activate(job(tag), dest, tmp.resolve(tag + ".tar.zst"), new Generation(1, tag + "-job"), false,
                                QUIET);
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                })).toList();
        go.countDown(); // both at once: a deploy stopped mid-hook and the rollback that follows it
        for (CompletableFuture<RolloutActivation.Outcome> run : runs) {
            assertEquals(2, run.get(60, TimeUnit.SECONDS).hooks().size());
        }
        List<String> lines = Files.readAllLines(log);
        assertEquals(6, lines.size(), lines.toString());
        for (int i = 0; i < lines.size(); i++) {
            // each hook's lines together: "start X" is followed by "end X" before anything of the other job
            if (lines.get(i).startsWith("start ")) {
                assertEquals("end " + lines.get(i).substring(6), lines.get(i + 1), lines.toString());
            }
        }
    }

    /** A stand-in whose {@code current} is one tag and whose rollback switches to {@code v0}, counting the switches. */
    private static final class OnTag implements Activator {
        final String current;
        final java.util.concurrent.atomic.AtomicInteger rollbacks = new java.util.concurrent.atomic.AtomicInteger();

        OnTag(String current) {
            this.current = current;
        }

        @Override
        public void activate(Path dest, String tag, Path archive, int keep, Generation by) {
        }

        @Override
        public Optional<String> current(Path dest) {
            return Optional.of(current);
        }

        @Override
        public Optional<String> rollbackTarget(Path dest) {
            return Optional.of("v0");
        }

        @Override
        public String rollback(Path dest, Optional<String> tag, Generation by) {
            rollbacks.incrementAndGet();
            return tag.orElse("v0");
        }
    }

    private static Job rollbackOf(String tag, String to) {
        return Job.builder().id(tag + "-rollback-job").type(Job.ROLLBACK).tag(tag).rollbackTo(to).hosts(List.of("web-1"))
                .selector("--hosts web-1").createdAt(1).deadline(Long.MAX_VALUE / 2)
                .rollout(new Rollout(List.of("pre-activate", "post-activate"), List.of())).build();
    }

    @Test
    void aRollbackOfATagLeavesAHostOnAnotherReleaseAndRunsNoHook() throws Exception {
        Path log = tmp.resolve("hooks.log");
        Path hooks = Files.writeString(tmp.resolve("hooks"), "pre-activate = echo pre >> " + log + "\npost-activate = echo post >> "
                + log + "\n");
        HostSetup setup = new HostSetup(Optional.of(hooks), Optional.empty(), Optional.empty(), Duration.ofMillis(100));
        Path dest = Files.createDirectories(tmp.resolve("app"));
        Files.createDirectories(dest.resolve("releases/v0"));
        // never switched to v2, rolled back already, or switched back by this very job before a restart
        OnTag onV1 = new OnTag("v1");
        RolloutActivation.Outcome left = new RolloutActivation(onV1, setup, WaveGate.OPEN, "web-1", List.of("web"))
                .rollback(rollbackOf("v2", ""), dest, new Generation(1, "v2-rollback-job"), false, QUIET);
        assertEquals(new RolloutActivation.Outcome(List.of(), "v1", false), left);
        assertEquals(0, onV1.rollbacks.get());
        assertEquals(false, Files.exists(log), "no hook ran");

        OnTag onV2 = new OnTag("v2");
        RolloutActivation.Outcome undone = new RolloutActivation(onV2, setup, WaveGate.OPEN, "web-1", List.of("web"))
                .rollback(rollbackOf("v2", ""), dest, new Generation(1, "v2-rollback-job"), false, QUIET);
        assertEquals("v0", undone.current());
        assertEquals(1, onV2.rollbacks.get());
        assertEquals(List.of("pre", "post"), Files.readAllLines(log));

        // a named release is where the operator wants every host, whatever it is on
        RolloutActivation.Outcome named = new RolloutActivation(onV1, setup, WaveGate.OPEN, "web-1", List.of("web"))
                .rollback(rollbackOf("v2", "v0"), dest, new Generation(2, "v2-rollback-job"), false, QUIET);
        assertEquals("v0", named.current());
        assertEquals(1, onV1.rollbacks.get());

        // this job switched v2 back to v1, and the agent restarted before the hooks after the switch: they run again
        Files.delete(log);
        Files.createDirectories(dest.resolve("releases/v1"));
        RolloutActivation.Outcome resumed = new RolloutActivation(onV1, setup, WaveGate.OPEN, "web-1", List.of("web"))
                .rollback(rollbackOf("v2", ""), dest, new Generation(1, "v2-rollback-job"), true, QUIET);
        assertEquals("v1", resumed.current());
        assertTrue(resumed.switched());
        assertEquals(1, onV1.rollbacks.get(), "no second switch");
        assertEquals(List.of("post"), Files.readAllLines(log), "post-activate again; no pre-activate");
    }
}
