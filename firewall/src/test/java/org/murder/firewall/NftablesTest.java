package org.murder.firewall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.murder.core.MurderException;
import org.murder.core.PortRange;

class NftablesTest {
    private static final RuleSet DEFAULTS = RuleSet.of(new PortRange(6881, 6889), 8998, null, List.of());
    private static final Backend NFT = Backend.nftables(NftTable.DEFAULT, "input");

    @Test
    void rendersAnNftScript() {
        assertEquals("""
                # murder firewall for nftables: accept TCP to the tracker (8998) and the peers (6881-6889) from anywhere
                # in chain murder of table inet filter, jumped to from its input chain. Load with: nft -f FILE
                # (murder firewall --apply runs this as one transaction and inserts the jump only when it is missing)
                add chain inet filter murder
                flush chain inet filter murder
                add rule inet filter murder tcp dport 8998 accept comment "murder tracker"
                add rule inet filter murder tcp dport 6881-6889 accept comment "murder peers"
                insert rule inet filter input jump murder comment "murder"
                """, NFT.render(DEFAULTS));
    }

    @Test
    void rendersSourcesTheWayNftPrintsThem() {
        RuleSet rules = RuleSet.of(new PortRange(7000, 7001), 9000, 2181,
                List.of(Source.parse("10.213.0.0/24"), Source.parse("2001:db8:0:0:0:0:0:1")));
        assertEquals("""
                # murder firewall for nftables: accept TCP to the tracker (9000), the peers (7000-7001) and the zookeeper (2181) from 10.213.0.0/24, 2001:db8::1/128
                # in chain murder of table ip6 fw, jumped to from its in chain. Load with: nft -f FILE
                # (murder firewall --apply runs this as one transaction and inserts the jump only when it is missing)
                add chain ip6 fw murder
                flush chain ip6 fw murder
                add rule ip6 fw murder ip saddr 10.213.0.0/24 tcp dport 9000 accept comment "murder tracker from 10.213.0.0/24"
                add rule ip6 fw murder ip6 saddr 2001:db8::1 tcp dport 9000 accept comment "murder tracker from 2001:db8::1/128"
                add rule ip6 fw murder ip saddr 10.213.0.0/24 tcp dport 7000-7001 accept comment "murder peers from 10.213.0.0/24"
                add rule ip6 fw murder ip6 saddr 2001:db8::1 tcp dport 7000-7001 accept comment "murder peers from 2001:db8::1/128"
                add rule ip6 fw murder ip saddr 10.213.0.0/24 tcp dport 2181 accept comment "murder zookeeper from 10.213.0.0/24"
                add rule ip6 fw murder ip6 saddr 2001:db8::1 tcp dport 2181 accept comment "murder zookeeper from 2001:db8::1/128"
                insert rule ip6 fw in jump murder comment "murder"
                """, Backend.nftables(NftTable.parse("ip6 fw"), "in").render(rules));
        assertEquals("source 10.213.0.0/24 cannot match in table ip6 fw (expected: an IPv6 source, or an inet table)",
                assertThrows(IllegalArgumentException.class, () -> Backend.nftables(NftTable.parse("ip6 fw"), "in").validate(rules)).getMessage());
    }

    @Test
    void applyIsOneTransactionThenChangesNothing() {
        FakeNft nft = new FakeNft().withHostPolicy();
        assertEquals(List.of("add chain inet filter murder", "flush chain inet filter murder",
                "add rule inet filter murder tcp dport 8998 accept comment \"murder tracker\"",
                "add rule inet filter murder tcp dport 6881-6889 accept comment \"murder peers\"",
                "insert rule inet filter input jump murder comment \"murder\""), NFT.apply(DEFAULTS, nft));
        assertEquals(1, nft.scripts.size());
        assertEquals("jump murder comment \"murder\"", nft.tables.get("inet filter").get("input").get(0).text());
        assertEquals(List.of(), NFT.apply(DEFAULTS, nft));
        assertEquals(1, nft.scripts.size());
        assertTrue(NFT.inspect(DEFAULTS, nft).exact());
    }

    /** A drop inserted above our jump after --apply: --check names it; what is below the jump is not in the way. */
    @Test
    void aDropAboveTheJumpIsBlocked() {
        FakeNft nft = new FakeNft().withHostPolicy();
        NFT.apply(DEFAULTS, nft);
        List<FakeNft.Rule> input = nft.tables.get("inet filter").get("input");
        input.add(0, new FakeNft.Rule("tcp dport 6881-6889 counter packets 0 bytes 0 drop", 900));
        input.add(0, new FakeNft.Rule("ip saddr 10.9.9.9 drop", 901));
        input.add(new FakeNft.Rule("drop", 902));
        Status status = NFT.inspect(DEFAULTS, nft);
        assertEquals(List.of(new Status.Entry(Status.Kind.BLOCKED, "rule in inet filter input: tcp dport 6881-6889 counter packets 0 bytes 0 drop")),
                status.blocked());
        assertTrue(status.oursExact());
        assertEquals(List.of(), NFT.apply(DEFAULTS, nft));
    }

