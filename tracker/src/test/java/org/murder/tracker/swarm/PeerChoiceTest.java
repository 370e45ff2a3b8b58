package org.murder.tracker.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.murder.core.PeerId;
import org.murder.core.RackName;
import org.murder.tracker.TrackerClient;
import org.murder.tracker.swarm.PeerList.Slot;

/**
 * The peer choice on hand-built swarms: peer N is 10.0.0.N:6000+N, joined in the order added, and
 * every list is read from offset 0, so the expected lists are exact.
 */
class PeerChoiceTest {
    private static final long NOW = 1_000_000;
    private static final long EXPIRED_BEFORE = NOW - 60_000;

    private final PeerList seeders = new PeerList();
    private final PeerList leechers = new PeerList();
    private final Racks racks = new Racks();
    private final Map<Integer, Slot> slots = new HashMap<>();
    private long arrivals;
    private final PeerChoice choice = new PeerChoice(2, n -> 0);

    private Slot add(int peer, String rack, boolean seeder) {
        return add(peer, rack, seeder, NOW);
    }

    private Slot add(int peer, String rack, boolean seeder, long lastSeen) {
        PeerEntry e = entry(peer, rack, seeder, lastSeen);
        Slot s = new Slot(e, arrivals++, e.address());
        (seeder ? seeders : leechers).add(s.place);
        racks.add(s);
        slots.put(peer, s);
        return s;
    }

