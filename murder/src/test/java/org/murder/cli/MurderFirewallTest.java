package org.murder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MurderFirewallTest {
    @Test
    void theRootCommandPrintsTheRulesForTheDefaultPorts() {
        CliRun r = CliRun.of("firewall");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("# murder firewall for iptables: accept TCP to the tracker (8998) and the peers (6881-6889) from anywhere\n"),
                r.out());
    }

    @Test
    void badFirewallUsageExitsTwoWithOneLine() {
        CliRun r = CliRun.of("firewall", "--source", "10.0.0.1/8");
        assertEquals(2, r.exitCode());
        assertEquals("murder: firewall: source '10.0.0.1/8' (expected: no host bits set after /8, like 10.0.0.0/8)\n", r.err());
    }
}