    @Test
    void applyRewritesAStaleChainWithoutASecondJump() {
        FakeNft nft = new FakeNft().withHostPolicy();
        NFT.apply(RuleSet.of(new PortRange(7000, 7009), 8998, null, List.of()), nft);
        Status stale = NFT.inspect(DEFAULTS, nft);
        assertEquals(List.of(
                new Status.Entry(Status.Kind.OK, "add rule inet filter murder tcp dport 8998 accept comment \"murder tracker\""),
                new Status.Entry(Status.Kind.MISSING, "add rule inet filter murder tcp dport 6881-6889 accept comment \"murder peers\""),
                new Status.Entry(Status.Kind.EXTRA, "rule in inet filter murder: tcp dport 7000-7009 accept comment \"murder peers\""),
                new Status.Entry(Status.Kind.OK, "insert rule inet filter input jump murder comment \"murder\"")), stale.entries());
        List<String> script = NFT.apply(DEFAULTS, nft);
        assertEquals(4, script.size(), script.toString());
        assertEquals(3, nft.tables.get("inet filter").get("input").size());
        assertTrue(NFT.inspect(DEFAULTS, nft).exact());
    }

    @Test
    void withoutTheHostsInputChainApplyFailsAndCheckSaysSo() {
        FakeNft nft = new FakeNft();
        MurderException e = assertThrows(MurderException.class, () -> NFT.apply(DEFAULTS, nft));
        assertEquals("nftables: table inet filter has no chain input (expected: the base chain holding the input policy; "
                + "name it with --nft-table and --nft-chain, or use --backend iptables)", e.getMessage());
        assertEquals(new Status.Entry(Status.Kind.MISSING,
                "chain input of table inet filter (the host's input policy; name it with --nft-table and --nft-chain)"),
                NFT.inspect(DEFAULTS, nft).entries().get(0));
    }

    /** A chain inbound packets never pass (another hook's base chain, a regular chain): apply refuses it, check never says ok. */
    @Test
    void aChainThatIsNotTheInputHooksIsRefusedAndNeverChecksOk() {
        FakeNft nft = new FakeNft().withHostPolicy();
        nft.tables.get("inet filter").put("outp", new java.util.ArrayList<>());
        nft.headers.put("outp", "type filter hook output priority filter; policy accept;");
        nft.tables.get("inet filter").put("notinput", new java.util.ArrayList<>());
        for (String chain : List.of("outp", "notinput")) {
            Backend b = Backend.nftables(NftTable.DEFAULT, chain);
            MurderException e = assertThrows(MurderException.class, () -> b.apply(DEFAULTS, nft));
            assertEquals(2, e.exitCode(), e.getMessage());
            assertEquals("nftables: chain " + chain + " of table inet filter " + (chain.equals("outp") ? "hooks output, not input"
                    : "is a regular chain, not a base chain") + " (expected: the base chain on the input hook that holds the host's"
                    + " input policy, like input; a jump from any other chain opens nothing to inbound packets)", e.getMessage());
            assertTrue(nft.scripts.isEmpty(), "nothing loaded");
            // a jump put there by hand (or by an older murder) is not ours in place
            nft.tables.get("inet filter").get(chain).add(new FakeNft.Rule("jump murder comment \"murder\"", 77));
            Status status = b.inspect(DEFAULTS, nft);
            assertFalse(status.exact(), status.entries().toString());
            assertTrue(status.entries().stream().anyMatch(x -> x.kind() == Status.Kind.MISSING
                    && x.text().startsWith("chain " + chain + " of table inet filter ")), status.entries().toString());
        }
        assertEquals("input", Nftables.hookOf("table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter;"
                + " policy drop;\n\t}\n}\n", "input"));
        // a chain with a comment: nft prints it first, on a line of its own
        assertEquals("input", Nftables.hookOf("table inet filter {\n\tchain input { # handle 1\n\t\tcomment \"host policy\"\n"
                + "\t\ttype filter hook input priority filter; policy drop;\n\t\tct state established accept # handle 4\n\t}\n}\n",
                "input"));
        assertEquals(null, Nftables.hookOf("table inet filter {\n\tchain x {\n\t\tjump murder\n\t}\n}\n", "x"));
    }

    @Test
    void removeTakesExactlyOursAway() {
        FakeNft nft = new FakeNft().withHostPolicy();
        List<FakeNft.Rule> before = List.copyOf(nft.tables.get("inet filter").get("input"));
        NFT.apply(DEFAULTS, nft);
        assertEquals(List.of("delete rule inet filter input handle 5", "flush chain inet filter murder", "delete chain inet filter murder"),
                NFT.remove(nft));
        assertEquals(before, nft.tables.get("inet filter").get("input"));
        assertEquals(List.of("input"), List.copyOf(nft.tables.get("inet filter").keySet()));
        assertEquals(List.of(), NFT.remove(nft));
    }

    @Test
    void parsesTheRulesOfOneChainFromAListing() {
        String listing = """
                table inet filter { # handle 2
                \tchain input { # handle 1
                \t\ttype filter hook input priority filter; policy drop;
                \t\tjump murder comment "murder" # handle 13
                \t\tct state established,related accept # handle 2
                \t}
                }
                """;
        assertEquals(List.of(new Nftables.Listed("jump murder comment \"murder\"", 13),
                new Nftables.Listed("ct state established,related accept", 2)), Nftables.parse(listing, "input"));
    }

    @Test
    void tableAndChainNamesAreChecked() {
        assertEquals("nft table 'filter' (expected: FAMILY NAME like 'inet filter')",
                assertThrows(IllegalArgumentException.class, () -> NftTable.parse("filter")).getMessage());
        assertEquals("nft chain 'in put' (expected: the name of the input base chain, like input)",
                assertThrows(IllegalArgumentException.class, () -> Backend.nftables(NftTable.DEFAULT, "in put")).getMessage());
    }
}