    private static PeerEntry entry(int peer, String rack, boolean seeder, long lastSeen) {
        try {
            return new PeerEntry(PeerId.of(TrackerClient.id20(100 + peer)), InetAddress.getByAddress(new byte[] {10, 0, 0, (byte) peer}),
                    6000 + peer, 0, 0, seeder ? 0 : 100, false, lastSeen, Optional.ofNullable(rack).map(RackName::new));
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private void remove(int peer) {
        Slot s = slots.remove(peer);
        s.place.list.remove(s.place);
        racks.remove(s);
    }

    private List<Integer> chosenFor(int peer, int want) {
        return choice.choose(slots.get(peer), want, EXPIRED_BEFORE, seeders, leechers, racks, slots.size()).stream()
                .map(p -> p.port() - 6000).toList();
    }

    private List<Integer> chosenFor(int peer) {
        return chosenFor(peer, 50);
    }

    @Test
    void noSourceFillsMoreThanItsShareWhileOtherSourcesArePassedOver() throws Exception {
        InetAddress flooder = InetAddress.getByName("10.66.0.1");
        for (int p = 100; p < 200; p++) { // read first: 100 seeders announced by one client
            PeerEntry e = entry(p, null, true, NOW);
            Slot s = new Slot(e, arrivals++, flooder);
            seeders.add(s.place);
            slots.put(p, s);
        }
        add(9, null, true); // the origin
        for (int p = 1; p <= 4; p++) {
            add(p, null, false);
        }
        // 6 sources, 20 wanted: at most 4 of the flooder's in the first reading, then the room left
        List<Integer> chosen = choice.choose(slots.get(1), 20, EXPIRED_BEFORE, seeders, leechers, racks, 6).stream()
                .map(p -> p.port() - 6000).toList();
        assertEquals(List.of(100, 101, 102, 103, 9, 2, 3, 4, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115), chosen);
        // one source for everyone (a fleet behind one address): the answer as before
        assertEquals(List.of(100, 101, 102, 103, 104), choice.choose(slots.get(1), 5, EXPIRED_BEFORE, seeders, leechers, racks, 1)
                .stream().map(p -> p.port() - 6000).toList());
    }

    /** Two racks of four (gateways: 1, 2 in a; 5, 6 in b) and the origin, 9, a seeder without a rack. */
    private void twoRacksAndAnOrigin() {
        for (int p = 1; p <= 8; p++) {
            add(p, p <= 4 ? "a" : "b", false);
        }
        add(9, null, true);
    }

    @Test
    void withoutRacksALeecherGetsSeedersFirstAndASeederOnlyLeechers() {
        add(1, null, false);
        add(2, null, true);
        add(3, null, false);
        add(4, null, true);
        assertEquals(List.of(2, 4, 3), chosenFor(1));
        assertEquals(List.of(1, 3), chosenFor(2));
        assertEquals(List.of(2), chosenFor(1, 1), "numwant is honoured");
        assertEquals(List.of(), chosenFor(1, 0));
    }

    @Test
    void aMemberThatIsNoGatewayGetsItsRacksGatewaysThenItsRackOnly() {
        twoRacksAndAnOrigin();
        assertEquals(List.of(1, 2, 4), chosenFor(3));
        assertEquals(List.of(5, 6, 8), chosenFor(7));
        assertEquals(List.of(1, 2), chosenFor(3, 2), "the gateways come first when numwant is short");
    }

    @Test
    void aGatewayAlsoGetsTheOriginAndTheOtherRacksGateways() {
        twoRacksAndAnOrigin();
        assertEquals(List.of(2, 9, 5, 6, 3, 4), chosenFor(1));
        assertEquals(List.of(5, 9, 1, 2, 7, 8), chosenFor(6));
    }

    @Test
    void aGatewayIsLeftRoomForItsOwnRackUpToHalfItsList() {
        for (int p = 1; p <= 16; p++) {
            add(p, p <= 8 ? "a" : p <= 12 ? "b" : "c", false);
        }
        add(20, null, true);
        // no one else names rack a's members to its gateway 1: before, it got [2, 20, 9, 10, 13, 14] and knew no rack-mate
        // but its fellow gateway; now the other racks fill the list up to half of it less the rack's gateways
        assertEquals(List.of(2, 20, 9, 10, 3, 4), chosenFor(1, 6));
        assertEquals(List.of(2, 20, 9, 10, 13, 14, 3, 4, 5, 6), chosenFor(1, 10));
        assertEquals(List.of(1, 2, 4, 5, 6, 7), chosenFor(3, 6), "a member that is no gateway: as before, its rack only");
    }

    @Test
    void roomItsRackCannotFillGoesToTheOtherRacks() {
        add(1, "a", false);
        add(2, "a", false);
        for (int p = 3; p <= 8; p++) {
            add(p, "a", false, EXPIRED_BEFORE - 1); // silent past the peer timeout: counted in the rack, never handed out
        }
        for (int p = 9; p <= 16; p++) {
            add(p, p <= 12 ? "b" : "c", false);
        }
        add(20, null, true);
        assertEquals(List.of(2, 20, 9, 10, 13, 14), chosenFor(1, 6), "before, [2, 20, 9, 10]: the room held for 3-8 stayed empty");
    }

    @Test
    void peersWithoutARackGetEachOtherAndEveryRacksGateways() {
        twoRacksAndAnOrigin();
        add(10, null, false); // a standard client
        Set<Integer> forOrigin = Set.copyOf(chosenFor(9));
        assertEquals(Set.of(1, 2, 5, 6, 10), forOrigin);
        List<Integer> forClient = chosenFor(10);
        assertEquals(9, forClient.get(0), "a leecher gets the seeders without a rack first");
        assertEquals(Set.of(9, 1, 2, 5, 6), Set.copyOf(forClient));
    }

    @Test
    void aSeederIsHandedNoSeedersWithRacksEither() {
        twoRacksAndAnOrigin();
        add(10, "a", true);
        add(11, "a", true);
        assertEquals(List.of(1, 2, 3, 4), chosenFor(10), "its rack's leechers; not 11, not the origin");
        assertTrue(chosenFor(3).containsAll(List.of(10, 11)), "a leecher gets its rack's seeders");
    }

    @Test
    void aGatewayThatStopsIsReplacedByTheNextMemberToArrive() {
        twoRacksAndAnOrigin();
        remove(1);
        assertEquals(List.of(2, 9, 5, 6, 4), chosenFor(3), "3 is a gateway now: the origin and rack b's gateways");
        assertEquals(List.of(2, 3), chosenFor(4, 2), "4 is handed the new gateways first");
        assertEquals(List.of(5, 9, 2, 3, 7, 8), chosenFor(6), "other racks are handed the new gateway");
    }

    /**
     * A gateway killed without a word (no stopped) is live until the peer timeout, and its rack's other hosts, handed the
     * rack and its gateways only, found no way out for as long: members seen recently are the gateways first.
     */
    @Test
    void aGatewayThatFellSilentIsReplacedBeforeItExpires() {
        assertEquals(Duration.ofSeconds(45), SwarmSettings.gatewayFresh(Duration.ofSeconds(30), Duration.ofMinutes(1)),
                "an interval and a half, whatever the peer timeout: members that missed no announce are all fresh");
        assertEquals(Duration.ofMinutes(1), SwarmSettings.gatewayFresh(Duration.ofSeconds(50), Duration.ofMinutes(1)),
                "never past the peer timeout");
        long fresh = NOW - SwarmSettings.gatewayFresh(Duration.ofSeconds(15), Duration.ofMinutes(1)).toMillis(); // 22.5 s
        add(1, "a", false, fresh - 1); // the earliest member, silent for longer than 1.5 intervals: killed, probably
        for (int p = 2; p <= 4; p++) {
            add(p, "a", false);
        }
        add(5, "b", false);
        add(6, "b", false);
        add(9, null, true);
        List<Integer> forFour = choice.choose(slots.get(4), 2, EXPIRED_BEFORE, fresh, seeders, leechers, racks, slots.size())
                .stream().map(p -> p.port() - 6000).toList();
        assertEquals(List.of(2, 3), forFour, "2 and 3 are the gateways now");
        assertEquals(List.of(1, 2), chosenFor(4, 2), "without the preference, 1 still was");
        List<Integer> forFive = choice.choose(slots.get(5), 50, EXPIRED_BEFORE, fresh, seeders, leechers, racks, slots.size())
                .stream().map(p -> p.port() - 6000).toList();
        assertTrue(forFive.containsAll(List.of(2, 3)) && !forFive.contains(1), "other racks are handed them: " + forFive);
    }

    @Test
    void aGatewayThatExpiredIsReplacedAtOnceAndNeverHandedOut() {
        add(1, "a", false, EXPIRED_BEFORE - 1); // the earliest member, silent past the peer timeout
        for (int p = 2; p <= 4; p++) {
            add(p, "a", false);
        }
        add(5, "b", false);
        add(6, "b", false);
        assertEquals(List.of(3, 5, 6, 4), chosenFor(2), "2 and 3 are the gateways; 1 is not handed out");
        assertEquals(List.of(2, 3), chosenFor(4));
    }

    @Test
    void aLoneRackMemberIsItsRacksGateway() {
        twoRacksAndAnOrigin();
        add(10, "c", false);
        List<Integer> alone = chosenFor(10);
        assertEquals(9, alone.get(0), "the origin first");
        assertEquals(Set.of(9, 1, 2, 5, 6), Set.copyOf(alone), "and the other racks' gateways: not their other hosts");
        add(11, "c", false);
        List<Integer> second = chosenFor(11);
        assertEquals(List.of(10, 9), second.subList(0, 2), "with a second member, rack c has two gateways: 10, then the origin");
        assertEquals(Set.of(10, 9, 1, 2, 5, 6), Set.copyOf(second), "and the gateways of a and b");
    }

    @Test
    void aMemberWhoseRackMatesAllExpiredIsItsRacksGateway() {
        add(1, "a", false, EXPIRED_BEFORE - 1);
        add(2, "a", false);
        for (int p = 3; p <= 5; p++) {
            add(p, "b", false);
        }
        assertEquals(List.of(3, 4), chosenFor(2), "b's gateways, not 5");
    }

    @Test
    void noPeerIsHandedOutTwiceNorToItself() {
        twoRacksAndAnOrigin();
        for (int p = 1; p <= 9; p++) {
            List<Integer> chosen = chosenFor(p);
            assertEquals(chosen.size(), Set.copyOf(chosen).size(), "peer " + p + ": " + chosen);
            assertTrue(!chosen.contains(p), "peer " + p + ": " + chosen);
        }
    }

    @Test
    void crossRackPeersGoOnlyToGatewaysAndTheOutside() {
        for (int p = 1; p <= 40; p++) {
            add(p, "r" + (p % 4), false);
        }
        add(41, null, true);
        Set<Integer> gateways = Set.of(1, 2, 3, 4, 5, 6, 7, 8);
        for (int p = 1; p <= 40; p++) {
            int peer = p;
            Set<Integer> otherRacks = chosenFor(p).stream().filter(q -> q == 41 || q % 4 != peer % 4).collect(Collectors.toSet());
            if (gateways.contains(p)) {
                assertEquals(7, otherRacks.size(), "gateway " + p + " gets the origin and 6 gateways: " + otherRacks);
                assertTrue(gateways.containsAll(otherRacks.stream().filter(q -> q != 41).toList()));
            } else {
                assertEquals(Set.of(), otherRacks, "member " + p);
            }
        }
    }

    @Test
    void atLeastOneGatewayPerRack() {
        assertThrows(IllegalArgumentException.class, () -> new PeerChoice(0, n -> 0));
    }
}
