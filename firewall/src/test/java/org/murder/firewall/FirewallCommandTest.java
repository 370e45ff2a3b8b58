package org.murder.firewall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.murder.core.cli.Cli;
import org.murder.peer.engine.EngineConfig;
import org.murder.tracker.TrackerConfig;
import picocli.CommandLine;

class FirewallCommandTest {
    private record Run(int exit, String out, String err) {
    }

    private static Run run(Shell shell, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Cli.create(new FirewallCommand(shell));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return new Run(cl.execute(args), out.toString(), err.toString());
    }

    private static final Shell NO_SHELL = (argv, stdin) -> {
        throw new AssertionError("--print must not run anything: " + argv);
    };

    @Test
    void printsTheIptablesCommandsForTheDefaultPortsByDefault() {
        Run r = run(NO_SHELL);
        assertEquals(0, r.exit(), r.err());
        assertEquals(Backend.iptables().render(RuleSet.of(EngineConfig.DEFAULT_PORTS, TrackerConfig.DEFAULT_PORT, null, java.util.List.of())),
                r.out());
        assertTrue(r.out().contains("--dport 8998 ") && r.out().contains("--dport 6881:6889 "), r.out());
        assertEquals(r, run(NO_SHELL, "--print"));
    }

    @Test
    void nftOptionsWithAnotherBackendAreRefused() {
        Run r = run(NO_SHELL, "--nft-table", "ip filter");
        assertEquals(new Run(2, "", "murder: --nft-table is for --backend nftables (expected: --backend nftables with it, or neither:"
                + " --backend iptables puts its rules in a chain of its own, jumped to from INPUT)\n"), r);
    }

    @Test
    void aSourceNamedTwiceIsOneRule() {
        Run twice = run(NO_SHELL, "--source", "10.0.0.0/8", "--source", "10.0.0.0/8");
        assertEquals(0, twice.exit(), twice.err());
        assertEquals(run(NO_SHELL, "--source", "10.0.0.0/8"), twice);
    }

    @Test
    void printsTheNftScriptWithEveryOption() {
        Run r = run(NO_SHELL, "--backend", "nftables", "--port-range", "7000-7003", "--tracker-port", "9000", "--zk-port", "2181",
                "--source", "10.213.0.0/24", "--nft-table", "ip fw", "--nft-chain", "in");
        assertEquals(0, r.exit(), r.err());
        assertEquals("""
                # murder firewall for nftables: accept TCP to the tracker (9000), the peers (7000-7003) and the zookeeper (2181) from 10.213.0.0/24
                # in chain murder of table ip fw, jumped to from its in chain. Load with: nft -f FILE
                # (murder firewall --apply runs this as one transaction and inserts the jump only when it is missing)
                add chain ip fw murder
                flush chain ip fw murder
                add rule ip fw murder ip saddr 10.213.0.0/24 tcp dport 9000 accept comment "murder tracker from 10.213.0.0/24"
                add rule ip fw murder ip saddr 10.213.0.0/24 tcp dport 7000-7003 accept comment "murder peers from 10.213.0.0/24"
                add rule ip fw murder ip saddr 10.213.0.0/24 tcp dport 2181 accept comment "murder zookeeper from 10.213.0.0/24"
                insert rule ip fw in jump murder comment "murder"
                """, r.out());
    }

    @Test
    void metricsPortsAreOpenedOnlyToTheirOwnSourcesWhenGiven() {
        Run r = run(NO_SHELL, "--source", "10.0.0.0/8", "--metrics-port", "9482", "--metrics-port", "9481", "--metrics-source", "10.9.0.5");
        assertEquals(0, r.exit(), r.err());
        assertEquals("""
                # murder firewall for iptables: accept TCP to the tracker (8998) and the peers (6881-6889) from 10.0.0.0/8; the metrics-9481 (9481) and the metrics-9482 (9482) from 10.9.0.5/32
                """.strip(), r.out().lines().findFirst().orElseThrow(), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.contains("-s 10.9.0.5/32 -p tcp --dport 9481 -m comment --comment")
                && l.contains("murder metrics-9481 from 10.9.0.5/32")), r.out());
        assertTrue(r.out().contains("-s 10.0.0.0/8 -p tcp --dport 8998 "), r.out());
        assertTrue(!r.out().contains("-s 10.0.0.0/8 -p tcp --dport 9481"), "the metrics only from the Prometheus host: " + r.out());

        Run sameSources = run(NO_SHELL, "--backend", "nftables", "--source", "10.0.0.0/8", "--metrics-port", "9481");
        assertTrue(sameSources.out().contains("add rule inet filter murder ip saddr 10.0.0.0/8 tcp dport 9481 accept comment"
                + " \"murder metrics-9481 from 10.0.0.0/8\""), sameSources.out());

        FakeIptables fw = new FakeIptables();
        assertEquals(0, run(fw, "--apply", "--metrics-port", "9481", "--metrics-source", "10.9.0.5").exit());
        Run check = run(fw, "--check", "--metrics-port", "9481", "--metrics-source", "10.9.0.5");
        assertEquals(0, check.exit(), check.out() + check.err());
        assertEquals(1, run(fw, "--check").exit(), "the metrics rule is extra without --metrics-port");

