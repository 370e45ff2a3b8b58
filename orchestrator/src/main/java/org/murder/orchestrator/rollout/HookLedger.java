package org.murder.orchestrator.rollout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.murder.core.io.AtomicFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hook running at a destination, in a file murder keeps beside its releases
 * ({@code DEST/releases/.murder-hook}: the hook's process group and start time, the agent that
 * runs it and its start time, the hook's name), so that a hook an agent left running when it was
 * killed is stopped before the restarted agent runs that activation again: two drain or restart
 * scripts of one service must never overlap. A hook runs as the leader of a process group of its
 * own ({@code setsid}), so its whole tree goes with it, grandchildren that outlived their parent
 * included.
 *
 * <p>The agent runs as root, so the file is trusted only as far as it must be: read without
 * following a link, at most 4 KiB, only when this user owns it and nobody else may write it; its
 * hook is stopped only when the agent that recorded it is gone, when the process is still the one
 * recorded (its start time, within a second: the kernel's boot time moves with clock steps), and
 * when that process still leads its own session and group, as {@code setsid} made it.
 */
public final class HookLedger {
    private static final Logger LOG = LoggerFactory.getLogger(HookLedger.class);
    /** The ledger's name in {@code DEST/releases}. */
    public static final String FILE = ".murder-hook";
    private static final long GONE_WAIT_MILLIS = 5000;
    private static final int MAX_BYTES = 4096;
    /** Start times read back may differ by this much (the JDK derives them from the boot time, which clock steps move). */
    private static final long START_SLACK_MILLIS = 1000;

    private final Path file;

    public HookLedger(Path file) {
        this.file = file;
    }

    /** The ledger of the destination that holds {@code release} ({@code DEST/releases/TAG}): in {@code DEST/releases}. */
    public static HookLedger beside(Path release) {
        return new HookLedger(release.toAbsolutePath().getParent().resolve(FILE));
    }

    /** What the ledger says: the hook's group leader and start time, the agent's pid and start time, the hook's name. */
    record Entry(long pid, long startMillis, long agentPid, long agentStartMillis, String hook) {
        String line() {
            return pid + " " + startMillis + " " + agentPid + " " + agentStartMillis + " " + hook + "\n";
        }

        static Optional<Entry> parse(String text) {
            String[] f = text.strip().split(" ", 5);
            try {
                return f.length == 5 ? Optional.of(new Entry(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]),
                        Long.parseLong(f[3]), f[4])) : Optional.empty();
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
    }

    /**
     * Before a hook runs: stops the hook the ledger names with its whole process group when the
     * agent that ran it is gone and the hook still runs, and clears the ledger then. Returns whether
     * it stopped one. A hook of another agent that still runs is left alone (and logged).
     */
    public boolean stopLeftOver() {
        Optional<Entry> entry = read();
        if (entry.isEmpty()) {
            return false;
        }
        Entry e = entry.get();
        if (isRunning(e.agentPid(), e.agentStartMillis())) {
            if (e.agentPid() != ProcessHandle.current().pid()) {
                LOG.warn("hook {} (process group {}) of another running agent (pid {}) is at work on this destination; not stopped",
                        org.murder.core.Printable.escape(e.hook()), e.pid(), e.agentPid());
            }
            return false;
        }
        boolean stopped = ProcessHandle.of(e.pid()).filter(p -> startedAt(p, e.startMillis()) && leadsItsGroup(e.pid()))
                .map(p -> stop(p, e)).orElse(false);
        clearIf(e);
        return stopped;
    }

    /** What the ledger says runs, in words for a log line ("hook NAME (process group N) of process P"), or that it says nothing. */
    public String describe() {
        return read().map(e -> "hook " + org.murder.core.Printable.escape(e.hook()) + " (process group " + e.pid() + ") of process "
                + e.agentPid()).orElse("a hook of another process (" + file.getFileName() + " names none)");
    }

    /** The entry, when the file is one this agent can trust; else empty (and a warning for a file that is there but not ours). */
    private Optional<Entry> read() {
        PosixFileAttributes attrs;
        try {
            attrs = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException none) {
            return Optional.empty();
        } catch (IOException | UnsupportedOperationException e) {
            LOG.warn("cannot read {}: {}; a hook left running by a stopped agent, if any, is not stopped", file, e.toString());
            return Optional.empty();
        }
        String me = System.getProperty("user.name");
        Set<PosixFilePermission> perms = attrs.permissions();
        if (!attrs.isRegularFile() || attrs.size() > MAX_BYTES || !attrs.owner().getName().equals(me)
                || perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
            LOG.warn("ignoring {}: not a small regular file of {} that only {} may write; no hook is stopped on its word", file, me, me);
            return Optional.empty();
        }
        try (SeekableByteChannel in = Files.newByteChannel(file, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
            ByteBuffer buf = ByteBuffer.allocate(MAX_BYTES);
            while (buf.hasRemaining() && in.read(buf) > 0) {
                // up to MAX_BYTES
            }
            return Entry.parse(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            LOG.warn("cannot read {}: {}", file, e.toString());
            return Optional.empty();
        }
    }

    private static boolean isRunning(long pid, long startMillis) {
        return ProcessHandle.of(pid).filter(p -> startedAt(p, startMillis)).isPresent();
    }

    private static boolean startedAt(ProcessHandle p, long startMillis) {
        return p.info().startInstant().map(Instant::toEpochMilli).filter(t -> Math.abs(t - startMillis) <= START_SLACK_MILLIS)
                .isPresent();
    }

    /** Whether {@code pid} leads its process group and its session, as {@code setsid} leaves a hook: never a shell's or a daemon's pid by chance. */
    static boolean leadsItsGroup(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            // "pid (comm) state ppid pgrp session ...": comm may hold spaces and parentheses, so count from the last ')'
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[2]) == pid && Long.parseLong(f[3]) == pid;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private boolean stop(ProcessHandle leader, Entry e) {
        LOG.warn("stopping hook {} (process group {}, started {}) left running by an agent that stopped, before running hooks again",
                org.murder.core.Printable.escape(e.hook()), e.pid(), Instant.ofEpochMilli(e.startMillis()));
        java.util.List<ProcessHandle> tree = leader.descendants().toList(); // first: the group's kill orphans them
        killGroup(leader.pid());
        tree.forEach(ProcessHandle::destroyForcibly);
        leader.destroyForcibly();
        try {
            leader.onExit().get(GONE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (Exception notYet) {
            LOG.warn("hook {} (pid {}) still running {} ms after SIGKILL", org.murder.core.Printable.escape(e.hook()), e.pid(),
                    GONE_WAIT_MILLIS);
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

    /** Notes that {@code hook} runs as {@code process}, run by this agent; a failure to write is logged, never fatal. */
    public void record(ProcessHandle process, String hook) {
        Optional<Instant> start = process.info().startInstant();
        Optional<Instant> agentStart = ProcessHandle.current().info().startInstant();
        if (start.isEmpty() || agentStart.isEmpty()) {
            return;
        }
        Entry e = new Entry(process.pid(), start.get().toEpochMilli(), ProcessHandle.current().pid(), agentStart.get().toEpochMilli(), hook);
        try {
            AtomicFiles.write(file, e.line().getBytes(StandardCharsets.UTF_8), true);
        } catch (RuntimeException ex) {
            LOG.warn("cannot note the running hook in {}: {}", file, ex.getMessage());
        }
    }

    /** The hook that ran as {@code process} is over: its entry goes, never another's. */
    public void clear(ProcessHandle process) {
        read().filter(e -> e.pid() == process.pid()).ifPresent(this::clearIf);
    }

    private void clearIf(Entry expected) {
        if (read().filter(expected::equals).isEmpty() && Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return; // replaced meanwhile: someone else's now
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("cannot remove {}: {}", file, e.toString());
        }
    }
}
