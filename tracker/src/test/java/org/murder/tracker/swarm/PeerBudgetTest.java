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
    void theBiggestIsFoundEvenWhenAnotherSourceGrewPastTheOneFoundBefore() throws Exception {
        PeerBudget budget = new PeerBudget(10_000);
        InetAddress fleet = ip(1);
        InetAddress flooder = ip(2);
        InetAddress newcomer = ip(3);
        take(budget, fleet, 50);
        assertEquals(fleet, budget.biggerThan(newcomer));
        for (int i = 0; i < 40; i++) {
            budget.release(fleet); // the fleet's deploy ended
        }
        take(budget, flooder, 90);
        assertEquals(flooder, budget.biggerThan(newcomer), "the flooder, not the fleet found the last time");
        budget.transfer(flooder, newcomer);
        assertEquals(flooder, budget.biggerThan(newcomer));
    }

    @Test
    void countsFollowRandomTakesReleasesAndTransfersAsAScanWould() throws Exception {
        PeerBudget budget = new PeerBudget(1_000_000);
        java.util.Map<InetAddress, Integer> held = new java.util.HashMap<>();
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 20_000; i++) {
            InetAddress a = ip(1 + random.nextInt(12));
            InetAddress b = ip(1 + random.nextInt(12));
            int op = random.nextInt(3);
            if (op == 0) {
                budget.tryTake(a);
                held.merge(a, 1, Integer::sum);
            } else if (op == 1 && held.getOrDefault(a, 0) > 0) {
                budget.release(a);
                held.merge(a, -1, Integer::sum);
            } else if (op == 2 && held.getOrDefault(a, 0) > 0) {
                budget.transfer(a, b);
                held.merge(a, -1, Integer::sum);
                held.merge(b, 1, Integer::sum);
            }
            int most = held.values().stream().mapToInt(Integer::intValue).max().orElse(0);
            InetAddress found = budget.biggerThan(b);
            if (most >= held.getOrDefault(b, 0) + 2) {
                assertEquals(most, held.get(found), "step " + i + ": a source holding the most");
            } else {
                assertNull(found, "step " + i);
            }
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
        assertEquals(c, budget.biggerThan(b), "the next biggest");
        assertNull(budget.biggerThan(c), "no one holds two more than the biggest");
        take(budget, b, 2);
        assertNull(budget.biggerThan(b), "b holds 3, c 4: one more is not enough");
    }
}
