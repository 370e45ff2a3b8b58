package org.murder.firewall;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.murder.core.PortRange;

class ShadowingTest {
    private static final RuleSet DEFAULTS = RuleSet.of(new PortRange(6881, 6889), 8998, null, List.of());

    @Test
    void iptablesRulesThatDropEveryPacketToOurPorts() {
        for (String line : List.of("-A INPUT -j DROP", "-A INPUT -p tcp -j REJECT --reject-with tcp-reset",
                "-A INPUT -p tcp -m tcp --dport 6885 -j DROP", "-A INPUT -p tcp -m tcp --dport 6000:7000 -j DROP",
                "-A INPUT -p tcp -m multiport --dports 22,8998 -m comment --comment \"no tracker here\" -j DROP",
                "-A INPUT -p all -j DROP", "-A INPUT -p 6 -m tcp --dport 6889 -j REJECT")) {
            assertTrue(Shadowing.iptables(line, DEFAULTS), line);
        }
    }

    @Test
    void iptablesRulesThatMatchLessOrKeepAreLeftAlone() {
        for (String line : List.of("-A INPUT -s 10.1.2.3/32 -j DROP", "-A INPUT -i eth1 -j DROP", "-A INPUT -p udp -j DROP",
                "-A INPUT -p tcp -m tcp --dport 22 -j DROP", "-A INPUT -p tcp -m tcp ! --dport 6881 -j DROP",
                "-A INPUT -m conntrack --ctstate INVALID -j DROP", "-A INPUT -p tcp -m multiport --dports 6881:6889 -j f2b-murder",
                "-A INPUT -p tcp -m tcp --dport 6881 -j ACCEPT", "-A INPUT -j LOG", "-A INPUT -p tcp -m tcp --dport x -j DROP",
                "-N INPUT", "-A INPUT -j", "")) {
            assertFalse(Shadowing.iptables(line, DEFAULTS), line);
        }
    }

    @Test
    void nftRulesThatDropEveryPacketToOurPorts() {
        for (String text : List.of("drop", "reject", "reject with tcp reset", "tcp dport 6881 drop", "tcp dport 6000-7000 drop",
                "tcp dport { 22, 8998 } counter packets 3 bytes 180 drop", "meta l4proto tcp drop",
                "tcp dport 8998 drop comment \"no \\\"tracker\\\" here\"")) {
            assertTrue(Shadowing.nft(text, DEFAULTS), text);
        }
    }

    @Test
    void nftRulesThatMatchLessOrKeepAreLeftAlone() {
        for (String text : List.of("ip saddr 10.1.2.3 drop", "iif \"eth1\" drop", "udp dport 6881 drop", "tcp dport 22 drop",
                "tcp dport != 6881 drop", "ct state invalid drop", "tcp dport 6881 accept", "jump f2b", "ct state established,related accept",
                "meta l4proto udp drop", "tcp dport { 22, 80 } drop")) {
            assertFalse(Shadowing.nft(text, DEFAULTS), text);
        }
    }
}
