package org.murder.orchestrator.agent;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RejectionBudgetTest {
    @Test
    void atMostFiveInAnyMinute() {
        RejectionBudget budget = new RejectionBudget();
        for (int i = 0; i < RejectionBudget.PER_MINUTE; i++) {
            assertTrue(budget.allow(1_000 + i * 1_000L), "report " + i);
        }
        assertFalse(budget.allow(6_000), "a sixth within the minute");
        assertFalse(budget.allow(60_999), "still within a minute of the first");
        assertTrue(budget.allow(61_000), "the first has left the window");
        assertFalse(budget.allow(61_001), "and only one slot came free");
    }
}
