package org.murder.firewall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.murder.core.MurderException;
import org.murder.core.PortRange;

class IptablesTest {
    private static final RuleSet DEFAULTS = RuleSet.of(new PortRange(6881, 6889), 8998, null, List.of());

    @Test
    void rendersIdempotentShellCommands() {
        assertEquals("""
                # murder firewall for iptables: accept TCP to the tracker (8998) and the peers (6881-6889) from anywhere
                # in chain MURDER, jumped to once from the top of INPUT. Safe to run again.
                iptables -w -N MURDER 2>/dev/null || iptables -w -F MURDER
                iptables -w -A MURDER -p tcp --dport 8998 -m comment --comment "murder tracker" -j ACCEPT
                iptables -w -A MURDER -p tcp --dport 6881:6889 -m comment --comment "murder peers" -j ACCEPT
                iptables -w -C INPUT -m comment --comment murder -j MURDER 2>/dev/null || iptables -w -I INPUT 1 -m comment --comment murder -j MURDER
                """, Backend.iptables().render(DEFAULTS));
    }

    @Test
    void rendersSourcesAndZooKeeper() {
        RuleSet rules = RuleSet.of(new PortRange(7000, 7000), 9000, 2181, List.of(Source.parse("10.213.0.0/24"), Source.parse("192.0.2.7")));
        assertEquals("""
                # murder firewall for iptables: accept TCP to the tracker (9000), the peers (7000) and the zookeeper (2181) from 10.213.0.0/24, 192.0.2.7/32
                # in chain MURDER, jumped to once from the top of INPUT. Safe to run again.
                iptables -w -N MURDER 2>/dev/null || iptables -w -F MURDER
                iptables -w -A MURDER -s 10.213.0.0/24 -p tcp --dport 9000 -m comment --comment "murder tracker from 10.213.0.0/24" -j ACCEPT
                iptables -w -A MURDER -s 192.0.2.7/32 -p tcp --dport 9000 -m comment --comment "murder tracker from 192.0.2.7/32" -j ACCEPT
                iptables -w -A MURDER -s 10.213.0.0/24 -p tcp --dport 7000 -m comment --comment "murder peers from 10.213.0.0/24" -j ACCEPT
                iptables -w -A MURDER -s 192.0.2.7/32 -p tcp --dport 7000 -m comment --comment "murder peers from 192.0.2.7/32" -j ACCEPT
                iptables -w -A MURDER -s 10.213.0.0/24 -p tcp --dport 2181 -m comment --comment "murder zookeeper from 10.213.0.0/24" -j ACCEPT
                iptables -w -A MURDER -s 192.0.2.7/32 -p tcp --dport 2181 -m comment --comment "murder zookeeper from 192.0.2.7/32" -j ACCEPT
                iptables -w -C INPUT -m comment --comment murder -j MURDER 2>/dev/null || iptables -w -I INPUT 1 -m comment --comment murder -j MURDER
                """, Backend.iptables().render(rules));
    }

    @Test
    void applyInstallsOnceThenChangesNothing() {
        FakeIptables fw = new FakeIptables();
        fw.chains.get("INPUT").add(List.of("-i", "lo", "-j", "ACCEPT"));
        assertEquals(List.of(
                "iptables -w -N MURDER",
                "iptables -w -A MURDER -p tcp --dport 8998 -m comment --comment \"murder tracker\" -j ACCEPT",
                "iptables -w -A MURDER -p tcp --dport 6881:6889 -m comment --comment \"murder peers\" -j ACCEPT",
                "iptables -w -I INPUT 1 -m comment --comment murder -j MURDER"), Backend.iptables().apply(DEFAULTS, fw));
        String installed = fw.dump();
        assertEquals("""
                -A INPUT -m comment --comment murder -j MURDER
                -A INPUT -i lo -j ACCEPT
                -A MURDER -p tcp --dport 8998 -m comment --comment "murder tracker" -j ACCEPT
                -A MURDER -p tcp --dport 6881:6889 -m comment --comment "murder peers" -j ACCEPT
                """, installed);
        assertEquals(List.of(), Backend.iptables().apply(DEFAULTS, fw));
        assertEquals(installed, fw.dump());
        assertTrue(Backend.iptables().inspect(DEFAULTS, fw).exact());
    }

