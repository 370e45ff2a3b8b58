package org.murder.orchestrator.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Which process on which running kernel an agent is, as its registration says it:
 * {@code linux/BOOT_ID/PID_NAMESPACE/PID/START} (the kernel's boot id, the PID namespace's inode, the pid, and the
 * process's start in clock ticks after boot). An agent restarted after a crash (a {@code kill -9}, the OOM killer) finds
 * its earlier run's registration still held by a session ZooKeeper keeps until it expires (30 s), and took no job for
 * that long. Read back here, the registration says whether that process is gone for certain: the same boot and PID
 * namespace as this process, and no process of that pid, or one started at another time (the pid reused). Anything
 * else (another host, another container, a murder from before this, a process still running, a field unreadable)
 * is not gone.
 */
final class AgentProcess {
    private static final Path PROC = Path.of("/proc");

    private AgentProcess() {
    }

    /** This process's identity, or empty where the kernel does not say it (not Linux, no /proc). */
    static Optional<String> current() {
        try {
            Path self = PROC.resolve("self");
            return Optional.of(String.join("/", "linux", bootId(), pidNamespace(self), Long.toString(ProcessHandle.current().pid()),
                    Long.toString(startTicks(self).orElseThrow(() -> new IOException("no start time")))));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Whether the process {@code identity} names is gone for certain (see the class comment); false when in doubt. */
    static boolean goneForCertain(String identity) {
        String[] f = identity == null ? new String[0] : identity.split("/", -1);
        if (f.length != 5 || !f[0].equals("linux")) {
            return false;
        }
        try {
            long pid = Long.parseLong(f[3]);
            long start = Long.parseLong(f[4]);
            if (pid <= 0 || !f[1].equals(bootId()) || !f[2].equals(pidNamespace(PROC.resolve("self")))) {
                return false; // another boot of this host is gone too, but a boot id is all this knows of the host: another host's
            }
            if (pid == ProcessHandle.current().pid()) {
                return false; // this very process (an earlier session of this run): it is not gone
            }
            Optional<Long> now = startTicks(PROC.resolve(Long.toString(pid)));
            return now.isEmpty() || now.get() != start;
        } catch (NumberFormatException | IOException e) {
            return false;
        }
    }

    private static String bootId() throws IOException {
        String id = Files.readString(PROC.resolve("sys/kernel/random/boot_id"), StandardCharsets.US_ASCII).trim();
        if (id.isEmpty() || id.contains("/")) {
            throw new IOException("boot id " + id);
        }
        return id;
    }

    /** The PID namespace's inode ({@code pid:[4026531836]} gives 4026531836). */
    private static String pidNamespace(Path proc) throws IOException {
        String link = Files.readSymbolicLink(proc.resolve("ns/pid")).toString();
        if (!link.matches("pid:\\[\\d+\\]")) {
            throw new IOException("pid namespace " + link);
        }
        return link.substring(5, link.length() - 1);
    }

    /** The process's start after boot in clock ticks (field 22 of /proc/PID/stat), or empty when there is no such process. */
    private static Optional<Long> startTicks(Path proc) throws IOException {
        String stat;
        try {
            stat = Files.readString(proc.resolve("stat"), StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException gone) {
            return Optional.empty();
        }
        // the command name (field 2) is in parentheses and may hold anything, ')' and spaces too: fields follow the last ')'
        String[] after = stat.substring(stat.lastIndexOf(')') + 1).trim().split(" +");
        if (after.length < 20) {
            throw new IOException("short " + proc.resolve("stat"));
        }
        return Optional.of(Long.parseLong(after[19]));
    }
}
