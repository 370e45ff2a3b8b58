package org.murder.firewall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.murder.core.PortRange;

class RuleSetTest {
    @Test
    void oneRulePerServiceAndSourceInOrder() {
        RuleSet rules = RuleSet.of(new PortRange(6881, 6889), 8998, 2181, List.of(Source.parse("10.0.0.0/8"), Source.parse("fd00::/8")));
        assertEquals(List.of("murder tracker from 10.0.0.0/8", "murder tracker from fd00::/8", "murder peers from 10.0.0.0/8",
                "murder peers from fd00::/8", "murder zookeeper from 10.0.0.0/8", "murder zookeeper from fd00::/8"),
                rules.rules().stream().map(Rule::comment).toList());
        assertEquals("the tracker (8998), the peers (6881-6889) and the zookeeper (2181) from 10.0.0.0/8, fd00::/8", rules.describe());
    }

    @Test
    void fromAnywhereWithoutSources() {
        RuleSet rules = RuleSet.of(new PortRange(7000, 7001), 9000, null, List.of());
        assertEquals(List.of("murder tracker", "murder peers"), rules.rules().stream().map(Rule::comment).toList());
        assertEquals("the tracker (9000) and the peers (7000-7001) from anywhere", rules.describe());
    }

    @Test
    void portsMustNotOverlapOrLeaveTheRange() {
        assertEquals("tracker port 6885 overlaps peers port 6881-6889 (expected: separate ports)",
                assertThrows(IllegalArgumentException.class, () -> RuleSet.of(new PortRange(6881, 6889), 6885, null, List.of())).getMessage());
        assertEquals("zookeeper port 70000 (expected: 1 to 65535)",
                assertThrows(IllegalArgumentException.class, () -> RuleSet.of(new PortRange(6881, 6889), 8998, 70000, List.of())).getMessage());
        assertEquals("tracker port 8998 overlaps zookeeper port 8998 (expected: separate ports)",
                assertThrows(IllegalArgumentException.class, () -> RuleSet.of(new PortRange(6881, 6889), 8998, 8998, List.of())).getMessage());
    }
}