    @Test
    void inspectNamesMissingAndExtraRules() {
        FakeIptables fw = new FakeIptables();
        Status none = Backend.iptables().inspect(DEFAULTS, fw);
        assertEquals(List.of(
                new Status.Entry(Status.Kind.MISSING, "iptables -w -A MURDER -p tcp --dport 8998 -m comment --comment \"murder tracker\" -j ACCEPT"),
                new Status.Entry(Status.Kind.MISSING, "iptables -w -A MURDER -p tcp --dport 6881:6889 -m comment --comment \"murder peers\" -j ACCEPT"),
                new Status.Entry(Status.Kind.MISSING, "iptables -w -I INPUT 1 -m comment --comment murder -j MURDER")), none.entries());

        Backend.iptables().apply(RuleSet.of(new PortRange(7000, 7009), 8998, null, List.of()), fw);
        Status moved = Backend.iptables().inspect(DEFAULTS, fw);
        assertEquals(List.of(
                new Status.Entry(Status.Kind.OK, "iptables -w -A MURDER -p tcp --dport 8998 -m comment --comment \"murder tracker\" -j ACCEPT"),
                new Status.Entry(Status.Kind.MISSING, "iptables -w -A MURDER -p tcp --dport 6881:6889 -m comment --comment \"murder peers\" -j ACCEPT"),
                new Status.Entry(Status.Kind.EXTRA, "iptables -A MURDER -p tcp -m tcp --dport 7000:7009 -m comment --comment \"murder peers\" -j ACCEPT"),
                new Status.Entry(Status.Kind.OK, "iptables -w -I INPUT 1 -m comment --comment murder -j MURDER")), moved.entries());
        assertEquals(1, moved.count(Status.Kind.MISSING));
        assertEquals(1, moved.count(Status.Kind.EXTRA));
    }

    /** A host firewall's DROP inserted above our jump after --apply: --check names it, and a second --apply cannot move it. */
    @Test
    void aDropAboveTheJumpIsBlocked() {
        FakeIptables fw = new FakeIptables();
        Backend.iptables().apply(DEFAULTS, fw);
        fw.chains.get("INPUT").add(0, List.of("-p", "tcp", "--dport", "6881:6889", "-j", "DROP"));
        fw.chains.get("INPUT").add(0, List.of("-s", "10.9.9.9/32", "-j", "DROP")); // one banned address: on purpose, left alone
        fw.chains.get("INPUT").add(List.of("-j", "DROP")); // below the jump: what we accepted never gets there
        Status status = Backend.iptables().inspect(DEFAULTS, fw);
        assertEquals(List.of(new Status.Entry(Status.Kind.BLOCKED, "iptables -A INPUT -p tcp -m tcp --dport 6881:6889 -j DROP")),
                status.blocked());
        assertTrue(status.oursExact());
        assertFalse(status.exact());
        assertEquals(List.of(), Backend.iptables().apply(DEFAULTS, fw), "ours are in place: nothing to change");
    }

    @Test
    void applyReplacesAStaleChainAndKeepsOneJump() {
        FakeIptables fw = new FakeIptables();
        Backend.iptables().apply(RuleSet.of(new PortRange(7000, 7009), 8998, null, List.of()), fw);
        fw.changes.clear();
        assertEquals(List.of(
                "iptables -w -F MURDER",
                "iptables -w -A MURDER -p tcp --dport 8998 -m comment --comment \"murder tracker\" -j ACCEPT",
                "iptables -w -A MURDER -p tcp --dport 6881:6889 -m comment --comment \"murder peers\" -j ACCEPT"),
                Backend.iptables().apply(DEFAULTS, fw));
        assertEquals(1, fw.chains.get("INPUT").size());
        assertTrue(Backend.iptables().inspect(DEFAULTS, fw).exact());
    }

    @Test
    void removeTakesExactlyOursAway() {
        FakeIptables fw = new FakeIptables();
        fw.chains.get("INPUT").add(List.of("-p", "tcp", "--dport", "22", "-j", "ACCEPT"));
        String before = fw.dump();
        Backend.iptables().apply(DEFAULTS, fw);
        fw.chains.get("INPUT").add(0, Iptables.jumpSpec()); // a second jump, as from a hand-run command
        assertEquals(List.of(
                "iptables -w -D INPUT -m comment --comment murder -j MURDER",
                "iptables -w -D INPUT -m comment --comment murder -j MURDER",
                "iptables -w -F MURDER",
                "iptables -w -X MURDER"), Backend.iptables().remove(fw));
        assertEquals(before, fw.dump());
        assertEquals(List.of(), Backend.iptables().remove(fw));
    }

