package org.murder.tracker.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SourcesTest {
    private static InetAddress source(int i) throws Exception {
        return InetAddress.getByAddress(new byte[] {10, 0, 0, (byte) i});
    }

    /** How many places the source that {@code displaceable} hands out holds; 0 when none. */
    private static int displaceableCount(Sources<Integer> sources, InetAddress newcomer) {
        int n = 0;
        for (Integer ignored : sources.displaceable(newcomer)) {
            n++;
        }
        return n;
    }

    @Test
    void theSourceHoldingTheMostIsFoundAsAScanOfEverySourceWouldFindIt() throws Exception {
        Random random = new Random(7);
        Sources<Integer> sources = new Sources<>();
        Map<Integer, Integer> holder = new HashMap<>(); // place -> source index, the model
        for (int step = 0; step < 20_000; step++) {
            int place = random.nextInt(400);
            int who = random.nextInt(12);
            Integer had = holder.get(place);
            switch (random.nextInt(3)) {
                case 0, 1 -> { // hold (or renew; a place held elsewhere moves, as a swarm does)
                    if (had != null && had != who) {
                        sources.release(source(had), place);
                    }
                    sources.hold(source(who), place);
                    holder.put(place, who);
                }
                default -> {
                    if (had != null) {
                        sources.release(source(had), place);
                        holder.remove(place);
                    }
                }
            }
            if (step % 97 == 0 && random.nextInt(50) == 0) {
                sources.clear();
                holder.clear();
            }
            int newcomer = random.nextInt(13);
            int[] counts = new int[13];
            holder.values().forEach(s -> counts[s]++);
            int most = 0;
            for (int c : counts) {
                most = Math.max(most, c);
            }
            int expected = most >= counts[newcomer] + 2 ? most : 0;
            assertEquals(expected, displaceableCount(sources, source(newcomer)), "step " + step);
            assertEquals(counts[newcomer], sources.held(source(newcomer)), "step " + step);
        }
    }

    @Test
    void theStalestPlaceOfTheBiggestSourceComesFirst() throws Exception {
        Sources<Integer> sources = new Sources<>();
        for (int p = 1; p <= 3; p++) {
            sources.hold(source(1), p);
        }
        sources.hold(source(1), 1); // renewed: now the freshest
        List<Integer> order = new ArrayList<>();
        sources.displaceable(source(2)).forEach(order::add);
        assertEquals(List.of(2, 3, 1), order);
    }
}
