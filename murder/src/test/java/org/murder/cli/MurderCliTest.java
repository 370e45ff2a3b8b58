package org.murder.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.MurderException;
import org.murder.core.cli.ConfigDefaults;
import org.murder.orchestrator.release.ReleaseManager;

class MurderCliTest {
    private static final String TRACKER = "http://127.0.0.1:8998/announce";

    @TempDir
    Path tmp;

    private Path release() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("build/bin"));
        Files.writeString(src.resolve("app"), "echo v42\n");
        return src.getParent();
    }

    @Test
    void noCommandPrintsUsageAndExits2() {
        CliRun r = CliRun.of();
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("Usage: murder"), r.err());
        assertTrue(r.err().contains("make-torrent"), r.err());
    }

    @Test
    void aCommandRunsInATreeOfItsOwnYetHelpAndUnknownCommandsSeeThemAll() {
        assertEquals(java.util.List.of("info"), java.util.List.copyOf(Murder.commandLineFor("info", "x").getSubcommands().keySet()));
        CliRun peerHelp = CliRun.of("peer", "--help");
        assertEquals(0, peerHelp.exitCode());
        assertTrue(peerHelp.out().startsWith("Usage: murder peer"), peerHelp.out());
        CliRun help = CliRun.of("help");
        assertEquals(0, help.exitCode());
        for (String command : new String[] {"deploy", "agent", "make-torrent", "tracker", "seed", "peer", "firewall", "selftest"}) {
            assertTrue(help.out().contains("  " + command + " "), command + " in: " + help.out());
        }
        CliRun unknown = CliRun.of("peeer");
        assertEquals(2, unknown.exitCode());
        assertEquals("murder: Unmatched argument at index 0: 'peeer'; did you mean peer? (see 'murder --help')\n", unknown.err());
        CliRun badOption = CliRun.of("info", "--no-such-option", "v42.torrent");
        assertEquals(2, badOption.exitCode());
        assertEquals("murder: Unknown option: '--no-such-option' (see 'murder info --help')\n", badOption.err());
    }

    @Test
    void versionAndHelp() {
        CliRun v = CliRun.of("--version");
        assertEquals(0, v.exitCode());
        assertTrue(v.out().startsWith("murder 0.1.0"), v.out());
        CliRun h = CliRun.of("help", "make-torrent");
        assertEquals(0, h.exitCode());
        assertTrue(h.out().contains("--piece-size"), h.out());
    }

    @Test
    void makeTorrentThenInfo() throws Exception {
        Path src = release();
        Path torrent = tmp.resolve("v42.torrent");
        CliRun make = CliRun.of("make-torrent", src.toString(), "--tracker", TRACKER, "--out", torrent.toString());
        assertEquals(0, make.exitCode(), make.err());
        assertTrue(Files.exists(tmp.resolve("v42.tar.zst")));
        assertTrue(Files.readString(tmp.resolve("v42.md5")).endsWith("  v42.tar.zst\n"));
        String hashLine = make.out().lines().filter(l -> l.startsWith("infohash")).findFirst().orElseThrow();
        String infohash = hashLine.substring("infohash".length()).trim();

        CliRun info = CliRun.of("info", torrent.toString());
        assertEquals(0, info.exitCode(), info.err());
        assertTrue(info.out().contains("  Hash: " + infohash), info.out());
        assertTrue(info.out().contains("  Privacy: Private torrent"), info.out());
        assertTrue(info.out().contains("  " + TRACKER), info.out());
        assertEquals(infohash + "\n", CliRun.of("info", "--hash", torrent.toString()).out());
    }

    @Test
    void infoListsTheRealFilesOfAPaddedTorrentAndSumsItsPadding() throws Exception {
        // BEP 47, as libtorrent's hybrid torrents: two pads of one size after the first two files
        String pad = "d4:attr1:p6:lengthi16383e4:pathl4:.pad5:16383ee";
        Path torrent = Files.write(tmp.resolve("padded.torrent"), ("d4:infod5:filesld6:lengthi1e4:pathl1:aee" + pad
                + "d6:lengthi1e4:pathl1:bee" + pad + "d6:lengthi1e4:pathl1:ceee4:name3:rel12:piece lengthi16384e6:pieces60:"
                + "a".repeat(60) + "ee").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        CliRun info = CliRun.of("info", torrent.toString());
        assertEquals(0, info.exitCode(), info.err());
        assertTrue(info.out().endsWith("FILES\n\n  rel/a (1 B)\n  rel/b (1 B)\n  rel/c (1 B)\n"
                + "  (and 32766 bytes of BEP 47 padding: zeros that align files to pieces, never on disk)\n"), info.out());
        CliRun json = CliRun.of("info", "--json", torrent.toString());
        assertEquals(0, json.exitCode(), json.err());
        assertTrue(!json.out().contains(".pad"), json.out());
        assertTrue(json.out().contains("\"padding\" : 32766"), json.out());
    }

    @Test
    void badUsageIsOneLineAndExit2() throws Exception {
        Path src = release();
        assertOneLineError(CliRun.of("make-torrent", src.toString(), "--tracker", "ftp://x/announce"),
                "murder: --tracker 'ftp://x/announce' (expected: an http:// or https:// URL with a host, like http://deploy-1:8998/announce)");
        assertOneLineError(CliRun.of("make-torrent", src.toString(), "--tracker", TRACKER, "--piece-size", "3000"),
                "murder: --piece-size: 2.9 KiB (3000 bytes) (expected: a power of two between 16 KiB and 16 MiB)");
        assertOneLineError(CliRun.of("make-torrent", src.toString(), "--tracker", TRACKER, "--piece-size", "lots"),
                "murder: Invalid value for option '--piece-size': size 'lots' (expected: a size like 16384, 256KiB, 4MiB or 1.5GB)"
                        + " (see 'murder make-torrent --help')");
        assertOneLineError(CliRun.of("tracker", "--open", "--whitelist", tmp.toString()),
                "murder: --whitelist=DIR, --open are mutually exclusive (specify only one) (see 'murder tracker --help')");
        assertOneLineError(CliRun.of("deploy", src.toString()), "murder: Missing required option: '--tag=TAG' (see 'murder deploy --help')");
        assertOneLineError(CliRun.of("deploy", src.toString(), "--tag", ".v1", "--hosts", "web-*", "--activate"),
                "murder: --tag '.v1' (expected: 1 to 100 of A-Z a-z 0-9 . _ -, not starting with '.' or '-')");
        assertOneLineError(CliRun.of("deploy", "--rollback", "--tag", "v1", "--hosts", "web-*", "--to", "../v0"),
                "murder: --to '../v0' (expected: 1 to 100 of A-Z a-z 0-9 . _ -, not starting with '.' or '-')");
        assertOneLineError(CliRun.of("deploy", src.toString(), "--tag", "v1", "--hosts", "web-*", "--waves", "1,100%"),
                "murder: --waves only goes with --activate (waves are about switching current; without it every host just downloads)");
        assertOneLineError(CliRun.of("deploy", src.toString(), "--tag", "v1", "--hosts", "web-*", "--activate", "--waves", "1,x"),
                "murder: --waves '1,x': 'x' (expected: a host count like 1 or a share like 10%, cumulative, e.g. 1,10%,50%,100%)");
        assertOneLineError(CliRun.of("deploy", src.toString(), "--tag", "v1", "--hosts", "web-*", "--activate", "--pause"),
                "murder: --pause only goes with --waves or --batch");
        // the release's hooks, read by every host at its activation: a mistake is refused before anything is packed
        Path hooked = Files.createDirectories(tmp.resolve("hooked"));
        Files.writeString(hooked.resolve("murder.hooks"), "helth = true\n");
        CliRun badHooks = CliRun.of("deploy", hooked.toString(), "--tag", "v1", "--hosts", "web-*", "--activate");
        assertEquals(2, badHooks.exitCode(), badHooks.err());
        assertTrue(badHooks.err().startsWith("murder: release " + hooked.resolve("murder.hooks") + ":1: "), badHooks.err());
        // options that did nothing without waves, and a target that was a union where one was meant to narrow the other
        assertOneLineError(CliRun.of("deploy", src.toString(), "--tag", "v1", "--hosts", "web-*", "--activate", "--rollback-all"),
                "murder: --rollback-all only goes with --waves or --batch (without waves nothing rolls back by itself: 'murder deploy"
                        + " --rollback' switches the hosts you name)");
        assertOneLineError(CliRun.of("deploy", src.toString(), "--tag", "v1", "--hosts", "web-*", "--activate", "--max-failures", "2"),
                "murder: --max-failures only goes with --waves or --batch (it is a wave's failure budget; without waves every host"
                        + " activates on its own)");
        assertOneLineError(CliRun.of("deploy", src.toString(), "--tag", "v1", "--role", "web", "--host", "web-1"),
                "murder: --role with --host: one or the other (expected: hosts by name or glob, or by role; to leave hosts of a role"
                        + " out, --exclude)");
        // it named --archive and a path of its own making, and left src/work behind (the dry run passed)
        assertOneLineError(CliRun.of("deploy", src.toString(), "--tag", "v1", "--hosts", "web-*", "--work-dir",
                src.resolve("work").toString(), "--dry-run"), "murder: --work-dir " + src.resolve("work") + ": inside SRC " + src
                + " (expected: a directory outside the release, like the default /var/tmp/murder)");
        assertFalse(Files.exists(src.resolve("work")));
        for (String advertise : List.of("", "999.1.1.1", "a b", "http://x")) { // '' made http://:8998/announce, a job no host could finish
            assertOneLineError(CliRun.of("deploy", src.toString(), "--tag", "v1", "--hosts", "web-*", "--advertise", advertise, "--dry-run"),
                    "murder: --advertise '" + advertise + "': not an address or host name (expected: what the hosts reach this machine"
                            + " at, like 10.0.0.5 or deploy-1.example.com)");
        }
        for (String size : List.of("0", "-3")) { // a given 0 was taken for "no waves": every host switched at once
            assertOneLineError(CliRun.of("deploy", src.toString(), "--tag", "v1", "--hosts", "web-*", "--activate", "--batch", size),
                    "murder: --batch " + size + " (expected: at least 1 host a wave)");
        }
        assertOneLineError(CliRun.of("deploy", src.toString(), "--tag", "v1", "--hosts", "web-*", "--activate", "--batch", "2",
                "--max-failures", "lots"), "murder: --max-failures 'lots' (expected: a host count like 0 or 2, or a share of each wave like 10%)");
        assertOneLineError(CliRun.of("deploy", "--resume", "v1-20261202T000000-abcd", "--tag", "v1"),
                "murder: --resume takes the tag, targets and rollout from the job (expected: no --tag, --hosts, --host, --role, --waves,"
                        + " --rollback or --dry-run with it)");
        assertOneLineError(CliRun.of("deploy", src.toString(), "--tag", "v1", "--hosts", "web-*", "--activate", "--hooks", "pre-activte"),
                "murder: hook 'pre-activte' (expected: pre-activate, post-activate, health or post-health)");
        assertOneLineError(CliRun.of("deploy", src.toString(), "--tag", "v1", "--hosts", "web-*", "--bind", "web-1.example"),
                "murder: --bind 'web-1.example' (expected: an IP address of this machine, like 10.0.0.5, or 0.0.0.0 for every interface)");
        assertOneLineError(CliRun.of("deploy", src.toString(), "--tag", "v1", "--hosts", "web-*", "--web", "0", "--web-bind", "localhost"),
                "murder: deploy: --web-bind 'localhost' (expected: an IP address of this machine, like 127.0.0.1, or 0.0.0.0 for every"
                        + " interface)");
        assertOneLineError(CliRun.of("deploy", src.toString(), "--tag", "v1", "--hosts", "web-*", "--web-linger", "30s"),
                "murder: deploy: --web-linger only goes with --web PORT");
        // the secret and the ZooKeeper settings before anything is packed, listens or connects
        Path work = tmp.resolve("deploy-work");
        assertOneLineError(CliRun.of("deploy", src.toString(), "--tag", "v1", "--hosts", "web-*", "--zk", "127.0.0.1:1", "--secret-file",
                tmp.resolve("no-secret").toString(), "--work-dir", work.toString()), "murder: no job secret: " + tmp.resolve("no-secret")
                + " does not exist (expected: a file with at least 16 characters shared by the deploy host and every agent, or"
                + " MURDER_SECRET)");
        assertFalse(Files.exists(work), "nothing packed");
        Path deploySecret = Files.writeString(tmp.resolve("deploy-secret"), "a-test-secret-of-32-characters!!\n");
        java.nio.file.Files.setPosixFilePermissions(deploySecret, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        // a directory that cannot be made (as root, /proc is where mkdir fails): told at the start, not as an unexpected error
        assertOneLineError(CliRun.of("deploy", src.toString(), "--tag", "v1", "--hosts", "web-*", "--secret-file", deploySecret.toString(),
                "--work-dir", "/proc/murder-work"),
                "murder: --work-dir /proc/murder-work: cannot write there (/proc/murder-work: no such file or directory; expected: a"
                        + " directory this user may create and write, on a file system with room for the packed release)");
        assertOneLineError(CliRun.of("agent", "--name", "a1", "--zk", "127.0.0.1:1", "--secret-file", deploySecret.toString(),
                "--dest-root", "/proc/murder-releases", "--metrics-port", "off", "--no-warm-up"),
                "murder: --dest-root /proc/murder-releases: cannot write there (/proc/murder-releases: no such file or directory;"
                        + " expected: a directory this user may create and write, on a file system with room for releases)");
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            // with a secret: a deploy without one fails on that first, before anything listens
            // a port in use is exit 1, as for --tracker-port and --metrics-port: the usage was right
            assertOneLineError(CliRun.of("deploy", src.toString(), "--tag", "v1", "--hosts", "web-*", "--secret-file",
                    deploySecret.toString(), "--web", String.valueOf(taken.getLocalPort())), 1,
                    "murder: deploy: --web " + taken.getLocalPort() + ": port in use (expected: a free port, or 0)");
        }
        assertOneLineError(CliRun.of("deploy", src.toString(), "--tag", "v1", "--hosts", "web-*", "--tracker-port", "70000"),
                "murder: --tracker-port 70000: not a port (expected: 1 to 65535, or 0 for a free one)");
        assertOneLineError(CliRun.of("deploy", src.toString(), "--tag", "v1", "--hosts", "web[1"),
                "murder: --hosts 'web[1' (expected: a glob of agent names, 1 to 256 of A-Z a-z 0-9 . _ - * ? [ ] !, brackets closed)");
        assertOneLineError(CliRun.of("deploy", src.toString(), "--tag", "v1", "--host", "a1\u001b]0;pwn\u0007"),
                "murder: --host 'a1\\x1b]0;pwn\\x07' (expected: an agent name, 1 to 128 of A-Z a-z 0-9 . _ -)");
        Path notADir = Files.writeString(tmp.resolve("work-file"), "x");
        assertOneLineError(CliRun.of("deploy", src.toString(), "--tag", "v1", "--hosts", "web-*", "--work-dir", notADir.toString()),
                "murder: --work-dir " + notADir + ": not a directory (expected: a directory for the packed release, or a path to create)");
        assertOneLineError(CliRun.of("demo", "--dir", notADir.toString()),
                "murder: --dir " + notADir + ": not a directory (expected: a directory for the demo's work, or a path to create)");
        assertOneLineError(CliRun.of("zookeeper", "--data-dir", notADir.toString(), "--port", "2181"),
                "murder: --data-dir " + notADir + ": not a directory (expected: ZooKeeper's data directory, or a path to create)");
        assertOneLineError(CliRun.of("firewall", "--source", "10.0.0.0/8\n; rm -rf /"),
                "murder: firewall: source '10.0.0.0/8\\x0a; rm -rf /' (expected: a prefix length from 0 to 32 after the '/')");
        assertOneLineError(CliRun.of("jobs", "--zk", "127.0.0.1:1", "--zk-timeout", "1s", "--limit", "-5"),
                "murder: --limit: -5 (expected: 1 to 100000 jobs)");
        assertOneLineError(CliRun.of("agents", "--zk", "[x:1", "--zk-timeout", "1s"),
                "murder: --zk: '[x:1' (expected: HOST:PORT[,HOST:PORT...], ports 1 to 65535)");
        for (String chroot : new String[] {"../x", "/a/./b", "/zookeeper"}) {
            assertOneLineError(CliRun.of("agents", "--zk", "127.0.0.1:1", "--zk-timeout", "1s", "--zk-chroot", chroot),
                    "murder: --zk-chroot: '" + chroot + "' (expected: a path like /murder, without '.', '..' or"
                            + " ZooKeeper's own /zookeeper)");
        }
        assertOneLineError(CliRun.of("agents", "--zk", "127.0.0.1:1", "--zk-timeout", "0s"),
                "murder: --zk-timeout: 0ms (expected: 100ms to 1d, like 10s)");
        Path auth = Files.writeString(tmp.resolve("zk-auth"), "no colon here\n");
        Files.setPosixFilePermissions(auth, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")); // no warning
        assertOneLineError(CliRun.of("agents", "--zk", "127.0.0.1:1", "--zk-auth-file", auth.toString()),
                "murder: --zk-auth-file " + auth + ": its first line is not USER:PASSWORD (expected: a user name, a colon and a password)");
        assertOneLineError(CliRun.of("jobs", "--zk", "127.0.0.1:1", "--secret-file", tmp.resolve("nope").toString()),
                "murder: --secret-file " + tmp.resolve("nope") + ": no such file (expected: the job secret's file, or no --secret-file"
                        + " to list jobs unchecked)");
        assertOneLineError(CliRun.of("jobs", "--zk", "127.0.0.1:1", "--zk-session-timeout", "30d"),
                "murder: --zk-session-timeout: 30d (expected: 1s to 1d, like 30s; the ensemble narrows it to 2 to 20 of its ticks)");
        // '7' meant as days deleted every finished job: an age needs its unit; and deleting needs the secret (NOAUTH job by job)
        assertOneLineError(CliRun.of("jobs", "--zk", "127.0.0.1:1", "--prune", "7"), "murder: --prune '7': no unit (expected: an age"
                + " with its unit, like 7d, 12h or 30m; a bare number would be seconds, and would delete every finished job)");
        assertOneLineError(CliRun.of("jobs", "--zk", "127.0.0.1:1", "--prune", "7x"),
                "murder: --prune: duration '7x' (expected: " + org.murder.core.Durations.EXPECTED + ")");
        if (System.getenv("MURDER_SECRET") == null && !Files.exists(Path.of("/etc/murder/secret"))) {
            assertOneLineError(CliRun.with(new ConfigDefaults(name -> null, tmp.resolve("absent.conf")), "jobs", "--zk", "127.0.0.1:1",
                    "--prune", "7d"), "murder: --prune: needs the job secret (--secret-file FILE readable by this user, secret-file in"
                    + " murder.conf, or MURDER_SECRET) or --zk-auth-file: murder's nodes in ZooKeeper may be deleted only with them");
        }
        Path secret = Files.writeString(tmp.resolve("secret"), "a-test-secret-of-32-characters!!\n");
        java.nio.file.Files.setPosixFilePermissions(secret, // as installed: no warning
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        assertOneLineError(CliRun.of("agent", "--name", "a1", "--zk", "not a host", "--secret-file", secret.toString(), "--dest-root",
                tmp.toString(), "--port-range", "47100-47101"), "murder: --zk: 'not a host' (expected: HOST:PORT[,HOST:PORT...], ports 1"
                + " to 65535)"); // before the engine takes a port and logs it
        assertOneLineError(CliRun.of("agent", "--name", "a1", "--zk", "127.0.0.1:1", "--secret-file", secret.toString(), "--dest-root",
                "relative/dir"), "murder: --dest-root relative/dir: a relative path (expected: an absolute directory, made at start"
                + " if missing)");
        assertOneLineError(CliRun.of("agent", "--name", "a1", "--zk", "127.0.0.1:1", "--secret-file", secret.toString(), "--dest-root",
                secret.toString()), "murder: --dest-root " + secret + ": not a directory (expected: an absolute directory, made at"
                + " start if missing)");
        assertOneLineError(CliRun.of("agent", "--name", "a1", "--zk", "127.0.0.1:1", "--secret-file", secret.toString(), "--dest-root",
                tmp.toString(), "--hooks-file", tmp.toString()), "murder: --hooks-file " + tmp + ": not a regular file (expected: a"
                + " murder.hooks file the agent can read)");
        assertOneLineError(CliRun.of("agent", "--name", "a1", "--zk", "127.0.0.1:1", "--secret-file", secret.toString(), "--dest-root",
                tmp.toString(), "--hooks-file", tmp.resolve("none/murder.hooks").toString()), "murder: --hooks-file " + tmp
                + "/none/murder.hooks: no such file or directory (expected: a murder.hooks file the agent can read)");
        // hooks run as root: a file anyone may change is anyone's root shell; so is an overlay directory anyone may fill
        Path open = Files.writeString(tmp.resolve("open.hooks"), "post-activate = true\n");
        java.nio.file.Files.setPosixFilePermissions(open, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        assertOneLineError(CliRun.of("agent", "--name", "a1", "--zk", "127.0.0.1:1", "--secret-file", secret.toString(), "--dest-root",
                tmp.toString(), "--hooks-file", open.toString()), "murder: --hooks-file " + open + ": every user of this host may change"
                + " it (mode 0666; expected: not writable by others, e.g. chmod o-w: what it holds runs as root)");
        Path overlays = Files.createDirectories(tmp.resolve("open-overlays"));
        java.nio.file.Files.setPosixFilePermissions(overlays, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        assertOneLineError(CliRun.of("agent", "--name", "a1", "--zk", "127.0.0.1:1", "--secret-file", secret.toString(), "--dest-root",
                tmp.toString(), "--overlay-dir", overlays.toString()), "murder: --overlay-dir " + overlays + ": every user of this host"
                + " may change it (mode 0777; expected: not writable by others, e.g. chmod o-w: what it holds runs as root)");
        Path binary = Files.write(tmp.resolve("binary.hooks"), new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1});
        assertOneLineError(CliRun.of("agent", "--name", "a1", "--zk", "127.0.0.1:1", "--secret-file", secret.toString(), "--dest-root",
                tmp.toString(), "--hooks-file", binary.toString()), "murder: --hooks-file " + binary + ": not text (expected: a"
                + " murder.hooks file in UTF-8)");
        assertOneLineError(CliRun.of("agent", "--name", "a1", "--zk", "127.0.0.1:1", "--secret-file", secret.toString(), "--dest-root",
                tmp.toString(), "--hook-user", "no-such-user-here"),
                "murder: --hook-user no-such-user-here: no such user on this host (expected: an existing user to run the activation"
                        + " hooks as)");
        Path zkData = tmp.resolve("zk-data");
        for (String[] args : new String[][] {{"tracker", "--bind", "999.0.0.1", "--open"},
                {"zookeeper", "--bind", "999.0.0.1", "--data-dir", zkData.toString()}, {"tracker", "--bind", "", "--open"}}) {
            assertOneLineError(CliRun.of(args), "murder: --bind '" + args[2] + "': unknown address (expected: an IP address of this host,"
                    + " or 0.0.0.0 for every interface)");
        }
        assertFalse(Files.exists(zkData), "nothing made before the address is known good");
        for (String command : new String[] {"releases", "rollback"}) {
            assertOneLineError(CliRun.of(command, "--dest", ""), "murder: Invalid value for option '--dest': '' (expected: a path; for the"
                    + " current directory say .) (see 'murder " + command + " --help')");
        }
        // an unset shell variable: never the current directory packed, seeded or downloaded into
        assertOneLineError(CliRun.of("make-torrent", "", "--tracker", "http://127.0.0.1:1/announce", "--out", tmp.resolve("e.torrent")
                .toString()), "murder: Invalid value for positional parameter at index 0 (SRC): '' (expected: a path; for the current"
                + " directory say .) (see 'murder make-torrent --help')");
        for (String zk : new String[] {"127.0.0.1:99999", "127.0.0.1:0", "a:1,b:123456"}) {
            assertOneLineError(CliRun.of("agents", "--zk", zk, "--zk-timeout", "1s"),
                    "murder: --zk: '" + zk + "' (expected: HOST:PORT[,HOST:PORT...], ports 1 to 65535)");
        }
        for (String dest : new String[] {"relative/dir", "/opt/../etc", "/x/a\u001b[31mb"}) {
            assertOneLineError(CliRun.of("deploy", src.toString(), "--tag", "v1", "--hosts", "web-*", "--dest", dest),
                    "murder: --dest '" + org.murder.core.Printable.escape(dest) + "' (expected: an absolute directory on the hosts, like"
                            + " /opt/app, without '..' or control characters)");
        }
        assertOneLineError(CliRun.of("deploy", src.toString(), "--tag", "v1", "--hosts", "web-*", "--activate", "--waves", "10%,5%"),
                "murder: --waves '10%,5%': '5%' is smaller than the wave before (expected: cumulative sizes, e.g. 1,10%,50%,100%)");
        assertOneLineError(CliRun.of("deploy", tmp.resolve("missing").toString(), "--tag", "v1", "--hosts", "web-*"),
                "murder: deploy: SRC " + tmp.resolve("missing") + ": no such file or directory (expected: a release directory or a ready"
                        + " archive)");
        assertOneLineError(CliRun.of("make-torrent", tmp.resolve("missing").toString(), "--tracker", TRACKER),
                "murder: " + tmp.resolve("missing") + ": no such file or directory (expected: a release directory or file)");
    }

    @Test
    void outputsThatWouldOverwriteEachOtherOrSrcAreRefusedBeforeAnythingIsWritten() throws Exception {
        Path src = release();
        Path out = Files.createDirectories(tmp.resolve("out"));
        Path torrent = out.resolve("c.torrent");
        assertOneLineError(CliRun.of("make-torrent", src.toString(), "--tracker", TRACKER, "-o", torrent.toString(),
                "--archive", torrent.toString(), "--force"),
                "murder: --archive " + torrent + ": the same file as the torrent (expected: a path of its own)");
        assertOneLineError(CliRun.of("make-torrent", src.toString(), "--tracker", TRACKER, "-o", torrent.toString(),
                "--archive", out.resolve("c.md5").toString()),
                "murder: --archive " + out.resolve("c.md5") + ": the same file as the .md5 (expected: a path of its own)");
        Path packed = tmp.resolve("rel.tar.gz");
        Files.write(packed, new byte[] {1, 2, 3});
        assertOneLineError(CliRun.of("make-torrent", packed.toString(), "--tracker", TRACKER, "-o", packed.toString(), "--force"),
                "murder: --out " + packed + ": it or its .md5 is SRC itself (expected: outputs beside SRC, not in its place)");
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(packed));
        assertOneLineError(CliRun.of("make-torrent", src.toString(), "--tracker", TRACKER, "-o", torrent.toString(),
                "--name", "a\u001b[31mb"),
                "murder: --name 'a\\x1b[31mb' (expected: a file name without '/' or control characters, not '.' or '..')");
        assertOneLineError(CliRun.of("make-torrent", src.toString(), "--tracker", TRACKER, "--name", ".."),
                "murder: --name '..' (expected: a file name without '/' or control characters, not '.' or '..')");
        Path escaped = out.resolve("a\u001b[31m.torrent");
        assertOneLineError(CliRun.of("make-torrent", src.toString(), "--tracker", TRACKER, "-o", escaped.toString()),
                "murder: --out " + out + "/a\\x1b[31m.torrent: the release name 'a\\x1b[31m' taken from it (expected: a file name"
                        + " without '/' or control characters, not '.' or '..'; or give one with --name)");
        // the torrent's name is the archive's (or a file SRC's): it wrote all three outputs, then failed on that name
        Path escapedArchive = out.resolve("we\u001b[31mird");
        assertOneLineError(CliRun.of("make-torrent", src.toString(), "--tracker", TRACKER, "-o", torrent.toString(),
                "--archive", escapedArchive.toString()),
                "murder: --archive " + out + "/we\\x1b[31mird: the torrent's name 'we\\x1b[31mird' taken from it (expected: a file"
                        + " name without control characters or '\\')");
        Path escapedFile = Files.writeString(tmp.resolve("f\u001b[31m.tar"), "x");
        assertOneLineError(CliRun.of("make-torrent", escapedFile.toString(), "--tracker", TRACKER, "-o", torrent.toString(), "--name",
                "clean"),
                "murder: SRC " + tmp + "/f\\x1b[31m.tar: the torrent's name 'f\\x1b[31m.tar' taken from it (expected: a file name"
                        + " without control characters or '\\'; rename the file)");
        try (java.util.stream.Stream<Path> left = Files.list(out)) {
            assertEquals(List.of(), left.toList(), "nothing written");
        }
    }

    @Test
    void aPathInAnErrorIsEscapedWhereverTheMessageWasMade() {
        // the unpack message names the archive as given: the printer escapes what its maker did not
        Path archive = tmp.resolve("r\u001b[2J\u202e.tar");
        assertOneLineError(CliRun.of("unpack", archive.toString(), tmp.resolve("out").toString()),
                "murder: " + tmp + "/r\\x1b[2J\\u202e.tar: no such file (expected: a release archive: .tar.zst, .tar.gz or .tar)");
    }

    @Test
    void existingOutputNeedsForce() throws Exception {
        Path src = release();
        Path torrent = tmp.resolve("v42.torrent");
        Files.writeString(torrent, "keep me");
        assertOneLineError(CliRun.of("make-torrent", src.toString(), "--tracker", TRACKER, "--out", torrent.toString()),
                "murder: " + torrent + ": already exists (expected: a new path, or --force to replace it)");
        assertEquals("keep me", Files.readString(torrent));
        assertFalse(Files.exists(tmp.resolve("v42.tar.zst")));
        assertEquals(0, CliRun.of("make-torrent", src.toString(), "--tracker", TRACKER, "--out", torrent.toString(),
                "--force").exitCode());
    }

    @Test
    void hostileTorrentsAreOneLineErrors() throws Exception {
        Path bomb = tmp.resolve("bomb.torrent");
        Files.write(bomb, ("d4:info" + "l".repeat(100_000) + "e".repeat(100_000) + "e").getBytes(StandardCharsets.US_ASCII));
        assertOneLineError(CliRun.of("info", bomb.toString()),
                "murder: " + bomb + ": bencode: nesting deeper than the limit (limit 100) at byte 106");
        Path traversal = tmp.resolve("traversal.torrent");
        Files.write(traversal, ("d4:infod5:filesld6:lengthi1e4:pathl2:..6:passwdeee4:name1:x12:piece lengthi16384e"
                + "6:pieces20:aaaaaaaaaaaaaaaaaaaaee").getBytes(StandardCharsets.US_ASCII));
        assertOneLineError(CliRun.of("info", traversal.toString()), "murder: " + traversal
                + ": info.files[0].path[0]: '..' (expected: a file name, not empty, '.' or '..', without '/', '\\' or NUL)");
    }

    @Test
    void makeTorrentInfoAndReleasesAsJson() throws Exception {
        Path src = release();
        Path torrent = tmp.resolve("v42.torrent");
        CliRun make = CliRun.of("make-torrent", src.toString(), "--tracker", TRACKER, "--out", torrent.toString(), "--json");
        assertEquals(0, make.exitCode(), make.err());
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        var made = json.readTree(make.out());
        assertEquals(tmp.resolve("v42.tar.zst").toString(), made.get("archive").asText());
        assertEquals(Files.readString(tmp.resolve("v42.md5")).substring(0, 32), made.get("md5").asText());
        assertEquals(Files.size(tmp.resolve("v42.tar.zst")), made.get("size").asLong());

        var info = json.readTree(CliRun.of("info", torrent.toString(), "--json").out());
        assertEquals(made.get("infoHash").asText(), info.get("infoHash").asText());
        assertEquals("v42.tar.zst", info.get("name").asText());
        assertTrue(info.get("private").asBoolean());
        assertEquals(TRACKER, info.get("trackers").get(0).get(0).asText());
        assertEquals(made.get("size").asLong(), info.get("files").get(0).get("length").asLong());

        Path dest = Files.createDirectories(tmp.resolve("opt/app"));
        new ReleaseManager(dest).activate("v42", tmp.resolve("v42.tar.zst"));
        var releases = json.readTree(CliRun.of("releases", "--dest", dest.toString(), "--json").out());
        assertEquals("v42", releases.get("current").asText());
        assertEquals(dest.resolve("releases/v42").toString(), releases.get("releases").get(0).get("path").asText());
        assertTrue(releases.get("releases").get(0).get("current").asBoolean());
    }

    @Test
    void releasesAndRollbackOnWhatMakeTorrentPacked() throws Exception {
        Path src = release();
        Path dest = Files.createDirectories(tmp.resolve("opt/app"));
        ReleaseManager releases = new ReleaseManager(dest);
        for (String tag : new String[] {"v41", "v42"}) {
            Files.writeString(src.resolve("bin/app"), "echo " + tag + "\n");
            CliRun make = CliRun.of("make-torrent", src.toString(), "--tracker", TRACKER, "--out", tmp.resolve(tag + ".torrent").toString());
            assertEquals(0, make.exitCode(), make.err());
            releases.activate(tag, tmp.resolve(tag + ".tar.zst"));
        }
        assertEquals("echo v42\n", Files.readString(dest.resolve("current/bin/app")));

        CliRun list = CliRun.of("releases", "--dest", dest.toString());
        assertEquals(0, list.exitCode(), list.err());
        assertTrue(list.out().matches("(?s)  v41  \\S+Z\n\\* v42  \\S+Z\n"), list.out());

        CliRun back = CliRun.of("rollback", "--dest", dest.toString());
        assertEquals(0, back.exitCode(), back.err());
        assertEquals("rolled back " + dest.resolve("current") + " from v42 to v41\n", back.out());
        assertEquals("echo v41\n", Files.readString(dest.resolve("current/bin/app")));

        CliRun again = CliRun.of("rollback", "--dest", dest.toString());
        assertEquals(1, again.exitCode());
        assertEquals("murder: " + dest + ": no release was activated before v41 (expected: an earlier activation to roll back to,"
                + " or a release named with --to TAG)\n", again.err());
        assertOneLineError(CliRun.of("rollback", "--dest", dest.toString(), "--to", ".."),
                "murder: tag '..' (expected: 1 to 100 of A-Z a-z 0-9 . _ -, not starting with '.' or '-')");
        assertTrue(CliRun.of("help", "rollback").out().contains("--to=TAG"));
    }

    /**
     * Options in an argument group get no default from picocli: the tracker's whitelist or open mode is read from the file by
     * the command itself (murder.conf's tracker.whitelist went unread), and the firewall's actions are refused there (an
     * apply = banana printed the rules, exit 0).
     */
    @Test
    void groupedOptionsFromTheFileAreReadOrRefusedNeverPassedOver() throws Exception {
        Path notADir = Files.writeString(tmp.resolve("not-a-dir"), "x");
        Path conf = Files.writeString(tmp.resolve("grouped.conf"), "tracker.whitelist = " + notADir + "\n");
        CliRun wl = CliRun.with(new ConfigDefaults(name -> null, conf), "tracker", "--bind", "127.0.0.1", "--port", "0");
        assertOneLineError(wl, "murder: --whitelist " + notADir + ": not a directory (expected: a directory of .torrent files) (from "
                + conf + ":1)");
        Path both = Files.writeString(tmp.resolve("both.conf"), "tracker.whitelist = " + tmp + "\ntracker.open = true\n");
        assertOneLineError(CliRun.with(new ConfigDefaults(name -> null, both), "tracker", "--bind", "127.0.0.1", "--port", "0"),
                "murder: both --whitelist (from " + both + ":1) and --open (from " + both + ":2) are set: one or the other (expected:"
                        + " a whitelist directory, or --open to serve any torrent)");
        // the command line's mode beats the file's other one (picocli filled both in, and the tracker refused them as both)
        assertOneLineError(CliRun.with(new ConfigDefaults(name -> null, both), "tracker", "--open", "--bind", "999.0.0.1"),
                "murder: --bind '999.0.0.1': unknown address (expected: an IP address of this host, or 0.0.0.0 for every interface)");
        assertOneLineError(CliRun.with(new ConfigDefaults(name -> null, both), "tracker", "--whitelist", tmp.toString(), "--bind",
                "999.0.0.1"), "murder: --bind '999.0.0.1': unknown address (expected: an IP address of this host, or 0.0.0.0 for every"
                + " interface)");
        assertOneLineError(CliRun.with(new ConfigDefaults(Map.of("MURDER_OPEN", "banana")::get, tmp.resolve("absent.conf")), "tracker",
                "--bind", "127.0.0.1", "--port", "0"), "murder: --open: 'banana' is not a boolean (expected: true or false) (from MURDER_OPEN)");
        Path apply = Files.writeString(tmp.resolve("apply.conf"), "firewall.apply = banana\n");
        assertOneLineError(CliRun.with(new ConfigDefaults(name -> null, apply), "firewall"), "murder: an action in murder.conf or the"
                + " environment: --apply = banana (from " + apply + ":1; expected: murder firewall --apply on the command line, and"
                + " nothing there)");
        // with an action on the command line, picocli fills the group from the file too, and refuses its value
        CliRun printed = CliRun.with(new ConfigDefaults(name -> null, apply), "firewall", "--print");
        assertEquals(2, printed.exitCode(), printed.err());
        assertTrue(printed.err().contains("'--apply': 'banana' is not a boolean (expected: true or false) (from " + apply + ":1)"),
                printed.err());
        // and a valid one is refused too: apply = true turned a --remove (the service's ExecStop) into an apply
        Path applyTrue = Files.writeString(tmp.resolve("apply-true.conf"), "firewall.apply = true\n");
        assertOneLineError(CliRun.with(new ConfigDefaults(name -> null, applyTrue), "firewall", "--remove"), "murder: an action in"
                + " murder.conf or the environment: --apply = true (from " + applyTrue + ":1; expected: murder firewall --apply on the"
                + " command line, and nothing there)");
        // an action given as false was dispatched as --remove
        assertOneLineError(CliRun.of("firewall", "--check=false"),
                "murder: --check=false: an action is given or not (expected: --check, or another action, or none for --print)");
    }

    /** picocli sets a flag to the opposite of its default: with the default true from the file, the flag meant false. */
    @Test
    void aFlagGivenOnTheCommandLineMeansTrueWhateverTheFileOrEnvironmentSay() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("flag-src"));
        Files.write(src.resolve("a.bin"), new byte[1000]);
        Path torrent = tmp.resolve("flag.torrent");
        assertEquals(0, CliRun.of("make-torrent", src.resolve("a.bin").toString(), "--tracker", "http://127.0.0.1:1/announce",
                "--out", torrent.toString()).exitCode());
        Path conf = Files.writeString(tmp.resolve("flags.conf"), "info.hash = true\n");
        for (ConfigDefaults defaults : List.of(new ConfigDefaults(Map.<String, String>of()::get, conf),
                new ConfigDefaults(Map.of("MURDER_HASH", "true")::get, tmp.resolve("absent.conf")))) {
            for (String[] args : List.of(new String[] {"info", torrent.toString(), "--hash"}, new String[] {"info", torrent.toString()},
                    new String[] {"info", torrent.toString(), "--hash=true"})) {
                CliRun r = CliRun.with(defaults, args);
                assertEquals(0, r.exitCode(), r.err());
                assertTrue(r.out().strip().matches("[0-9a-f]{40}"), String.join(" ", args) + ": " + r.out());
            }
            // --flag=false means false, whatever the file says (an Ansible template's --activate={{ x | lower }} activated)
            CliRun off = CliRun.with(defaults, "info", torrent.toString(), "--hash=false");
            assertEquals(0, off.exitCode(), off.err());
            assertTrue(off.out().contains("Hash: "), off.out());
        }
        CliRun off = CliRun.of("info", torrent.toString(), "--hash=false");
        assertTrue(off.out().contains("Hash: "), off.out());
        Path yes = Files.writeString(tmp.resolve("yes.conf"), "info.hash = yes\n");
        CliRun notBoolean = CliRun.with(new ConfigDefaults(Map.<String, String>of()::get, yes), "info", torrent.toString());
        assertEquals(2, notBoolean.exitCode());
        assertTrue(notBoolean.err().contains("'yes' is not a boolean (expected: true or false) (from " + yes + ":1)"), notBoolean.err());
    }

    @Test
    void configFileKeysMustBeOptionsAndBadValuesNameWhereTheyCameFrom() throws Exception {
        Path conf = tmp.resolve("murder.conf");
        Files.writeString(conf, "# the deploy host\ntracker.port = 8998\nzk-tiemout = 3s\n");
        assertOneLineError(CliRun.with(new ConfigDefaults(Map.<String, String>of()::get, conf), "agents"), "murder: " + conf
                + ":3: unknown key 'zk-tiemout' (expected: a long option of a murder command without its dashes, e.g. zk,"
                + " or COMMAND.OPTION, e.g. agent.roles; did you mean 'zk-timeout'?)");
        Files.writeString(conf, "agent.rolez = web\n");
        CliRun qualified = CliRun.with(new ConfigDefaults(Map.<String, String>of()::get, conf), "info", "missing.torrent");
        assertEquals(2, qualified.exitCode());
        assertTrue(qualified.err().contains(":1: unknown key 'agent.rolez'") && qualified.err().contains("did you mean 'agent.roles'?"),
                qualified.err());
        Files.writeString(conf, "zk-timeout = 3x\n");
        assertOneLineError(CliRun.with(new ConfigDefaults(Map.<String, String>of()::get, conf), "agents"),
                "murder: Invalid value for option '--zk-timeout': duration '3x' (expected: a duration like 500ms, 30s, 10m, 1h30m or 2d, at"
                        + " most 3650d) (from " + conf + ":1) (see 'murder agents --help')");
        assertOneLineError(CliRun.with(new ConfigDefaults(Map.of("MURDER_ZK_TIMEOUT", "banana")::get, conf), "agents"),
                "murder: Invalid value for option '--zk-timeout': duration 'banana' (expected: a duration like 500ms, 30s, 10m, 1h30m"
                        + " or 2d, at most 3650d) (from MURDER_ZK_TIMEOUT) (see 'murder agents --help')");
        Path empty = Files.writeString(tmp.resolve("empty.conf"), "");
        assertOneLineError(CliRun.with(new ConfigDefaults(Map.of("MURDER_LOG_FORMAT", "xml")::get, empty), "releases", "--dest",
                tmp.toString()), "murder: --log-format: 'xml' (expected: text or json) (from MURDER_LOG_FORMAT) (see 'murder releases"
                        + " --help')");
        // a value the command itself checks (not picocli's conversion) names its source too
        Files.writeString(conf, "zk = not a host\n");
        assertOneLineError(CliRun.with(new ConfigDefaults(Map.<String, String>of()::get, conf), "agents"),
                "murder: --zk: 'not a host' (expected: HOST:PORT[,HOST:PORT...], ports 1 to 65535) (from " + conf + ":1)");
        assertOneLineError(CliRun.with(new ConfigDefaults(Map.<String, String>of()::get, conf), "agents", "--zk", "not a host either"),
                "murder: --zk: 'not a host either' (expected: HOST:PORT[,HOST:PORT...], ports 1 to 65535)");
        // the agent runs what it names (hooks, their user, overlays) as root: a file anyone may change is refused
        Path secret = Files.writeString(tmp.resolve("conf-secret"), "a-test-secret-of-32-characters!!\n");
        java.nio.file.Files.setPosixFilePermissions(secret, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Files.writeString(conf, "agent.roles = web\n");
        java.nio.file.Files.setPosixFilePermissions(conf, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        assertOneLineError(CliRun.with(new ConfigDefaults(Map.<String, String>of()::get, conf), "agent", "--name", "a1", "--zk",
                "127.0.0.1:1", "--secret-file", secret.toString(), "--dest-root", tmp.toString()), "murder: murder.conf " + conf
                + ": every user of this host may change it (mode 0666; expected: not writable by others, e.g. chmod o-w: what it holds"
                + " runs as root)");
        java.nio.file.Files.setPosixFilePermissions(conf, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Files.writeString(conf, "zk-tiemout = 3s\n");
        CliRun help = CliRun.with(new ConfigDefaults(Map.<String, String>of()::get, conf), "agents", "--help");
        assertEquals(0, help.exitCode(), "help works whatever keys the config has: " + help.err());
    }

    @Test
    void aMissingMurderConfIsRefusedNotIgnored() {
        MurderException e = assertThrows(MurderException.class,
                () -> ConfigDefaults.fromEnvironment(Map.of("MURDER_CONF", tmp.resolve("nope.conf").toString())::get));
        assertEquals(2, e.exitCode());
        assertEquals("MURDER_CONF: " + tmp.resolve("nope.conf") + ": no such file (expected: a murder.conf to read, or MURDER_CONF"
                + " unset for /etc/murder/murder.conf)", e.getMessage());
    }

    @Test
    void aFileOfTheRightSizeButOtherBytesIsBadInputForSeedWithNothingPrintedAfterIt() throws Exception {
        Path file = Files.write(tmp.resolve("r.bin"), new byte[100_000]);
        Path torrent = tmp.resolve("r.torrent");
        CliRun made = CliRun.of("make-torrent", file.toString(), "--tracker", TRACKER, "-o", torrent.toString());
        assertEquals(0, made.exitCode(), made.err());
        byte[] other = new byte[100_000];
        other[99_999] = 1; // the last piece differs
        Path wrong = Files.write(tmp.resolve("other.bin"), other);
        assertOneLineError(CliRun.of("seed", torrent.toString(), wrong.toString(), "--bind", "127.0.0.1", "--port-range", "47110-47119"),
                "murder: " + wrong + ": 1 of 4 pieces do not match r.bin (expected: the complete file the torrent was made from)");
    }

    /**
     * With --log-format json, the command's own last line is a JSON object like the log lines around it: it was the one
     * plain line, the one that mattered, among lines a log shipper reads as JSON.
     */
    @Test
    void withJsonLogsTheLastLineIsJsonToo() throws Exception {
        Path missing = tmp.resolve("none.torrent");
        CliRun r = CliRun.of("info", missing.toString(), "--log-format", "json");
        assertEquals(2, r.exitCode(), r.err());
        String[] lines = r.err().split("\n");
        assertEquals(1, lines.length, r.err());
        com.fasterxml.jackson.databind.JsonNode line = new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines[0]);
        assertEquals("ERROR", line.get("level").asText());
        assertEquals("murder", line.get("loggerName").asText());
        assertTrue(line.get("formattedMessage").asText().startsWith(missing + ": "), r.err());
        assertEquals(r.err(), CliRun.of("info", missing.toString(), "--log-format", "json").err().replaceAll("\"timestamp\":\\d+",
                "\"timestamp\":" + line.get("timestamp").asLong()), "the same every time but its time");
        // with --verbose, the trace before the last line is the failure too
        CliRun verbose = CliRun.of("info", missing.toString(), "--log-format", "json", "--verbose");
        assertEquals(2, verbose.exitCode(), verbose.err());
        java.util.List<String> all = verbose.err().lines().toList();
        assertTrue(all.size() > 3, verbose.err());
        for (String l : all) {
            assertEquals("ERROR", new com.fasterxml.jackson.databind.ObjectMapper().readTree(l).get("level").asText(), l);
        }
    }

    /** --force replaces a file, never a device or a FIFO at an output's path (--out /dev/null --force as root replaced /dev/null). */
    @Test
    void makeTorrentNeverReplacesAFifoOrDeviceEvenWithForce() throws Exception {
        Path file = Files.writeString(tmp.resolve("f.bin"), "data\n");
        Path fifo = tmp.resolve("out.torrent");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertEquals(0, mkfifo.waitFor());
        assertOneLineError(CliRun.of("make-torrent", file.toString(), "--tracker", TRACKER, "-o", fifo.toString(), "--force"),
                "murder: " + fifo + ": not a regular file (a device, a FIFO or a socket) (expected: a file path to write; never"
                        + " replaced, even with --force)");
        assertTrue(Files.exists(fifo) && !Files.isRegularFile(fifo), "the FIFO is still there");
        assertFalse(Files.exists(tmp.resolve("out.md5")), "nothing written beside it");
    }

    /** A seeded file written to while it is shared: the seed stops naming it, exit 1, rather than serving pieces that fail. */
    @Test
    void aSeedWhoseFileIsWrittenToWhileSharedEndsWithOneLineAndExit1() throws Exception {
        Path file = Files.write(tmp.resolve("w.bin"), new byte[100_000]);
        Path torrent = tmp.resolve("w.torrent");
        assertEquals(0, CliRun.of("make-torrent", file.toString(), "--tracker", TRACKER, "-o", torrent.toString()).exitCode());
        int metricsPort;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            metricsPort = free.getLocalPort();
        }
        java.util.concurrent.CompletableFuture<CliRun> seed = java.util.concurrent.CompletableFuture.supplyAsync(() -> CliRun.of("seed",
                torrent.toString(), file.toString(), "--bind", "127.0.0.1", "--port-range", "47120-47129", "--metrics-port",
                String.valueOf(metricsPort), "--metrics-bind", "127.0.0.1"));
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.net.http.HttpRequest health = java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + metricsPort + "/healthz")).timeout(java.time.Duration.ofSeconds(5)).build();
        boolean serving = false;
        for (int i = 0; i < 300 && !serving && !seed.isDone(); i++) { // bounded: 30 s for the file's check to pass
            try {
                serving = http.send(health, java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (java.io.IOException notListeningYet) {
                // the metrics server starts with the seed
            }
            if (!serving) {
                Thread.sleep(100);
            }
        }
        assertTrue(serving, "the seed checked its file and serves it");
        java.nio.file.attribute.FileTime checked = Files.getLastModifiedTime(file);
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {7}), 50_000);
        }
        java.nio.file.attribute.FileTime written = java.nio.file.attribute.FileTime.fromMillis(checked.toMillis() + 2000);
        Files.setLastModifiedTime(file, written);
        CliRun r = seed.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(1, r.exitCode(), r.err());
        assertEquals("murder: " + file + ": written to while it is shared (modified " + checked + " when first checked, " + written
                + " now; expected: the file the torrent was made from, unchanged while it is shared: pieces read from it may no longer"
                + " match)\n", r.err());
    }

    private static void assertOneLineError(CliRun r, String expected) {
        assertOneLineError(r, 2, expected);
    }

    private static void assertOneLineError(CliRun r, int exitCode, String expected) {
        assertEquals(exitCode, r.exitCode(), r.err());
        assertEquals(expected + "\n", r.err());
        assertEquals("", r.out());
    }

    /**
     * check-config reads a murder.conf as every command would (an Ansible template's validate:): its keys, and each value
     * converted by the commands that take it. A typo in a key or a value only failed when each service next started: the
     * role's handler restarted every agent of a fleet onto it.
     */
    @Test
    void checkConfigNamesTheLineOfABadKeyOrValueAndPassesAGoodFile() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("check-config"));
        Path good = Files.writeString(dir.resolve("good.conf"), "zk = 127.0.0.1:2181\nport-range = 6881-6889\nagent.max-up = 400Mbit/s\n");
        CliRun ok = CliRun.of("check-config", good.toString());
        assertEquals(0, ok.exitCode(), ok.err());
        assertTrue(ok.out().strip().matches(java.util.regex.Pattern.quote(good.toString()) + ": ok \\(\\d+ commands read it\\)"), ok.out());

        Path key = Files.writeString(dir.resolve("key.conf"), "zk = 127.0.0.1:2181\nagent.colour = blue\n");
        assertOneLineError(CliRun.of("check-config", key.toString()), "murder: " + key + ":2: unknown key 'agent.colour' (expected: a long"
                + " option of a murder command without its dashes, e.g. zk, or COMMAND.OPTION, e.g. agent.roles)");
        Path rate = Files.writeString(dir.resolve("rate.conf"), "zk = 127.0.0.1:2181\nagent.max-up = fast\n");
        assertOneLineError(CliRun.of("check-config", rate.toString()), "murder: " + rate + ":2: as 'agent' reads it: Invalid value for"
                + " option '--max-up': rate 'fast' (expected: a rate like 50MB/s, 10MiB/s, 400Mbit/s or unlimited)");
        Path port = Files.writeString(dir.resolve("port.conf"), "# the tracker\ntracker.port = abc\n");
        CliRun portRun = CliRun.of("check-config", port.toString());
        assertEquals(2, portRun.exitCode(), portRun.err());
        assertTrue(portRun.err().startsWith("murder: " + port + ":2: as 'tracker' reads it: Invalid value for option '--port': 'abc'"),
                portRun.err());
        assertOneLineError(CliRun.of("check-config", dir.resolve("none.conf").toString()), "murder: " + dir.resolve("none.conf")
                + ": no such file (expected: a murder.conf to check)");
        CliRun sample = CliRun.of("check-config", Path.of("../scripts/murder.conf").toString());
        assertEquals(0, sample.exitCode(), "the sample murder.conf the package installs passes: " + sample.err());
    }

    /**
     * Values that convert but that the command refuses once it runs (a range, options against each other): each command's
     * options check is made by check-config too, named by the file's line. They passed, and failed the service at its start.
     */
    @Test
    void checkConfigMakesEachCommandsOptionsChecks() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("check-options"));
        Path threads = Files.writeString(dir.resolve("threads.conf"), "zk = 127.0.0.1:2181\ntracker.threads = 0\n");
        assertOneLineError(CliRun.of("check-config", threads.toString()), "murder: " + threads + ":2: as 'tracker' reads it: --threads: 0"
                + " (expected: 1 to 256)");
        Path apply = Files.writeString(dir.resolve("apply.conf"), "firewall.apply = true\n");
        CliRun applyRun = CliRun.of("check-config", apply.toString());
        assertEquals(2, applyRun.exitCode(), applyRun.err());
        assertTrue(applyRun.err().startsWith("murder: " + apply + ": as 'firewall' reads it: an action in murder.conf or the"
                + " environment: --apply = true"), applyRun.err());
        Path tick = Files.writeString(dir.resolve("tick.conf"), "# a member's\n\nzookeeper.tick-time = 0\n");
        assertOneLineError(CliRun.of("check-config", tick.toString()), "murder: " + tick + ":3: as 'zookeeper' reads it: --tick-time:"
                + " 0 (expected: a positive number)");
        Path down = Files.writeString(dir.resolve("down.conf"), "agent.max-down = 1B/s\n");
        CliRun downRun = CliRun.of("check-config", down.toString());
        assertEquals(2, downRun.exitCode(), downRun.err());
        assertTrue(downRun.err().startsWith("murder: " + down + ":1: as 'agent' reads it: --max-down 1 B/s: a request of 64 KiB"),
                downRun.err());
        Path keep = Files.writeString(dir.resolve("keep.conf"), "deploy.keep = 0\n");
        assertOneLineError(CliRun.of("check-config", keep.toString()), "murder: " + keep + ":1: as 'deploy' reads it: --keep: 0"
                + " (expected: 1 to 1000)");
        Path both = Files.writeString(dir.resolve("both.conf"), "tracker.open = true\ntracker.whitelist = /srv/torrents\n");
        CliRun bothRun = CliRun.of("check-config", both.toString());
        assertEquals(2, bothRun.exitCode(), bothRun.err());
        assertTrue(bothRun.err().contains("as 'tracker' reads it: both --whitelist"), bothRun.err());
        // what pairs with the command line (each member's --myid beside the fleet's servers) is not the file's alone
        Path ensemble = Files.writeString(dir.resolve("ensemble.conf"), "zookeeper.servers = 1=zk1:2888:3888,2=zk2:2888:3888,"
                + "3=zk3:2888:3888\nzookeeper.tick-time = 2000\ndeploy.web-bind = 0.0.0.0\n");
        CliRun ensembleRun = CliRun.of("check-config", ensemble.toString());
        assertEquals(0, ensembleRun.exitCode(), ensembleRun.err());
        Path member = Files.writeString(dir.resolve("member.conf"), "zookeeper.servers = 1=zk1:2888:3888,x\n");
        CliRun memberRun = CliRun.of("check-config", member.toString());
        assertEquals(2, memberRun.exitCode(), memberRun.err());
        assertTrue(memberRun.err().contains("as 'zookeeper' reads it: --server: 'x'"), memberRun.err());
        Path make = Files.writeString(dir.resolve("make.conf"), "make-torrent.threads = 0\n");
        assertOneLineError(CliRun.of("check-config", make.toString()), "murder: " + make + ":1: as 'make-torrent' reads it: --threads: 0"
                + " (expected: 1 to 256)");
    }
    /** A bencoded single-file torrent with {@code name} and {@code comment} (as UTF-8), made by hand. */
    private Path handMadeTorrent(String file, String name, String comment) throws Exception {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        byte[] c = comment.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] n = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        b.writeBytes(("d7:comment" + c.length + ":").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        b.writeBytes(c);
        b.writeBytes(("4:infod6:lengthi1e4:name" + n.length + ":").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        b.writeBytes(n);
        b.writeBytes(("12:piece lengthi16384e6:pieces20:" + "a".repeat(20) + "ee").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return Files.write(tmp.resolve(file), b.toByteArray());
    }

    /**
     * A torrent's comment with a C1 CSI (U+009B), a bidi override and a line separator: --json writes them as JSON escapes
     * (the same value to a JSON reader), never raw to a terminal; Jackson escaped only C0. A --verbose trace quoting a
     * refused name escapes it as the one-line error does (it printed the name's ESC sequences raw).
     */
    @Test
    void jsonOutputAndVerboseTracesWriteNoRawControlsFromATorrent() throws Exception {
        String comment = "A\u009b31mB\u202eC\u2028D\u001b[2JE";
        CliRun json = CliRun.of("info", "--json", handMadeTorrent("c.torrent", "ok.bin", comment).toString());
        assertEquals(0, json.exitCode(), json.err());
        for (char raw : new char[] {'\u009b', '\u202e', '\u2028', '\u001b'}) {
            assertEquals(-1, json.out().indexOf(raw), "raw U+" + Integer.toHexString(raw) + " in " + json.out());
        }
        assertEquals(comment, new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out()).get("comment").asText(),
                "the same value to a JSON reader");

        CliRun verbose = CliRun.of("info", "--verbose", handMadeTorrent("n.torrent", "x/\u001b]0;PWNED\u0007\u202eevil", "").toString());
        assertEquals(2, verbose.exitCode(), verbose.err());
        assertTrue(verbose.err().contains("\\x1b]0;PWNED\\x07") && verbose.err().contains("\tat "), verbose.err());
        for (char raw : new char[] {'\u001b', '\u0007', '\u202e'}) {
            assertEquals(-1, verbose.err().indexOf(raw), "raw U+" + Integer.toHexString(raw) + " in " + verbose.err());
        }
    }
}
