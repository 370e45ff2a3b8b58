package org.murder.firewall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.murder.core.cli.Cli;
import picocli.CommandLine;

/**
 * The real iptables, ip6tables and nft, inside a network namespace this test creates (needs root
 * and a usable {@code ip netns}; skipped with the reason otherwise). Each backend: check before
 * (exit 1), apply, apply again (nothing changes), check (exit 0), a changed range shows as extra,
 * remove leaves the ruleset exactly as it was.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FirewallNetnsIT {
    private static int counter;
    private String ns;

    private record Run(int exit, String out, String err) {
    }

    private static Shell.Result sh(String... argv) {
        return Shell.system().run(List.of(argv));
    }

    private void requireNetns() {
        if (!"0".equals(sh("id", "-u").out().strip())) {
            Assumptions.abort("needs root to create network namespaces");
        }
        Shell.Result tool = sh("sh", "-c", "command -v ip");
        if (tool.exit() != 0) {
            missing("ip (apt-get install iproute2)");
        }
        ns = "mfw-it-" + ProcessHandle.current().pid() + "-" + (++counter);
        Shell.Result add = sh("ip", "netns", "add", ns);
        if (add.exit() != 0) {
            ns = null;
            Assumptions.abort("ip netns is not usable here: " + add.firstLine());
        }
    }

    private static void missing(String what) {
        String reason = what + " is not installed";
        if ("true".equals(System.getenv("CI"))) {
            fail(reason);
        }
        Assumptions.abort(reason);
    }

    private static void requireTool(String tool, String pkg) {
        if (sh("sh", "-c", "PATH=$PATH:/usr/sbin:/sbin command -v " + tool).exit() != 0) {
            missing(tool + " (apt-get install " + pkg + ")");
        }
    }

    @AfterEach
    void deleteNamespace() {
        if (ns != null) {
            sh("ip", "netns", "del", ns);
        }
    }

    private Shell inNs() {
        return Shell.prefixed(List.of("ip", "netns", "exec", ns));
    }

    private Run murder(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Cli.create(new FirewallCommand(inNs()));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return new Run(cl.execute(args), out.toString(), err.toString());
    }

    private String ok(String... argv) {
        Shell.Result r = inNs().run(List.of(argv));
        assertEquals(0, r.exit(), String.join(" ", argv) + ": " + r.err());
        return r.out();
    }

    private String ruleset(String backend) {
        return switch (backend) {
            case "nftables" -> ok("nft", "list", "ruleset");
            default -> ok(backend, "-S");
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"iptables", "ip6tables", "nftables"})
    void applyIsIdempotentCheckTellsAndRemoveTakesExactlyOursAway(String backend) throws Exception {
        requireTool(backend.equals("nftables") ? "nft" : backend, backend.equals("nftables") ? "nftables" : "iptables");
        requireNetns();
        String source = backend.equals("ip6tables") ? "fd00:213::/64" : "10.213.0.0/24";
        String prometheus = backend.equals("ip6tables") ? "fd00:214::5/128" : "10.214.0.5/32";
        if (backend.equals("nftables")) {
            Path conf = Files.createTempFile("murder-nft", ".conf");
            Files.writeString(conf, "table inet filter {\n  chain input {\n    type filter hook input priority filter; policy drop;\n"
                    + "    ct state established,related accept\n    iif lo accept\n  }\n}\n");
            ok("nft", "-f", conf.toString());
            Files.delete(conf);
        } else {
            ok(backend, "-w", "-P", "INPUT", "DROP");
            ok(backend, "-w", "-A", "INPUT", "-i", "lo", "-j", "ACCEPT");
        }
        String before = ruleset(backend);
        List<String> opts = new ArrayList<>(List.of("--backend", backend, "--port-range", "6881-6882", "--zk-port", "2181",
                "--source", source, "--metrics-port", "9481", "--metrics-source", prometheus));

        Run check = murder(concat(opts, "--check"));
        assertEquals(1, check.exit(), check.out() + check.err());
        assertEquals(5, check.out().lines().filter(l -> l.startsWith("missing ")).count(), check.out());
        assertTrue(check.err().contains("5 missing, 0 extra"), check.err());

        Run apply = murder(concat(opts, "--apply"));
        assertEquals(0, apply.exit(), apply.err());
        assertTrue(apply.out().contains("applied   " + backend + ": 4 rules"), apply.out());
        String applied = ruleset(backend);
        assertTrue(applied.contains("murder peers from " + source), applied);
        assertTrue(applied.contains("murder metrics-9481 from " + prometheus), applied);
        assertFalse(applied.contains("murder metrics-9481 from " + source), "the metrics only from the Prometheus host: " + applied);

        Run again = murder(concat(opts, "--apply"));
        assertEquals(0, again.exit(), again.err());
        assertTrue(again.out().startsWith("unchanged " + backend + ": 4 rules"), again.out());
        assertEquals(applied, ruleset(backend), "applying twice adds nothing");

        Run good = murder(concat(opts, "--check"));
        assertEquals(0, good.exit(), good.out() + good.err());
        assertEquals(5 + 1, good.out().lines().filter(l -> l.startsWith("ok ")).count(), good.out()); // 5 entries, 1 summary

        // a host firewall's drop inserted above our jump since: --check and --apply name it and fail
        if (backend.equals("nftables")) {
            ok("nft", "insert", "rule", "inet", "filter", "input", "tcp", "dport", "6881-6889", "drop");
        } else {
            ok(backend, "-w", "-I", "INPUT", "1", "-p", "tcp", "--dport", "6881:6889", "-j", "DROP");
        }
        Run blocked = murder(concat(opts, "--check"));
        assertEquals(1, blocked.exit(), blocked.out() + blocked.err());
        assertEquals(1, blocked.out().lines().filter(l -> l.startsWith("blocked ") && l.contains("6881")).count(), blocked.out());
        assertTrue(blocked.err().contains("1 rule(s) above the jump to our chain drop murder's traffic"), blocked.err());
        Run applyBlocked = murder(concat(opts, "--apply"));
        assertEquals(1, applyBlocked.exit(), applyBlocked.out() + applyBlocked.err());
        assertTrue(applyBlocked.out().startsWith("unchanged "), applyBlocked.out());
        if (backend.equals("nftables")) {
            String listing = ok("nft", "-a", "list", "chain", "inet", "filter", "input");
            java.util.regex.Matcher h = java.util.regex.Pattern.compile("tcp dport 6881-6889 drop # handle (\\d+)").matcher(listing);
            assertTrue(h.find(), listing);
            ok("nft", "delete", "rule", "inet", "filter", "input", "handle", h.group(1));
        } else {
            ok(backend, "-w", "-D", "INPUT", "-p", "tcp", "--dport", "6881:6889", "-j", "DROP");
        }
        assertEquals(0, murder(concat(opts, "--check")).exit());

        List<String> moved = new ArrayList<>(opts);
        moved.set(3, "7000-7001");
        assertEquals(0, murder(concat(moved, "--apply")).exit());
        Run stale = murder(concat(opts, "--check"));
        assertEquals(1, stale.exit());
        assertTrue(stale.err().contains("1 missing, 1 extra"), stale.out() + stale.err());

        Run removed = murder(concat(opts, "--remove"));
        assertEquals(0, removed.exit(), removed.err());
        assertEquals(before, ruleset(backend), "remove leaves the ruleset as it was");
        assertTrue(murder(concat(opts, "--remove")).out().startsWith("unchanged "));
    }

    private static String[] concat(List<String> opts, String action) {
        List<String> all = new ArrayList<>(opts);
        all.add(action);
        return all.toArray(String[]::new);
    }
}