        assertEquals(new Run(2, "", "murder: firewall: tracker port 9481 overlaps metrics-9481 port 9481 (expected: separate ports)\n"),
                run(NO_SHELL, "--tracker-port", "9481", "--metrics-port", "9481"));
        assertEquals(new Run(2, "", "murder: firewall: metrics sources [10.9.0.5/32] without a metrics port (expected: --metrics-port PORT"
                + " with --metrics-source)\n"), run(NO_SHELL, "--metrics-source", "10.9.0.5"));
        assertEquals(new Run(2, "", "murder: firewall: source fd00::/8 is IPv6 (expected: IPv4 for iptables; use --backend ip6tables "
                + "or --backend nftables)\n"), run(NO_SHELL, "--metrics-port", "9481", "--metrics-source", "fd00::/8"));
        assertEquals(new Run(2, "", "murder: firewall: metrics port 0 (expected: 1 to 65535)\n"), run(NO_SHELL, "--metrics-port", "0"));
    }

    @Test
    void checkExitsOneNamingEachMissingRuleAndZeroOnceApplied() {
        FakeIptables fw = new FakeIptables();
        Run before = run(fw, "--check", "--port-range", "6881-6882");
        assertEquals(1, before.exit());
        assertEquals("""
                missing   iptables -w -A MURDER -p tcp --dport 8998 -m comment --comment "murder tracker" -j ACCEPT
                missing   iptables -w -A MURDER -p tcp --dport 6881:6882 -m comment --comment "murder peers" -j ACCEPT
                missing   iptables -w -I INPUT 1 -m comment --comment murder -j MURDER
                """, before.out());
        assertEquals("murder: firewall: iptables: 3 missing, 0 extra (run murder firewall --apply with the same options)\n", before.err());

        Run applied = run(fw, "--apply", "--port-range", "6881-6882");
        assertEquals(0, applied.exit(), applied.err());
        assertTrue(applied.out().endsWith("applied   iptables: 2 rules accepting the tracker (8998) and the peers (6881-6882) from anywhere, "
                + "in chain MURDER, jumped to from INPUT\n"), applied.out());
        Run again = run(fw, "--apply", "--port-range", "6881-6882");
        assertEquals("unchanged iptables: 2 rules accepting the tracker (8998) and the peers (6881-6882) from anywhere, "
                + "in chain MURDER, jumped to from INPUT\n", again.out());

        Run after = run(fw, "--check", "--port-range", "6881-6882");
        assertEquals(0, after.exit(), after.err());
        assertTrue(after.out().endsWith("ok        iptables: every rule in place in chain MURDER, jumped to from INPUT\n"), after.out());

        Run removed = run(fw, "--remove");
        assertEquals(0, removed.exit(), removed.err());
        assertTrue(removed.out().endsWith("removed   iptables: chain MURDER, jumped to from INPUT\n"), removed.out());
        assertEquals("unchanged iptables: nothing of ours installed\n", run(fw, "--remove").out());
        assertEquals("", fw.dump());
    }

    @Test
    void badInputExitsTwoWithOneLine() {
        assertEquals(new Run(2, "", "murder: firewall: source '10.0.0.1/8' (expected: no host bits set after /8, like 10.0.0.0/8)\n"),
                run(NO_SHELL, "--source", "10.0.0.1/8"));
        assertEquals(new Run(2, "", "murder: firewall: tracker port 6885 overlaps peers port 6881-6889 (expected: separate ports)\n"),
                run(NO_SHELL, "--tracker-port", "6885"));
        assertEquals(new Run(2, "", "murder: firewall: source fd00::/8 is IPv6 (expected: IPv4 for iptables; use --backend ip6tables "
                + "or --backend nftables)\n"), run(NO_SHELL, "--source", "fd00::/8"));
        assertEquals(new Run(2, "", "murder: firewall: nft table 'filter' (expected: FAMILY NAME like 'inet filter')\n"),
                run(NO_SHELL, "--backend", "nftables", "--nft-table", "filter"));
        assertEquals(new Run(2, "", "murder: --apply, --check are mutually exclusive (specify only one) (see 'firewall --help')\n"),
                run(NO_SHELL, "--apply", "--check"));
        Run badBackend = run(NO_SHELL, "--backend", "pf");
        assertEquals(2, badBackend.exit());
        assertTrue(badBackend.err().contains("Invalid value for option '--backend'"), badBackend.err());
        Run badRange = run(NO_SHELL, "--port-range", "9000-8000");
        assertEquals(2, badRange.exit());
        assertTrue(badRange.err().contains("port range '9000-8000'"), badRange.err());
    }

    @Test
    void aMissingToolIsAFailureNamingThePackage() {
        Run r = run(Shell.prefixed(java.util.List.of("/nonexistent/murder-test-prefix")), "--check");
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("murder: iptables: cannot run ("), r.err());
        assertTrue(r.err().contains("apt-get install iptables"), r.err());
    }
}
