package org.murder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The systemd units of scripts/systemd: sandboxed ({@code systemd-analyze security} exposure at most
 * 5.0 each), and, installed by scripts/install.sh into a throw-away copy of this machine's root
 * ({@link ThrowawayRoot}, as root: the user is created for real), valid ({@code systemd-analyze
 * verify}); then {@code install.sh --uninstall} and {@code --uninstall --purge} there.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class SystemdUnitsIT {
    private static final Path SCRIPTS = Path.of("..", "scripts").toAbsolutePath().normalize();
    private static final Path DIST = Path.of("target", "murder").toAbsolutePath();
    private static final Pattern SCORE = Pattern.compile("Overall exposure level for (\\S+): (\\d+\\.\\d+) ");

    @TempDir
    Path tmp;

    private static List<Path> units() throws Exception {
        try (Stream<Path> files = Files.list(SCRIPTS.resolve("systemd"))) {
            return files.filter(f -> f.toString().endsWith(".service")).sorted().toList();
        }
    }

    @Test
    void everyUnitIsSandboxed() throws Exception {
        ExternalTools.require("systemd-analyze", "systemd");
        List<Path> units = units();
        assertEquals(5, units.size(), units.toString());
        for (Path unit : units) {
            ExternalTools.Result r = ExternalTools.run(List.of("systemd-analyze", "security", "--offline=yes", "--no-pager", unit.toString()), null);
            Matcher m = SCORE.matcher(r.output());
            assertTrue(m.find(), r.output());
            double score = Double.parseDouble(m.group(2));
            System.out.println("SystemdUnitsIT: " + unit.getFileName() + " exposure " + score);
            assertTrue(score <= 5.0, unit.getFileName() + ": exposure " + score + " (at most 5.0)\n" + r.output());
            String text = Files.readString(unit);
            // the JVM's JIT needs writable+executable memory: a unit that denies it would not start
            assertFalse(text.contains("MemoryDenyWriteExecute=yes"), unit.toString());
            if (unit.getFileName().toString().equals("murder-firewall.service")) {
                assertTrue(text.contains("\nCapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW\n"), text);
            } else {
                assertTrue(text.contains("\nCapabilityBoundingSet=\n") && text.contains("\nUser=murder\n"), text);
            }
        }
    }

    @Test
    void installedByInstallShTheyVerifyAndUninstallRemovesThem() throws Exception {
        ThrowawayRoot.require();
        ExternalTools.require("systemd-analyze", "systemd");
        String hostBefore = ThrowawayRoot.hostFingerprint();
        ThrowawayRoot root = new ThrowawayRoot(tmp, true);
        String install = "sh " + SCRIPTS.resolve("install.sh");

        ThrowawayRoot.Result installed = root.run(String.join("\n",
                install + " --dist " + DIST + " || exit 10",
                "echo \"user=$(getent passwd murder | cut -d: -f6,7)\"",
                "echo \"etc-murder=$(stat -c %U:%G /etc/murder)\"",
                "systemd-analyze verify /etc/systemd/system/murder-*.service && echo verify=ok",
                "/usr/local/bin/murder --version | sed 's/^/version=/'",
                "[ -f /etc/logrotate.d/murder ] && logrotate -d /etc/logrotate.d/murder >/dev/null 2>&1 && echo logrotate=ok",
                // an upgrade restarts the services that run (here init.d's: no systemd in the throw-away root)
                "/etc/init.d/murder-tracker start >/dev/null 2>&1 || echo tracker-start-failed",
                "before=$(/etc/init.d/murder-tracker status)",
                install + " --dist " + DIST + " | grep '^install: upgrade:'",
                "after=$(/etc/init.d/murder-tracker status) && [ \"$after\" != \"$before\" ] && echo \"tracker=new pid\"",
                "/etc/init.d/murder-tracker stop >/dev/null 2>&1"), 150);
        String out = installed.out();
        assertEquals(0, installed.exit(), out);
        assertTrue(out.contains("install: created system user murder"), out);
        assertTrue(out.contains("user=/var/lib/murder:/usr/sbin/nologin"), out);
        assertTrue(out.contains("etc-murder=root:murder"), out);
        assertTrue(out.contains("verify=ok"), out);
        assertTrue(out.contains("version=murder "), out);
        assertTrue(out.contains("logrotate=ok") || !Files.isExecutable(Path.of("/usr/sbin/logrotate")), out);
        assertFalse(out.contains("tracker-start-failed"), out);
        assertTrue(out.contains("install: upgrade: restarted murder-tracker\n"), out);
        assertTrue(out.contains("tracker=new pid"), out);

        ThrowawayRoot.Result removed = root.run(String.join("\n",
                install + " --uninstall || exit 10",
                "for f in /opt/murder /usr/local/bin/murder /etc/systemd/system/murder-agent.service /etc/init.d/murder-agent"
                        + " /etc/default/murder /etc/murder/murder.conf /var/lib/murder; do",
                "  [ -e $f ] && echo \"present $f\" || echo \"absent $f\"; done",
                install + " --uninstall --purge || exit 11",
                "for f in /etc/default/murder /etc/murder /var/lib/murder /var/log/murder; do",
                "  [ -e $f ] && echo \"purge: present $f\" || echo \"purge: absent $f\"; done"), 60);
        out = removed.out();
        assertEquals(0, removed.exit(), out);
        for (String f : List.of("/opt/murder", "/usr/local/bin/murder", "/etc/systemd/system/murder-agent.service", "/etc/init.d/murder-agent")) {
            assertTrue(out.contains("absent " + f + "\n"), f + "\n" + out);
        }
        for (String f : List.of("/etc/default/murder", "/etc/murder/murder.conf", "/var/lib/murder")) {
            assertTrue(out.contains("present " + f + "\n"), f + "\n" + out);
        }
        for (String f : List.of("/etc/default/murder", "/etc/murder", "/var/lib/murder", "/var/log/murder")) {
            assertTrue(out.contains("purge: absent " + f), f + "\n" + out);
        }
        assertEquals(hostBefore, ThrowawayRoot.hostFingerprint(), "the real machine is untouched");
    }
}