    /**
     * A change that fails part way changes nothing: the chain used to be flushed, then filled rule by rule,
     * and a failure in between left neither the old rules nor the new in force (murder's ports closed).
     */
    @Test
    void anApplyThatFailsPartWayLeavesTheRulesInForceAsTheyWere() {
        FakeIptables fw = new FakeIptables();
        Backend.iptables().apply(DEFAULTS, fw);
        String before = fw.dump();
        // as iptables-restore 1.8.9 says it: the rule it refused only by its line number in what it was given
        Shell failsOnTheNewRange = (argv, stdin) -> stdin.contains("6885:6890")
                ? new Shell.Result(2, "", "iptables-restore v1.8.9 (nf_tables): invalid mask `99' specified\nError occurred at line: 3\n"
                        + "Try `iptables-restore -h' or 'iptables-restore --help' for more information.\n") : fw.run(argv, stdin);
        MurderException e = assertThrows(MurderException.class,
                () -> Backend.iptables().apply(RuleSet.of(new PortRange(6885, 6890), 8998, null, List.of()), failsOnTheNewRange));
        assertTrue(e.getMessage().startsWith("iptables-restore --noflush -w: iptables-restore v1.8.9 (nf_tables): invalid mask `99'"
                + " specified (line 3: -A MURDER "), e.getMessage());
        assertTrue(e.getMessage().endsWith("); nothing changed: the rules in force are as they were"), e.getMessage());
        assertEquals(before, fw.dump());
    }

    /** A rule of the operator's that jumps to the chain too: the removal fails whole, its jump still leads to our rules. */
    @Test
    void aRemovalAnotherRuleStandsInTheWayOfChangesNothing() {
        FakeIptables fw = new FakeIptables();
        Backend.iptables().apply(DEFAULTS, fw);
        fw.chains.get("INPUT").add(List.of("-i", "eth1", "-j", "MURDER"));
        String before = fw.dump();
        MurderException e = assertThrows(MurderException.class, () -> Backend.iptables().remove(fw));
        assertTrue(e.getMessage().startsWith("iptables-restore --noflush -w: "), e.getMessage());
        assertTrue(e.getMessage().endsWith(" (another rule still jumps to MURDER? remove it first); nothing changed: the rules in force"
                + " are as they were"), e.getMessage());
        assertEquals(before, fw.dump());
    }

    @Test
    void aFailingCommandIsOneLineNamingIt() {
        Shell denied = (argv, stdin) -> new Shell.Result(4, "", "iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)\n");
        MurderException e = assertThrows(MurderException.class, () -> Backend.iptables().apply(DEFAULTS, denied));
        assertEquals("iptables -S MURDER: iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)",
                e.getMessage());
        assertEquals(1, e.exitCode());
    }

    @Test
    void iptablesTakesIpv4SourcesAndIp6tablesIpv6() {
        RuleSet v6 = RuleSet.of(new PortRange(6881, 6889), 8998, null, List.of(Source.parse("fd00::/8")));
        assertEquals("source fd00::/8 is IPv6 (expected: IPv4 for iptables; use --backend ip6tables or --backend nftables)",
                assertThrows(IllegalArgumentException.class, () -> Backend.iptables().validate(v6)).getMessage());
        Backend.ip6tables().validate(v6);
        assertTrue(Backend.ip6tables().render(v6).contains("ip6tables -w -A MURDER -s fd00::/8 -p tcp --dport 8998"));
    }

    @Test
    void commentsAreReadBackFromTheListing() {
        assertEquals("murder peers from 10.0.0.0/8",
                Iptables.comment("-A MURDER -s 10.0.0.0/8 -p tcp -m tcp --dport 6881:6889 -m comment --comment \"murder peers from 10.0.0.0/8\" -j ACCEPT"));
        assertEquals("murder", Iptables.comment("-A INPUT -m comment --comment murder -j MURDER"));
        assertEquals(null, Iptables.comment("-A MURDER -p tcp -j ACCEPT"));
    }
}
