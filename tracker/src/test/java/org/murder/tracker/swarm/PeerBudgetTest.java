package org.murder.tracker.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class PeerBudgetTest {
    private static InetAddress ip(int last) throws Exception {
        return InetAddress.getByAddress(new byte[] {10, 0, 0, (byte) last});
    }

    private static void take(PeerBudget budget, InetAddress source, int places) {
        for (int i = 0; i < places; i++) {
            budget.tryTake(source);
        }
    }

    @Test
    void aSourceHoldingAtLeastTwoMoreIsFoundAndFoundAgainUntilItHoldsTooFew() throws Exception {
        PeerBudget budget = new PeerBudget(100);
        InetAddress a = ip(1);
        InetAddress b = ip(2);
        InetAddress c = ip(3);
        take(budget, a, 5);
        take(budget, b, 1);
        assertEquals(a, budget.biggerThan(b));
        take(budget, c, 4); // not more than a: a is still the one
        assertEquals(a, budget.biggerThan(b));
        for (int i = 0; i < 3; i++) {
            budget.release(a); // a holds 2: one more than b, no longer enough
        }
        assertEquals(c, budget.biggerThan(b), "the next biggest, found by looking at every source again");
        assertNull(budget.biggerThan(c), "no one holds two more than the biggest");
        take(budget, b, 2);
        assertNull(budget.biggerThan(b), "b holds 3, c 4: one more is not enough");
    }
}
