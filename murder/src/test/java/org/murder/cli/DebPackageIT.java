package org.murder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The .deb of {@code mvn package} installed with the real dpkg into a throw-away copy of this
 * machine's root ({@link ThrowawayRoot}): files, conffiles, the murder user and its directories,
 * the units (systemd-analyze verify and security), the installed launcher; then {@code dpkg -i}
 * again and {@code dpkg -r} (an edited conffile survives both) and {@code dpkg -P}. The real dpkg
 * database and /etc are checked to be untouched.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DebPackageIT {
    static final List<String> UNITS = List.of("murder-agent", "murder-tracker", "murder-seeder", "murder-zookeeper", "murder-firewall");
    static final List<String> CONFFILES = List.of("/etc/default/murder", "/etc/murder/murder.conf", "/etc/logrotate.d/murder",
            "/etc/init.d/murder-agent", "/etc/init.d/murder-seeder", "/etc/init.d/murder-tracker");

    @TempDir
    Path tmp;

    /** The package {@code mvn package} made (murder/target/murder_VERSION_amd64.deb). */
    static Path builtDeb() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            List<Path> debs = files.filter(f -> f.getFileName().toString().matches("murder_.*_amd64\\.deb")).toList();
            assertEquals(1, debs.size(), "expected one murder_*.deb in target/ (built by mvn package): " + debs);
            try (Stream<Path> lib = Files.list(Path.of("target", "murder", "lib"))) {
                for (Path jar : lib.filter(f -> f.getFileName().toString().matches("murder-\\d.*\\.jar")).toList()) {
                    assertTrue(!Files.getLastModifiedTime(debs.get(0)).toInstant().isBefore(Files.getLastModifiedTime(jar).toInstant()),
                            debs.get(0) + " is older than " + jar + " (built with -Ddeb.skip?)");
                }
            }
            return debs.get(0).toAbsolutePath();
        }
    }

    @Test
    void installsRemovesKeepingConffilesAndPurges() throws Exception {
        ThrowawayRoot.require();
        ExternalTools.require("systemd-analyze", "systemd");
        ExternalTools.require("logrotate", "logrotate");
        Path deb = builtDeb();
        String hostBefore = ThrowawayRoot.hostFingerprint();
        ThrowawayRoot root = new ThrowawayRoot(tmp, false);

        ThrowawayRoot.Result install = root.run(String.join("\n",
                "dpkg -i " + deb + " || exit 10",
                "echo \"status=$(dpkg-query -W -f '${Status}' murder)\"",
                "dpkg-query -W -f '${Conffiles}\\n' murder | awk 'NF {print \"conffile=\" $1}'",
                "echo \"user=$(getent passwd murder | cut -d: -f6,7)\"",
                "for d in /var/lib/murder /var/lib/murder/releases /var/lib/murder/seed /var/log/murder; do echo \"owner $d=$(stat -c %U:%G $d)\"; done",
                "echo \"etc-murder=$(stat -c %U:%G:%a /etc/murder)\"",
                "echo \"link=$(readlink /usr/bin/murder)\"",
                "for f in /usr/share/murder/bin/murder /usr/share/murder/lib/native/libamazonCorrettoCryptoProvider.so"
                        + " /usr/share/man/man1/murder.1.gz /usr/share/man/man1/murder-deploy.1.gz /usr/share/bash-completion/completions/murder; do",
                "  [ -s $f ] && echo \"file $f\"; done",
                "ls /usr/share/murder/lib/*.jar | wc -l | sed 's/^/jars=/'",
                "for u in " + String.join(" ", UNITS) + "; do",
                "  grep -h '^ExecStart=' /lib/systemd/system/$u.service | sed \"s/^/$u /\"",
                "  echo \"score $u $(systemd-analyze security --offline=yes /lib/systemd/system/$u.service"
                        + " | sed -n 's/.*exposure level for .*: \\([0-9.]*\\) .*/\\1/p')\"",
                "done",
                "systemd-analyze verify /lib/systemd/system/murder-*.service && echo verify=ok",
                "bash -c '. /usr/share/bash-completion/completions/murder && complete -p murder' | sed 's/^/completion=/'",
                "man -l /usr/share/man/man1/murder-agent.1.gz 2>/dev/null | grep -c -- '--dest-root' | sed 's/^/man-dest-root=/'",
                "/usr/bin/murder --version | sed 's/^/version=/'",
                "logrotate -d /etc/logrotate.d/murder >/dev/null 2>&1 && echo logrotate=ok",
                "echo \"cds=$(ls /usr/share/murder/murder.jsa)\""), 180);
        String out = install.out();
        assertEquals(0, install.exit(), out);
        assertTrue(out.contains("status=install ok installed"), out);
        assertFalse(out.contains("cannot write"), "the murder user can write its directories\n" + out);
        for (String c : CONFFILES) {
            assertTrue(out.contains("conffile=" + c + "\n"), c + "\n" + out);
        }
        assertTrue(out.contains("user=/var/lib/murder:/usr/sbin/nologin"), out);
        for (String d : List.of("/var/lib/murder", "/var/lib/murder/releases", "/var/lib/murder/seed", "/var/log/murder")) {
            assertTrue(out.contains("owner " + d + "=murder:murder"), d + "\n" + out);
        }
        assertTrue(out.contains("etc-murder=root:murder:755"), out);
        assertTrue(out.contains("link=../share/murder/bin/murder"), out);
        for (String f : List.of("/usr/share/murder/bin/murder", "/usr/share/murder/lib/native/libamazonCorrettoCryptoProvider.so",
                "/usr/share/man/man1/murder.1.gz", "/usr/share/man/man1/murder-deploy.1.gz", "/usr/share/bash-completion/completions/murder")) {
            assertTrue(out.contains("file " + f), f + "\n" + out);
        }
        assertTrue(out.contains("jars=") && !out.contains("jars=0\n"), out);
        for (String u : UNITS) {
            assertTrue(out.contains(u + " ExecStart=/usr/share/murder/bin/murder "), u + "\n" + out);
            double score = Double.parseDouble(out.lines().filter(l -> l.startsWith("score " + u + " ")).findFirst().orElseThrow()
                    .substring(("score " + u + " ").length()));
            assertTrue(score <= 5.0, u + ": exposure " + score);
            System.out.println("DebPackageIT: " + u + " exposure " + score);
        }
        assertTrue(out.contains("verify=ok"), out);
        assertTrue(out.contains("completion=complete -o default -F _complete_murder murder"), out);
        assertTrue(out.contains("man-dest-root=") && !out.contains("man-dest-root=0"), out);
        assertTrue(out.contains("version=murder "), out);
        assertTrue(out.contains("logrotate=ok"), "logrotate accepts /etc/logrotate.d/murder\n" + out);
        assertTrue(out.contains("cds=/usr/share/murder/murder.jsa"), out);

        ThrowawayRoot.Result remove = root.run(String.join("\n",
                "echo 'zk = zk1:2181' >> /etc/murder/murder.conf",
                "murder check-config /etc/murder/murder.conf | sed 's/^/check-config=/'",
                // a tracker running under its init.d script (no systemd here) is restarted by the upgrade, stopped by dpkg -r
                "sed -i 's/--port 8998/--port 48998 --bind 127.0.0.1/' /etc/default/murder",
                "/etc/init.d/murder-tracker start >/dev/null || exit 8",
                "before=$(cat /var/run/murder/tracker.pid)",
                // installing it again (prerm upgrade, postinst configure with the user already there) keeps the edit
                "dpkg -i " + deb + " > /tmp/reinstall.out 2>&1 || { cat /tmp/reinstall.out; exit 9; }",
                "grep '^murder: restarted' /tmp/reinstall.out | sed 's/^/said=/'",
                "after=$(cat /var/run/murder/tracker.pid)",
                "[ -n \"$after\" ] && [ \"$after\" != \"$before\" ] && /etc/init.d/murder-tracker status >/dev/null && echo tracker=restarted",
                "tail -n 1 /etc/murder/murder.conf | sed 's/^/reinstalled-conf-last=/'",
                "dpkg -r murder || exit 10",
                "kill -0 \"$after\" 2>/dev/null && echo tracker=still-running",
                "echo \"status=$(dpkg-query -W -f '${Status}' murder)\"",
                "for f in /usr/share/murder /usr/bin/murder /lib/systemd/system/murder-agent.service /usr/share/man/man1/murder.1.gz"
                        + " /etc/default/murder /etc/murder/murder.conf /var/lib/murder /var/log/murder; do",
                "  [ -e $f ] && echo \"present $f\" || echo \"absent $f\"; done",
                "tail -n 1 /etc/murder/murder.conf | sed 's/^/conf-last=/'",
                "getent passwd murder >/dev/null && echo user=kept"), 240);
        out = remove.out();
        assertEquals(0, remove.exit(), out);
        assertTrue(out.contains("check-config=/etc/murder/murder.conf: ok ("), out);
        assertTrue(out.contains("said=murder: restarted murder-tracker on the new version") && out.contains("tracker=restarted"),
                "an upgrade restarts the running init.d tracker on the new jars\n" + out);
        assertFalse(out.contains("tracker=still-running"), "dpkg -r stops it\n" + out);
        assertTrue(out.contains("status=deinstall ok config-files"), out);
        for (String f : List.of("/usr/share/murder", "/usr/bin/murder", "/lib/systemd/system/murder-agent.service", "/usr/share/man/man1/murder.1.gz")) {
            assertTrue(out.contains("absent " + f), f + "\n" + out);
        }
        for (String f : List.of("/etc/default/murder", "/etc/murder/murder.conf", "/var/lib/murder", "/var/log/murder")) {
            assertTrue(out.contains("present " + f), f + "\n" + out);
        }
        assertTrue(out.contains("reinstalled-conf-last=zk = zk1:2181"), "the edited conffile survives dpkg -i again\n" + out);
        assertTrue(out.contains("\nconf-last=zk = zk1:2181"), "the edited conffile survives dpkg -r\n" + out);

        // a release deployed here (the agents' default --dest-root): the application, which a purge of the tool keeps
        ThrowawayRoot.Result purge = root.run(String.join("\n",
                "mkdir -p /var/lib/murder/releases/releases/v1 && echo v1 > /var/lib/murder/releases/releases/v1/VERSION",
                "dpkg -P murder 2> /tmp/purge.err || exit 10",
                "sed 's/^/said=/' /tmp/purge.err",
                "dpkg-query -W -f '${Status}' murder 2>/dev/null | sed 's/^/status=/'; echo",
                "for f in /etc/default/murder /etc/murder /etc/init.d/murder-agent /var/lib/murder/seed /var/log/murder"
                        + " /var/lib/murder/releases/releases/v1/VERSION; do",
                "  [ -e $f ] && echo \"present $f\" || echo \"absent $f\"; done"), 60);
        out = purge.out();
        assertEquals(0, purge.exit(), out);
        assertTrue(!out.contains("status=install") && !out.contains("status=deinstall"), out);
        for (String f : List.of("/etc/default/murder", "/etc/murder", "/etc/init.d/murder-agent", "/var/lib/murder/seed", "/var/log/murder")) {
            assertTrue(out.contains("absent " + f), f + "\n" + out);
        }
        assertTrue(out.contains("present /var/lib/murder/releases/releases/v1/VERSION"), out);
        assertTrue(out.contains("said=murder: purge keeps /var/lib/murder/releases, the releases deployed on this host (remove it"
                + " yourself)"), out);

        assertEquals(hostBefore, ThrowawayRoot.hostFingerprint(), "the real machine's dpkg database, users and files are untouched");
    }
}
