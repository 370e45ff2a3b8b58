package org.murder.tracker.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.murder.core.InfoHash;
import org.murder.core.PeerId;
import org.murder.core.RackName;
import org.murder.testkit.MutableClock;
import org.murder.tracker.TrackerClient;

/** Racks through the registry: gateways follow stopped events, expiry, rack changes and a restart. */
class SwarmRacksTest {
    private static final InfoHash IH = InfoHash.of(TrackerClient.id20(1));
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final MutableClock clock = MutableClock.fixture();
    private final SwarmRegistry registry = registry();

    private SwarmRegistry registry() {
        return new SwarmRegistry(clock, new SwarmSettings(TIMEOUT, Duration.ofMinutes(10), 10, 100, 1000, 2), n -> 0);
    }

    private static Announce announce(int peer, String rack, Event event) {
        try {
            return new Announce(IH, PeerId.of(TrackerClient.id20(100 + peer)), InetAddress.getByAddress(new byte[] {10, 0, 0, (byte) peer}),
                    6000 + peer, 0, 0, 100, event, 50, Optional.ofNullable(rack).map(RackName::new));
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private Set<Integer> peersFor(int peer, String rack) {
        return registry.announce(announce(peer, rack, Event.NONE)).peers().stream().map(p -> p.port() - 6000)
                .collect(Collectors.toSet());
    }

    /** Rack a: 1, 2 (gateways), 3, 4; rack b: 5, 6 (gateways), 7. */
    private void twoRacks() {
        for (int p = 1; p <= 7; p++) {
            registry.announce(announce(p, p <= 4 ? "a" : "b", Event.STARTED));
        }
    }

    /** The last byte of each rack-mate's address, as the announce of {@code peer} lists them. */
    private Set<Integer> rackMatesOf(int peer, String rack) {
        return registry.announce(announce(peer, rack, Event.NONE)).rackMates().stream().map(a -> a.getAddress()[3] & 0xff)
                .collect(Collectors.toSet());
    }

    @Test
    void eachPeerIsToldTheAddressesOfItsRacksOtherLivePeersAndNoneWithoutARack() {
        twoRacks();
        registry.announce(announce(8, null, Event.STARTED)); // the origin: no rack
        assertEquals(Set.of(1, 2, 4), rackMatesOf(3, "a"), "its own rack's, gateways or not, never itself");
        assertEquals(Set.of(5, 6), rackMatesOf(7, "b"));
        assertEquals(Set.of(), rackMatesOf(8, null), "a peer that gave no rack is told none");
        registry.announce(announce(1, "a", Event.STOPPED));
        clock.advance(TIMEOUT.plusSeconds(1)); // 2 and 4 go quiet; 3 announces again
        assertEquals(Set.of(), rackMatesOf(3, "a"), "peers that stopped or went quiet are not named");
    }

    /**
     * One address announced made-up members of rack a (ports where nothing listens) before any real
     * host: gateways by arrival alone were all its, and rack a's hosts, handed only their rack, never
     * reached the origin (no data from any peer). One source holds one gateway while others have members.
     */
    @Test
    void madeUpMembersFromOneAddressHoldOneGatewayNotTheWholeRack() throws Exception {
        InetAddress hostile = InetAddress.getByAddress(new byte[] {10, 0, 0, 99});
        for (int i = 0; i < 4; i++) {
            registry.announce(new Announce(IH, PeerId.of(TrackerClient.id20(300 + i)), hostile, 7000 + i, 0, 0, 100, Event.STARTED, 50,
                    Optional.of(new RackName("a"))));
        }
        registry.announce(announce(8, null, Event.STARTED)); // the origin: no rack
        for (int p = 1; p <= 3; p++) {
            registry.announce(announce(p, "a", Event.STARTED));
        }
        assertEquals(true, peersFor(1, "a").contains(8), "host 1 is a gateway (with one made-up member) and is handed the origin");
        assertEquals(true, peersFor(3, "a").contains(1), "the rack's other hosts are handed host 1");
        assertEquals(false, peersFor(2, "a").contains(8), "host 2 is not a gateway: 2 a rack here");
    }

    @Test
    void aGatewayThatAnnouncesStoppedIsReplacedAtOnce() {
        twoRacks();
        assertEquals(Set.of(1, 2, 3), peersFor(4, "a"));
        registry.announce(announce(1, "a", Event.STOPPED));
        assertEquals(Set.of(2, 4, 5, 6), peersFor(3, "a"), "3 is a gateway now");
        assertEquals(Set.of(2, 3, 5, 7), peersFor(6, "b"), "and rack b is handed it");
    }

    @Test
    void aGatewayThatFallsSilentIsReplacedWhenItsLeaseEnds() {
        twoRacks();
        clock.advance(TIMEOUT.minusSeconds(1));
        for (int p = 2; p <= 7; p++) {
            registry.announce(announce(p, p <= 4 ? "a" : "b", Event.NONE));
        }
        assertEquals(Set.of(1, 2, 3), peersFor(4, "a"), "1 is still a gateway within its lease");
        clock.advance(Duration.ofSeconds(2));
        assertEquals(Set.of(2, 4, 5, 6), peersFor(3, "a"), "past it, 3 replaces 1");
    }

    @Test
    void aPeerThatChangesRackJoinsTheNewRackLast() {
        twoRacks();
        registry.announce(announce(1, "b", Event.NONE));
        assertEquals(Set.of(2, 3), peersFor(4, "a"), "a's gateways are 2 and 3 now");
        assertEquals(Set.of(5, 6, 1), peersFor(7, "b"), "1 joined b after 7: not a gateway of b");
        registry.announce(announce(2, null, Event.NONE));
        assertEquals(Set.of(2, 4, 5, 6), peersFor(3, "a"), "2 left the racks: a gateway, 3, is handed it as the outside");
    }

    @Test
    void aRestoredSwarmKeepsItsGateways() {
        twoRacks();
        SwarmRegistry restarted = registry();
        registry.snapshot().forEach(restarted::restore);
        Set<Integer> handed = restarted.announce(announce(4, "a", Event.NONE)).peers().stream().map(p -> p.port() - 6000)
                .collect(Collectors.toSet());
        assertEquals(Set.of(1, 2, 3), handed);
        Set<Integer> forGateway = restarted.announce(announce(5, "b", Event.NONE)).peers().stream().map(p -> p.port() - 6000)
                .collect(Collectors.toSet());
        assertEquals(Set.of(1, 2, 6, 7), forGateway);
    }
}
