package org.murder.cli;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * This machine's root file system as a throw-away copy: an overlay over {@code /} whose upper
 * layer is a directory of the test, mounted in a private mount namespace (and, when asked, a
 * private network namespace with only {@code lo}), with {@code chroot} into it. dpkg, adduser,
 * postinst scripts, install.sh and ansible run for real inside and write only into the upper
 * layer; the mounts vanish with the namespace. Each {@link #run} is a new namespace over the same
 * upper layer, so the steps of a test see each other's changes.
 */
final class ThrowawayRoot {
    private final Path dir;
    private final boolean privateNetwork;

    record Result(int exit, String out) {
    }

    ThrowawayRoot(Path dir, boolean privateNetwork) {
        this.dir = dir;
        this.privateNetwork = privateNetwork;
    }

    /**
     * Skips the test with the reason where this cannot work (not root, no unshare, no overlayfs);
     * on CI ({@code CI=true}) fails it instead.
     */
    static void require() {
        String reason = null;
        if (!"root".equals(System.getProperty("user.name"))) {
            reason = "needs root (unshare --mount, overlayfs, chroot)";
        } else if (!Files.isExecutable(Path.of("/usr/bin/unshare")) || !Files.isExecutable(Path.of("/usr/sbin/chroot"))) {
            reason = "unshare or chroot is missing (apt-get install util-linux coreutils)";
        } else {
            try {
                if (!Files.readString(Path.of("/proc/filesystems")).contains("overlay")) {
                    reason = "the kernel has no overlayfs";
                }
            } catch (IOException e) {
                reason = "cannot read /proc/filesystems: " + e.getMessage();
            }
        }
        if (reason != null) {
            if ("true".equals(System.getenv("CI"))) {
                fail(reason);
            }
            Assumptions.abort(reason);
        }
    }

    /** Runs {@code script} with /bin/sh inside the root (stdout and stderr merged), bounded by {@code timeoutSeconds}. */
    Result run(String script, int timeoutSeconds) throws Exception {
        Path upper = dir.resolve("upper");
        Path work = dir.resolve("work");
        Path merged = dir.resolve("merged");
        Files.createDirectories(upper);
        Files.createDirectories(work);
        Files.createDirectories(merged);
        String setup = String.join("\n",
                "set -e",
                "mount -t overlay overlay -o lowerdir=/,upperdir=\"$1\",workdir=\"$2\" \"$3\"",
                "for fs in proc sys dev; do mount --rbind /$fs \"$3/$fs\"; done",
                privateNetwork ? "ip link set lo up" : ":",
                "exec chroot \"$3\" /bin/sh -c \"$4\"");
        List<String> argv = new ArrayList<>(List.of("timeout", "-k", "5", String.valueOf(timeoutSeconds), "unshare", "--mount",
                "--propagation", "private"));
        if (privateNetwork) {
            argv.add("--net");
        }
        argv.addAll(List.of("/bin/sh", "-c", setup, "sh", upper.toString(), work.toString(), merged.toString(), script));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        pb.environment().put("LC_ALL", "C.UTF-8");
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds + 10L, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("the throw-away root's script did not finish within " + timeoutSeconds + " s:\n" + script);
        }
        String text = new String(out, StandardCharsets.UTF_8);
        killLeftovers(merged);
        if (p.exitValue() == 124) {
            fail("the throw-away root's script timed out after " + timeoutSeconds + " s:\n" + script + "\n" + text);
        }
        return new Result(p.exitValue(), text.strip());
    }

    /** Kills what a script left running inside the root (a daemon of a script that failed or timed out). */
    private static void killLeftovers(Path merged) throws IOException {
        Path real = merged.toRealPath();
        ProcessHandle.allProcesses().forEach(ph -> {
            try {
                if (Files.readSymbolicLink(Path.of("/proc", String.valueOf(ph.pid()), "root")).equals(real)) {
                    ph.destroyForcibly();
                }
            } catch (IOException | UnsupportedOperationException | SecurityException e) {
                // gone already, or not ours to read
            }
        });
    }

    /** What the real machine must still be after a test: its dpkg database, its users, its /etc/default. */
    static String hostFingerprint() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String f : List.of("/var/lib/dpkg/status", "/etc/passwd", "/etc/group")) {
            sb.append(f).append(' ').append(Files.size(Path.of(f))).append(' ').append(Files.getLastModifiedTime(Path.of(f)))
                    .append(' ').append(Files.readString(Path.of(f)).hashCode()).append('\n');
        }
        for (String f : List.of("/usr/share/murder", "/usr/bin/murder", "/etc/murder", "/etc/default/murder", "/lib/systemd/system/murder-agent.service",
                "/var/lib/murder", "/opt/murder", "/etc/systemd/system/murder-agent.service")) {
            sb.append(f).append(Files.exists(Path.of(f), java.nio.file.LinkOption.NOFOLLOW_LINKS) ? " exists\n" : " absent\n");
        }
        return sb.toString();
    }
}
