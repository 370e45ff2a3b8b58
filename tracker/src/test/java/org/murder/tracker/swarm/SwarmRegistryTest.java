package org.murder.tracker.swarm;

import org.murder.testkit.MutableClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.murder.core.InfoHash;
import org.murder.core.PeerId;
import org.murder.tracker.TrackerClient;

class SwarmRegistryTest {
    private static final InfoHash IH = InfoHash.of(TrackerClient.id20(1));
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final MutableClock clock = MutableClock.fixture();
    private SwarmRegistry registry = registry(10, 100, 1000);

    private SwarmRegistry registry(int maxSwarms, int maxPerSwarm, int maxPeers) {
        return new SwarmRegistry(clock, new SwarmSettings(TIMEOUT, Duration.ofMinutes(10), maxSwarms, maxPerSwarm, maxPeers));
    }

    private static Announce announce(InfoHash ih, int peer, long left, Event event, int numwant) {
        try {
            return new Announce(ih, PeerId.of(TrackerClient.id20(100 + peer)), InetAddress.getByAddress(new byte[] {10, 0, (byte) (peer >> 8), (byte) peer}),
                    6000 + peer, 0, 0, left, event, numwant);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private AnnounceResult announce(int peer, long left) {
        return registry.announce(announce(IH, peer, left, Event.NONE, 50));
    }

    private static Set<Integer> ports(AnnounceResult r) {
        return r.peers().stream().map(PeerEntry::port).collect(Collectors.toSet());
    }

    @Test
    void aPeerNeverReceivesItself() {
        AnnounceResult first = registry.announce(announce(IH, 1, 100, Event.STARTED, 50));
        assertEquals(List.of(), first.peers());
        assertEquals(1, first.incomplete());
        announce(2, 100);
        assertEquals(Set.of(6002), ports(announce(1, 100)));
        assertEquals(Set.of(6001), ports(announce(2, 100)));
    }

    @Test
    void aPeerRestartedWithANewIdDoesNotReceiveItsOldSelf() throws Exception {
        announce(1, 100);
        Announce again = new Announce(IH, PeerId.of(TrackerClient.id20(999)), InetAddress.getByName("10.0.0.1"), 6001, 0, 0,
                100, Event.STARTED, 50);
        assertEquals(List.of(), registry.announce(again).peers());
    }

    @Test
    void leechersGetSeedersFirst() {
        for (int p = 1; p <= 20; p++) {
            announce(p, 100);
        }
        announce(21, 0);
        announce(22, 0);
        for (int round = 0; round < 20; round++) {
            AnnounceResult r = registry.announce(announce(IH, 1, 100, Event.NONE, 3));
            assertEquals(3, r.peers().size());
            assertEquals(Set.of(6021, 6022), ports(new AnnounceResult(0, 0, 0, r.peers().subList(0, 2))),
                    "both seeders come before any leecher");
            assertFalse(r.peers().get(2).isSeeder());
            assertEquals(2, r.complete());
            assertEquals(20, r.incomplete());
        }
    }

    @Test
    void seedersGetOnlyLeechers() {
        announce(1, 0);
        announce(2, 0);
        announce(3, 100);
        assertEquals(Set.of(6003), ports(announce(1, 0)));
    }

    @Test
    void numwantBoundsThePeersAndZeroMeansNone() {
        for (int p = 1; p <= 30; p++) {
            announce(p, 100);
        }
        assertEquals(10, registry.announce(announce(IH, 31, 100, Event.NONE, 10)).peers().size());
        assertEquals(0, registry.announce(announce(IH, 31, 100, Event.NONE, 0)).peers().size());
        assertEquals(30, registry.announce(announce(IH, 31, 100, Event.NONE, 200)).peers().size());
    }

    @Test
    void randomOffsetsSpreadPeersOverTheSwarm() {
        for (int p = 1; p <= 50; p++) {
            announce(p, 100);
        }
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            seen.addAll(ports(registry.announce(announce(IH, 51, 100, Event.NONE, 5))));
        }
        assertTrue(seen.size() > 25, "handed out " + seen.size() + " distinct peers");
    }

    @Test
    void stoppedRemovesThePeerAndCreatesNoSwarm() {
        announce(1, 100);
        announce(2, 100);
        AnnounceResult r = registry.announce(announce(IH, 2, 100, Event.STOPPED, 50));
        assertEquals(List.of(), r.peers());
        assertEquals(1, r.incomplete());
        assertEquals(1, registry.peerCount());
        InfoHash other = InfoHash.of(TrackerClient.id20(2));
        registry.announce(announce(other, 1, 100, Event.STOPPED, 50));
        assertFalse(registry.contains(other));
    }

    @Test
    void completedIsCountedOncePerPeerAndMakesASeeder() {
        announce(1, 100);
        AnnounceResult r = registry.announce(announce(IH, 1, 0, Event.COMPLETED, 50));
        assertEquals(1, r.downloaded());
        assertEquals(1, r.complete());
        assertEquals(0, r.incomplete());
        registry.announce(announce(IH, 1, 0, Event.COMPLETED, 50));
        announce(1, 0);
        assertEquals(new ScrapeStats(1, 0, 1), registry.scrape(IH));
        registry.announce(announce(IH, 2, 0, Event.COMPLETED, 50));
        assertEquals(new ScrapeStats(2, 0, 2), registry.scrape(IH));
    }

    @Test
    void aKnownLeecherReportingNothingLeftCountsAsCompletedEvenWithoutTheEvent() {
        announce(1, 100);
        announce(1, 0);
        assertEquals(new ScrapeStats(1, 0, 1), registry.scrape(IH));
        announce(2, 100);
        registry.announce(announce(IH, 2, 0, Event.STOPPED, 50));
        assertEquals(new ScrapeStats(1, 0, 2), registry.scrape(IH), "finished and stopped in one announce");
        announce(3, 0);
        assertEquals(2, registry.scrape(IH).downloaded(), "a peer that starts as a seed downloaded nothing");
    }

    @Test
    void silentPeersExpireAfterThePeerTimeout() {
        announce(1, 100);
        announce(2, 0);
        clock.advance(Duration.ofSeconds(59));
        announce(2, 0);
        assertTrue(ports(announce(3, 100)).contains(6001), "peer 1 was silent for only 59 s");
        clock.advance(Duration.ofSeconds(2));
        AnnounceResult r = announce(3, 100);
        assertEquals(Set.of(6002), ports(r), "peer 1 was silent for 61 s");
        assertEquals(1, r.complete());
        assertEquals(1, r.incomplete());
        assertEquals(2, registry.peerCount());
    }

    @Test
    void theSweepExpiresPeersWithoutAnnouncesAndForgetsIdleEmptySwarms() {
        announce(1, 100);
        announce(2, 0);
        clock.advance(Duration.ofSeconds(61));
        assertEquals(2, registry.sweep());
        assertEquals(0, registry.peerCount());
        assertTrue(registry.contains(IH), "an empty swarm keeps its counters for the swarm timeout");
        clock.advance(Duration.ofMinutes(10));
        registry.sweep();
        assertFalse(registry.contains(IH));
        assertEquals(1, announce(1, 100).incomplete(), "a forgotten swarm starts afresh");
    }

    @Test
    void capsOnSwarmsPeersPerSwarmAndPeersInAll() {
        registry = registry(2, 3, 4);
        registry.announce(announce(InfoHash.of(TrackerClient.id20(1)), 1, 1, Event.NONE, 1));
        registry.announce(announce(InfoHash.of(TrackerClient.id20(2)), 1, 1, Event.NONE, 1));
        CapacityException swarms = assertThrows(CapacityException.class,
                () -> registry.announce(announce(InfoHash.of(TrackerClient.id20(3)), 1, 1, Event.NONE, 1)));
        assertEquals("swarms", swarms.cap());
        assertEquals("tracker is full: 2 swarms (cap --max-swarms)", swarms.getMessage());

        registry.announce(announce(InfoHash.of(TrackerClient.id20(1)), 2, 1, Event.NONE, 1));
        registry.announce(announce(InfoHash.of(TrackerClient.id20(1)), 3, 1, Event.NONE, 1));
        CapacityException perSwarm = assertThrows(CapacityException.class,
                () -> registry.announce(announce(InfoHash.of(TrackerClient.id20(1)), 4, 1, Event.NONE, 1)));
        assertEquals("peers_per_swarm", perSwarm.cap());
        assertEquals("swarm " + InfoHash.of(TrackerClient.id20(1)) + " is full: 3 peers (cap --max-peers-per-swarm)",
                perSwarm.getMessage());
        registry.announce(announce(InfoHash.of(TrackerClient.id20(1)), 3, 1, Event.NONE, 1));  // a known peer still announces

        CapacityException all = assertThrows(CapacityException.class,
                () -> registry.announce(announce(InfoHash.of(TrackerClient.id20(2)), 2, 1, Event.NONE, 1)));
        assertEquals("peers", all.cap());
        registry.announce(announce(InfoHash.of(TrackerClient.id20(1)), 3, 1, Event.STOPPED, 1));
        registry.announce(announce(InfoHash.of(TrackerClient.id20(2)), 2, 1, Event.NONE, 1));
        assertEquals(4, registry.peerCount());
    }

    /** An announce of peer {@code peer} that gives the address 10.9.x.y and comes from {@code source}. */
    private static Announce from(String source, InfoHash ih, int peer) {
        try {
            return new Announce(ih, PeerId.of(TrackerClient.id20(100 + peer)),
                    InetAddress.getByAddress(new byte[] {10, 9, (byte) (peer >> 8), (byte) peer}), 6000 + (peer % 50_000), 0, 0, 1,
                    Event.NONE, 200, java.util.Optional.empty(), InetAddress.getByName(source));
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void oneSourceThatFilledASwarmGivesItsStalestPlacesToPeersFromOtherSources() throws Exception {
        registry = registry(10, 100, 1000);
        for (int p = 1; p <= 100; p++) { // one client names 100 made-up peers (each with an address of its own: ip=)
            registry.announce(from("10.0.0.66", IH, p));
            clock.advance(Duration.ofMillis(10));
        }
        registry.announce(from("10.0.0.66", IH, 1)); // renewed: no longer its stalest
        CapacityException itself = assertThrows(CapacityException.class, () -> registry.announce(from("10.0.0.66", IH, 101)));
        assertEquals("peers_per_swarm", itself.cap(), "a source does not displace itself");

        AnnounceResult real = registry.announce(from("10.0.0.7", IH, 1007));
        assertEquals(100, real.incomplete(), "the real host got in; the swarm stays at its cap");
        assertEquals(1, registry.peersDisplaced());
        Set<Integer> kept = ports(registry.announce(from("10.0.0.7", IH, 1007)));
        assertFalse(kept.contains(6002), "the flooder's stalest (peer 2) went");
        assertTrue(kept.contains(6001), "peer 1, renewed, stayed");

        for (int host = 8; host <= 105; host++) { // 98 more hosts: each takes one of the flooder's places
            registry.announce(from("10.0.1." + host, IH, 1000 + host));
        }
        assertEquals(99, registry.peersDisplaced(), "until the flooder holds one place, as every other source");
        assertEquals(100, registry.scrape(IH).incomplete());
        Set<Integer> left = ports(registry.announce(from("10.0.0.7", IH, 1007)));
        assertEquals(Set.of(6001), left.stream().filter(port -> port < 7000).collect(Collectors.toSet()),
                "the flooder kept its most recently renewed peer");
        CapacityException even = assertThrows(CapacityException.class, () -> registry.announce(from("10.0.2.1", IH, 1200)));
        assertEquals("peers_per_swarm", even.cap(), "every source holds one place: none gives one up");
    }

    @Test
    void theSourceHoldingTheMostGivesUpItsStalestLeecherBeforeItsSeeders() throws Exception {
        registry = registry(10, 3, 1000);
        for (int p = 1; p <= 2; p++) { // the deploy host: its origin seed and its own agent, both complete
            registry.announce(new Announce(IH, PeerId.of(TrackerClient.id20(100 + p)), InetAddress.getByName("10.0.0.5"), 6000 + p,
                    0, 0, 0, Event.NONE, 50, java.util.Optional.empty(), InetAddress.getByName("10.0.0.5")));
        }
        registry.announce(from("10.0.0.5", IH, 3)); // and a third, downloading, the newest of the three
        registry.announce(from("10.0.0.7", IH, 7));
        assertEquals(2, registry.scrape(IH).complete(), "the origin seed stays: the leecher went though it was the newest");
        assertEquals(1, registry.peersDisplaced());
    }

    @Test
    void aSwarmOthersJoinedIsNotRetiredForRoomWhoeverMadeItFirst() {
        registry = registry(2, 100, 1000);
        registry.announce(from("10.0.0.66", InfoHash.of(TrackerClient.id20(1)), 1)); // made first by a client that guessed it
        registry.announce(from("10.0.0.66", InfoHash.of(TrackerClient.id20(2)), 2));
        assertThrows(CapacityException.class, () -> registry.announce(from("10.0.0.66", InfoHash.of(TrackerClient.id20(3)), 3)));
        registry.announce(from("10.0.0.7", InfoHash.of(TrackerClient.id20(1)), 7)); // a real host joins swarm 1
        clock.advance(Duration.ofSeconds(5));
        registry.announce(from("10.0.0.66", InfoHash.of(TrackerClient.id20(2)), 2)); // swarm 2 the more active
        registry.announce(from("10.0.0.8", InfoHash.of(TrackerClient.id20(8)), 8));
        assertTrue(registry.contains(InfoHash.of(TrackerClient.id20(1))), "swarm 1 has a real host: not the flooder's to lose");
        assertFalse(registry.contains(InfoHash.of(TrackerClient.id20(2))), "the flooder's own swarm went, though more active");
    }

    @Test
    void aFullTrackerMakesRoomWhereverTheSourceHoldingTheMostHasPlaces() {
        registry = registry(10, 100, 20);
        for (int p = 1; p <= 20; p++) {
            registry.announce(from("10.0.0.66", IH, p));
        }
        registry.announce(from("10.0.0.7", IH, 1007)); // in the flooder's swarm
        assertEquals(20, registry.peerCount());
        assertEquals(1, registry.peersDisplaced());
        InfoHash release = InfoHash.of(TrackerClient.id20(2));
        for (int host = 8; host <= 25; host++) { // a new release's swarm: the flooder holds nothing there
            registry.announce(from("10.0.1." + host, release, 1000 + host));
        }
        assertEquals(18, registry.scrape(release).incomplete(), "each host got in at the flooder's expense elsewhere");
        assertEquals(20, registry.peerCount());
        assertEquals(1, registry.scrape(IH).incomplete() - 1, "the flooder keeps one place, beside the host of its swarm");
        CapacityException even = assertThrows(CapacityException.class, () -> registry.announce(from("10.0.2.1", release, 1200)));
        assertEquals("peers", even.cap(), "every source holds one place: none gives one up");
        CapacityException itself = assertThrows(CapacityException.class, () -> registry.announce(from("10.0.1.8", release, 1300)));
        assertEquals("peers", itself.cap());
    }

    @Test
    void aPeerIdFromAnotherSourceIsAnotherPeerThatCannotStopOrMoveTheFirst() throws Exception {
        registry.announce(from("10.0.0.66", IH, 1)); // the origin
        registry.announce(from("10.0.0.67", IH, 2));
        PeerId origin = PeerId.of(TrackerClient.id20(101));
        registry.announce(new Announce(IH, origin, InetAddress.getByName("10.0.0.99"), 6001, 0, 0, 1, Event.STOPPED, 50,
                java.util.Optional.empty(), InetAddress.getByName("10.0.0.99"))); // another client names the origin's id
        assertEquals(Set.of(6001), ports(registry.announce(from("10.0.0.67", IH, 2))), "the origin is still handed out");
        registry.announce(new Announce(IH, origin, InetAddress.getByName("10.0.0.99"), 1, 0, 0, 0, Event.NONE, 50,
                java.util.Optional.empty(), InetAddress.getByName("10.0.0.99"))); // and claims to be it, elsewhere
        List<PeerEntry> handed = registry.announce(from("10.0.0.67", IH, 2)).peers();
        assertTrue(handed.stream().anyMatch(p -> p.port() == 6001 && p.address().equals(ip("10.9.0.1"))),
                "the origin where it is: " + handed);
        assertEquals(3, registry.scrape(IH).complete() + registry.scrape(IH).incomplete(), "the other client is a peer of its own");

        registry.announce(new Announce(IH, origin, ip("10.0.0.66"), 6001, 0, 0, 1, Event.STOPPED, 50, java.util.Optional.empty(),
                ip("10.0.0.66"))); // its own source stops it
        assertTrue(registry.announce(from("10.0.0.67", IH, 2)).peers().stream().noneMatch(p -> p.port() == 6001));

        // the origin's place lapsed and another client took its id meanwhile: the origin still gets in
        clock.advance(TIMEOUT.plusSeconds(1));
        registry.announce(new Announce(IH, origin, ip("10.0.0.99"), 1, 0, 0, 0, Event.NONE, 50, java.util.Optional.empty(),
                ip("10.0.0.99")));
        registry.announce(from("10.0.0.67", IH, 2));
        assertTrue(registry.announce(from("10.0.0.66", IH, 1)).peers().stream().anyMatch(p -> p.port() == 6002));
        assertTrue(registry.announce(from("10.0.0.67", IH, 2)).peers().stream()
                .anyMatch(p -> p.port() == 6001 && p.address().equals(ip("10.9.0.1"))));
    }

    /** One machine (or a NAT): a client announcing the origin's id from the origin's own source, with its own port. */
    @Test
    void aPeerIdFromTheSameSourceForAnotherPortCannotStopOrMoveTheFirst() throws Exception {
        InetAddress local = ip("127.0.0.1");
        PeerId origin = PeerId.of(TrackerClient.id20(101));
        registry.announce(new Announce(IH, origin, local, 6001, 0, 0, 0, Event.NONE, 50, java.util.Optional.empty(), local));
        Announce leecher = new Announce(IH, PeerId.of(TrackerClient.id20(102)), local, 6002, 0, 0, 1, Event.NONE, 50,
                java.util.Optional.empty(), local);
        registry.announce(new Announce(IH, origin, local, 7777, 0, 0, 1, Event.STOPPED, 50, java.util.Optional.empty(), local));
        assertEquals(Set.of(6001), ports(registry.announce(leecher)), "the origin's place is not stopped by another port");
        registry.announce(new Announce(IH, origin, local, 7777, 0, 0, 0, Event.NONE, 50, java.util.Optional.empty(), local));
        assertEquals(Set.of(6001, 7777), ports(registry.announce(leecher)), "nor moved: the other port is a peer of its own");
        registry.announce(new Announce(IH, origin, local, 6001, 0, 0, 0, Event.STOPPED, 50, java.util.Optional.empty(), local));
        assertEquals(Set.of(7777), ports(registry.announce(leecher)), "the origin stops itself");
    }

    @Test
    void aSourceThatAnnouncedThousandsOfSeedersDoesNotCrowdTheOriginAndTheHostsOutOfAnswers() {
        flooded(false);
    }

    @Test
    void aSourceThatAnnouncedThousandsOfSeedersAndOneRackDoesNotCrowdThemOutEither() {
        flooded(true); // one rack in the swarm: the rackless hosts are served by the rack rules, with the same shares
    }

    private void flooded(boolean oneFakeWithARack) {
        registry = registry(10, 5000, 10_000);
        for (int p = 1; p <= 3000; p++) { // one client, 3,000 made-up seeders
            Announce fake = from("10.66.0.1", IH, 1000 + p);
            java.util.Optional<org.murder.core.RackName> rack = oneFakeWithARack && p == 1
                    ? java.util.Optional.of(new org.murder.core.RackName("x")) : java.util.Optional.empty();
            registry.announce(new Announce(IH, fake.peerId(), fake.address(), fake.port(), 0, 0, 0, Event.NONE, 0, rack,
                    fake.source()));
        }
        Announce origin = from("10.0.0.1", IH, 1);
        registry.announce(new Announce(IH, origin.peerId(), origin.address(), origin.port(), 0, 0, 0, Event.NONE, 0,
                java.util.Optional.empty(), origin.source()));
        for (int h = 2; h <= 17; h++) { // sixteen hosts
            registry.announce(from("10.0.0." + h, IH, h));
        }
        for (int h = 2; h <= 17; h++) {
            Announce host = from("10.0.0." + h, IH, h);
            List<PeerEntry> handed = registry.announce(new Announce(IH, host.peerId(), host.address(), host.port(), 0, 0, 1,
                    Event.NONE, 50, java.util.Optional.empty(), host.source())).peers();
            Set<Integer> real = handed.stream().map(PeerEntry::port).filter(port -> port <= 6017).collect(Collectors.toSet());
            assertEquals(16, real.size(), "host " + h + " handed the origin and the 15 other hosts: " + real);
            assertEquals(50, handed.size(), "the room left goes to the rest");
            assertEquals(50, handed.stream().distinct().count(), "no peer twice");
        }
    }

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void ipv6SourcesCountByTheirSlash64() {
        registry = registry(10, 10, 1000);
        for (int p = 1; p <= 10; p++) { // one host, ten addresses of its /64
            registry.announce(from("2001:db8:1:2::" + Integer.toHexString(p), IH, p));
        }
        assertThrows(CapacityException.class, () -> registry.announce(from("2001:db8:1:2::ff", IH, 11)));
        registry.announce(from("2001:db8:1:3::1", IH, 12));
        assertEquals(1, registry.peersDisplaced());
    }

    @Test
    void anIpv6SourcePrefixOf128TellsHostsOfOneSlash64Apart() {
        registry = new SwarmRegistry(clock, new SwarmSettings(TIMEOUT, Duration.ofMinutes(10), 10, 10, 1000,
                SwarmSettings.DEFAULT_GATEWAYS_PER_RACK, 128));
        for (int p = 1; p <= 9; p++) { // one flooder with nine places; a host of the same /64 with one
            registry.announce(from("2001:db8:1:2::1", IH, p));
        }
        registry.announce(from("2001:db8:1:2::2", IH, 10));
        registry.announce(from("2001:db8:1:2::3", IH, 11)); // full: the flooder gives one up to its neighbour
        assertEquals(1, registry.peersDisplaced());
        assertTrue(ports(registry.announce(from("2001:db8:1:2::3", IH, 11))).contains(6010), "the neighbour kept its place");
    }

    @Test
    void sourcePrefixesCutAtAnyBit() throws Exception {
        assertEquals(InetAddress.getByName("2001:db8:1:2::"), Sources.key(InetAddress.getByName("2001:db8:1:2:aaaa::1"),
                SwarmSettings.DEFAULT_SOURCE_PREFIX_V6));
        assertEquals(InetAddress.getByName("2001:db8:1:2:aaaa::1"), Sources.key(InetAddress.getByName("2001:db8:1:2:aaaa::1"), 128));
        assertEquals(InetAddress.getByName("2001:db8:1:2:8000::"), Sources.key(InetAddress.getByName("2001:db8:1:2:ffff::1"), 65));
        assertEquals(InetAddress.getByName("2001:d00::"), Sources.key(InetAddress.getByName("2001:dff:1:2::1"), 24));
        assertEquals(InetAddress.getByName("10.1.2.3"), Sources.key(InetAddress.getByName("10.1.2.3"), 48), "IPv4: the address");
        assertThrows(IllegalArgumentException.class, () -> new SwarmSettings(TIMEOUT, TIMEOUT, 1, 1, 1, 1, 31));
    }

    @Test
    void aSourceThatMadeEverySwarmGivesItsLeastActiveToAnotherSourcesNewSwarm() {
        registry = registry(5, 100, 1000);
        for (int i = 1; i <= 5; i++) { // open mode: one client makes up five infohashes
            registry.announce(from("10.0.0.66", InfoHash.of(TrackerClient.id20(i)), i));
            clock.advance(Duration.ofSeconds(1));
        }
        registry.announce(from("10.0.0.66", InfoHash.of(TrackerClient.id20(1)), 1)); // swarm 1 active again
        CapacityException itself = assertThrows(CapacityException.class,
                () -> registry.announce(from("10.0.0.66", InfoHash.of(TrackerClient.id20(6)), 6)));
        assertEquals("swarms", itself.cap());

        registry.announce(from("10.0.0.7", InfoHash.of(TrackerClient.id20(7)), 7));
        assertEquals(5, registry.swarmCount());
        assertEquals(1, registry.swarmsDisplaced());
        assertFalse(registry.contains(InfoHash.of(TrackerClient.id20(2))), "the flooder's least active swarm went");
        assertTrue(registry.contains(InfoHash.of(TrackerClient.id20(1))));
        assertEquals(5, registry.peerCount(), "its peer went with it");

        for (int i = 8; i <= 10; i++) {
            registry.announce(from("10.0.0." + i, InfoHash.of(TrackerClient.id20(i)), i));
        }
        assertEquals(4, registry.swarmsDisplaced(), "until the flooder has one swarm, as every other source");
        assertTrue(registry.contains(InfoHash.of(TrackerClient.id20(1))), "its most active one");
        CapacityException balanced = assertThrows(CapacityException.class,
                () -> registry.announce(from("10.0.0.11", InfoHash.of(TrackerClient.id20(11)), 11)));
        assertEquals("swarms", balanced.cap(), "every source made one swarm: none gives one up");
        assertFalse(registry.contains(InfoHash.of(TrackerClient.id20(11))));
    }

    @Test
    void dropForgetsASwarmAndFreesItsPeers() {
        announce(1, 100);
        announce(2, 100);
        assertEquals(2, registry.drop(IH));
        assertEquals(0, registry.peerCount());
        assertEquals(ScrapeStats.EMPTY, registry.scrape(IH));
    }

    @Test
    void restoreGivesSavedPeersAFreshLease() {
        announce(1, 100);
        registry.announce(announce(IH, 2, 0, Event.COMPLETED, 50));
        List<SwarmSnapshot> saved = registry.snapshot();
        clock.advance(Duration.ofMinutes(30));
        SwarmRegistry fresh = registry(10, 100, 1000);
        assertEquals(2, fresh.restore(saved.get(0)));
        assertEquals(new ScrapeStats(1, 1, 1), fresh.scrape(IH));
        fresh.announce(new Announce(IH, PeerId.of(TrackerClient.id20(101)), ip("10.0.0.99"), 1, 0, 0, 1, Event.STOPPED, 50,
                java.util.Optional.empty(), ip("10.0.0.99"))); // restored under their own addresses: not another's to stop
        assertEquals(new ScrapeStats(1, 1, 1), fresh.scrape(IH));
        clock.advance(Duration.ofSeconds(30));
        assertEquals(0, fresh.sweep(), "restored peers are alive for one more peer timeout");
        clock.advance(Duration.ofSeconds(31));
        assertEquals(2, fresh.sweep());
    }

    @Test
    void concurrentAnnouncesKeepCountsConsistent() throws Exception {
        registry = registry(1000, 10_000, 100_000);
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            int base = t * 1000;
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 1000; i++) {
                    InfoHash ih = InfoHash.of(TrackerClient.id20(i % 7));
                    registry.announce(announce(ih, base + i, i % 2, Event.NONE, 5));
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(4000, registry.peerCount());
        assertEquals(4000, registry.scrapeAll().values().stream().mapToInt(s -> s.complete() + s.incomplete()).sum());
    }
}
