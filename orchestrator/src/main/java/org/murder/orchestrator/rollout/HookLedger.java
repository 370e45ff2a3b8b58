package org.murder.orchestrator.rollout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.murder.core.io.AtomicFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hook running at a destination, in a file beside its releases ({@link #FILE}: the hook's
 * process group, its start time, the hook's name), so that a hook an agent left running when it
 * was killed is stopped before the restarted agent runs that activation again: two drain or
 * restart scripts of one service must never overlap. A hook runs as the leader of a process group
 * of its own ({@code setsid}), so its whole tree goes with it, grandchildren that outlived their
 * parent included. The start time guards against a reused pid: a process that started at another
 * time is somebody else's and is left alone.
 */
public final class HookLedger {
    private static final Logger LOG = LoggerFactory.getLogger(HookLedger.class);
    /** The ledger's name in the destination directory. */
    public static final String FILE = ".murder-hook";
    private static final long GONE_WAIT_MILLIS = 5000;

    private final Path file;

    public HookLedger(Path file) {
        this.file = file;
    }

    /** The ledger of the destination that holds {@code release} ({@code DEST/releases/TAG}). */
    public static HookLedger beside(Path release) {
        return new HookLedger(release.toAbsolutePath().getParent().getParent().resolve(FILE));
    }

    /** What the ledger says: the group leader's pid, its start time, the hook's name. */
    record Entry(long pid, long startMillis, String hook) {
        String line() {
            return pid + " " + startMillis + " " + hook + "\n";
        }

        static Optional<Entry> parse(String text) {
            String[] f = text.strip().split(" ", 3);
            try {
                return f.length == 3 ? Optional.of(new Entry(Long.parseLong(f[0]), Long.parseLong(f[1]), f[2])) : Optional.empty();
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
    }

    /**
     * Before a hook runs: stops the hook the ledger names when that process still runs (same pid,
     * same start time) with its whole process group, and clears the ledger. Returns whether it
     * stopped one.
     */
    public boolean stopLeftOver() {
        Optional<Entry> entry;
        try {
            entry = Entry.parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException none) {
            return false;
        } catch (IOException e) {
            LOG.warn("cannot read {}: {}; a hook left running by a stopped agent, if any, is not stopped", file, e.toString());
            return false;
        }
        boolean stopped = entry.flatMap(e -> ProcessHandle.of(e.pid()).filter(p -> startedAt(p, e.startMillis()))
                .map(p -> stop(p, e))).orElse(false);
        clear();
        return stopped;
    }

    private static boolean startedAt(ProcessHandle p, long startMillis) {
        return p.info().startInstant().map(Instant::toEpochMilli).filter(t -> t == startMillis).isPresent();
    }

    private boolean stop(ProcessHandle leader, Entry e) {
        LOG.warn("stopping hook {} (process group {}, started {}) left running by an agent that stopped, before running hooks again",
                e.hook(), e.pid(), Instant.ofEpochMilli(e.startMillis()));
        killGroup(leader.pid());
        leader.descendants().forEach(ProcessHandle::destroyForcibly);
        leader.destroyForcibly();
        try {
            leader.onExit().get(GONE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (Exception notYet) {
            LOG.warn("hook {} (pid {}) still running {} ms after SIGKILL", e.hook(), e.pid(), GONE_WAIT_MILLIS);
        }
        return true;
    }

    /** SIGKILL to every process of group {@code pgid} (a hook's tree: see {@link HookRunner}). */
    static void killGroup(long pgid) {
        try {
            new ProcessBuilder("kill", "-KILL", "--", "-" + pgid).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            LOG.debug("kill group {}: {}", pgid, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Notes that {@code hook} runs as {@code process}; a failure to write is logged, never fatal. */
    public void record(ProcessHandle process, String hook) {
        Optional<Instant> start = process.info().startInstant();
        if (start.isEmpty()) {
            return;
        }
        try {
            AtomicFiles.write(file, new Entry(process.pid(), start.get().toEpochMilli(), hook).line().getBytes(StandardCharsets.UTF_8), true);
        } catch (RuntimeException e) {
            LOG.warn("cannot note the running hook in {}: {}", file, e.getMessage());
        }
    }

    /** The hook is over. */
    public void clear() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("cannot remove {}: {}", file, e.toString());
        }
    }
}
