package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.murder.core.PeerId;

/** Who is dialled and who is let in, without sockets. */
class PeerSetTest {
    private final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    private final SmartBan bans = new SmartBan(4);
    private final InetSocketAddress self = address(1, 6881);
    private final PeerSet<Member> peers = new PeerSet<>(3, bans, self::equals, id("us"));

    private record Member(PeerId peerId, InetSocketAddress remote, Instant usefulAt, boolean outgoing, int blocksInFlight,
            Instant joinedAt, InetSocketAddress listenAddress, boolean seedFromStart, Instant heardAt) implements PeerSet.Member {
        Member(PeerId peerId, InetSocketAddress remote, Instant usefulAt, boolean outgoing, int blocksInFlight, Instant joinedAt,
                InetSocketAddress listenAddress, boolean seedFromStart) {
            this(peerId, remote, usefulAt, outgoing, blocksInFlight, joinedAt, listenAddress, seedFromStart, joinedAt);
        }

        Member(PeerId peerId, InetSocketAddress remote, Instant usefulAt, boolean outgoing, int blocksInFlight, Instant joinedAt,
                InetSocketAddress listenAddress) {
            this(peerId, remote, usefulAt, outgoing, blocksInFlight, joinedAt, listenAddress, false);
        }

        Member(PeerId peerId, InetSocketAddress remote, Instant usefulAt, boolean outgoing, int blocksInFlight) {
            this(peerId, remote, usefulAt, outgoing, blocksInFlight, usefulAt);
        }

        Member(PeerId peerId, InetSocketAddress remote, Instant usefulAt, boolean outgoing, int blocksInFlight, Instant joinedAt) {
            this(peerId, remote, usefulAt, outgoing, blocksInFlight, joinedAt, null);
        }
    }

    private static InetSocketAddress address(int host, int port) {
        return new InetSocketAddress("127.0.0." + host, port);
    }

    private static PeerId id(String s) {
        return PeerId.of(String.format("-MU0100-%012d", s.hashCode() & 0xfffffff).getBytes(StandardCharsets.US_ASCII));
    }

    private Member member(String name, int host, Instant usefulAt) {
        return new Member(id(name), address(host, 7000), usefulAt, false, 0);
    }

    /** A tracker naming new addresses at every answer cannot grow the set without bound: the longest unnamed go. */
    @Test
    void atMostMaxKnownAddressesAreKeptAndThoseNamedLongestAgoGoFirst() {
        List<InetSocketAddress> first = new java.util.ArrayList<>();
        for (int i = 0; i < PeerSet.MAX_KNOWN; i++) {
            first.add(new InetSocketAddress("127.1." + (i / 250) + "." + (1 + i % 250), 7000));
        }
        peers.learn(first);
        peers.learn(List.of(first.get(0))); // named again: kept
        peers.learn(List.of(address(2, 1), address(3, 1)));
        assertEquals(PeerSet.MAX_KNOWN, peers.knownCount());
        List<InetSocketAddress> dial = peers.toDial(t0);
        assertEquals(List.of(first.get(0), first.get(3), first.get(4)), dial, "the 2nd and 3rd learned went; the order is kept");
        for (int round = 0; round < 50; round++) { // 50 answers of 1,000 new addresses each
            List<InetSocketAddress> flood = new java.util.ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                flood.add(new InetSocketAddress("127.2." + (round * 4 + i / 250) + "." + (1 + i % 250), 7000));
            }
            peers.learn(flood);
            assertEquals(PeerSet.MAX_KNOWN, peers.knownCount());
        }
    }

    @Test
    void dialsKnownAddressesUpToTheLimitButNotOurselvesAndNotAgainWithinTheDelay() {
        peers.learn(List.of(self, address(2, 1), address(3, 1), address(4, 1), address(5, 1)));
        assertEquals(List.of(address(2, 1), address(3, 1), address(4, 1)), peers.toDial(t0), "3 at most, never ourselves");
        assertEquals(List.of(), peers.toDial(t0), "all three still being dialled");
        peers.dialled();
        peers.dialled();
        peers.dialled();
        assertEquals(List.of(address(5, 1)), peers.toDial(t0.plusSeconds(1)), "the others were tried a second ago");
        peers.dialled();
        assertEquals(List.of(address(2, 1), address(3, 1), address(4, 1)), peers.toDial(t0.plus(PeerSet.RECONNECT_AFTER)));
    }

    @Test
    void aPeerThatDialledUsAndSaidItsListeningPortIsNotDialledThere() {
        peers.learn(List.of(address(2, 6881), address(3, 6881)));
        Member two = new Member(id("two"), address(2, 40123), t0, false, 0, t0, address(2, 6881));
        Member three = new Member(id("three"), address(3, 40124), t0, false, 0, t0, null);
        for (Member m : List.of(two, three)) {
            assertTrue(peers.admit(m, t0).admitted());
            peers.add(m);
        }
        assertEquals(List.of(address(3, 6881)), peers.toDial(t0),
                "2 said it listens on 6881 (BEP 10); 3 did not, and its listening address may be another peer's");
        peers.dialled();
        peers.remove(two);
        assertEquals(List.of(address(2, 6881)), peers.toDial(t0), "gone: dialled again");
    }

    /**
     * A claim is only a claim: a client that dialled us, named another peer's listening port (the seed's, on one machine)
     * and moves no data is not taken at its word past {@link IdleSlots#GRACE}; the seed is dialled.
     */
    @Test
    void anIdleClaimOfAListeningPortDoesNotKeepThatAddressFromBeingDialled() {
        peers.learn(List.of(address(2, 6881)));
        Member claimant = new Member(id("claim"), address(2, 40123), t0, false, 0, t0, address(2, 6881));
        assertTrue(peers.admit(claimant, t0).admitted());
        peers.add(claimant);
        assertEquals(List.of(), peers.toDial(t0), "taken at its word while it is new");
        Instant idle = t0.plus(IdleSlots.GRACE).plusSeconds(1);
        assertEquals(List.of(), peers.toDial(idle, false), "a seed takes it at its word: it needs no source");
        assertEquals(List.of(address(2, 6881)), peers.toDial(idle), "idle: its claim no longer keeps the address from a dial");
    }

    @Test
    void aSeedWeDialledAsASeedIsNotDialledAgainUntilATrackerNamesItAgain() {
        peers.learn(List.of(address(2, 1), address(3, 1)));
        assertEquals(List.of(address(2, 1), address(3, 1)), peers.toDial(t0));
        peers.dialled();
        peers.dialled();
        peers.forgetSeed(address(2, 1));
        Instant later = t0.plus(PeerSet.RECONNECT_AFTER);
        assertEquals(List.of(address(3, 1)), peers.toDial(later), "2 is a seed, as we are");
        peers.dialled();
        peers.learn(List.of(address(2, 1))); // named again: a leecher now (a seed's tracker names only those)
        assertEquals(List.of(address(2, 1)), peers.toDial(later.plus(PeerSet.RECONNECT_AFTER).minusSeconds(1)),
                "dialled as soon as it is named, the delay since its last dial being over");
    }

    @Test
    void aConnectedAddressIsNotDialledAndABannedOneIsNeitherDialledNorLetIn() throws Exception {
        Member two = new Member(id("two"), address(2, 1), t0, true, 0);
        peers.learn(List.of(address(2, 1), address(3, 1)));
        assertTrue(peers.admit(two, t0).admitted());
        peers.add(two);
        SmartBan.Sender evil = new SmartBan.Sender(id("evil"), address(3, 1).getAddress(), address(3, 1).getPort()); // dialled
        bans.wrote(0, 0, 4, evil);
        byte[] hash = new byte[20];
        assertEquals(java.util.Set.of(evil), bans.pieceFailed(0, List.of(hash, hash, hash, hash)));
        assertEquals(List.of(), peers.toDial(t0));
        PeerSet.Admission<Member> refused = peers.admit(member("evil", 3, t0), t0);
        assertFalse(refused.admitted());
        assertEquals("banned for corrupt data", refused.why());
        assertTrue(peers.admit(member("other", 3, t0), t0).admitted(), "another peer at the banned peer's address is let in");
    }

    @Test
    void aSecondConnectionToAPeerIdConnectedForAWhileIsRefusedWhoeverDialled() {
        Member a = member("a", 2, t0);
        peers.add(a);
        Instant later = t0.plus(PeerSet.SIMULTANEOUS).plusSeconds(1);
        for (boolean outgoing : List.of(true, false)) {
            PeerSet.Admission<Member> again = peers.admit(new Member(a.peerId(), new InetSocketAddress(a.remote().getAddress(), 9),
                    later, outgoing, 0), later);
            assertFalse(again.admitted());
            assertTrue(again.why().startsWith("already connected to "));
        }
    }

    /**
     * A peer cut off by the network comes back on a new connection while its old one here still waits
     * out TCP's retransmissions: once nothing came on the old one for {@link PeerSet#SILENT}, the new one
     * replaces it, whoever dialled.
     */
    @Test
    void aPeerBackOnANewConnectionReplacesItsConnectionThatFellSilent() {
        Instant heard = t0.plusSeconds(60);
        Member a = new Member(id("a"), address(2, 7000), t0, true, 3, t0, null, false, heard);
        peers.add(a);
        for (boolean outgoing : List.of(true, false)) {
            Member back = new Member(a.peerId(), address(2, 9), heard, outgoing, 0);
            Instant soon = heard.plus(PeerSet.SILENT).minusSeconds(1);
            assertFalse(peers.admit(back, soon).admitted(), "heard from " + (PeerSet.SILENT.toSeconds() - 1) + " s ago: refused");
            PeerSet.Admission<Member> replacing = peers.admit(back, heard.plus(PeerSet.SILENT));
            assertTrue(replacing.admitted());
            assertSame(a, replacing.evicted(), "the silent connection makes way");
            assertTrue(replacing.why().startsWith("nothing came on its other connection for 10 s"), replacing.why());
        }
        Member other = new Member(id("b"), address(2, 9), heard, false, 0);
        assertFalse(peers.admit(other, heard.plus(PeerSet.SILENT)).evicted() == a, "another peer id at the address is another peer");

        Member idle = new Member(id("c"), address(3, 7000), t0, true, 0, t0, null, false, heard); // nothing on its way either way
        peers.add(idle);
        assertFalse(peers.admit(new Member(idle.peerId(), address(3, 9), heard, false, 0), heard.plus(PeerSet.SILENT.multipliedBy(6)))
                .admitted(), "quiet with nothing on its way (a leecher we choke): its place kept, the new connection refused");
    }

    /**
     * A peer id is what a peer claims, and any peer can learn another's (a handshake, a tracker's
     * dictionary answer): one that connected first with the origin's id kept the origin out of a
     * downloader, which then had no data from anyone. The same id from another address is another peer.
     */
    @Test
    void theSamePeerIdFromAnotherAddressIsAnotherPeerWhoeverCameFirst() {
        Member impostor = member("origin", 9, t0);
        peers.add(impostor);
        for (boolean outgoing : List.of(true, false)) {
            Instant later = t0.plus(PeerSet.SIMULTANEOUS).plusSeconds(1);
            PeerSet.Admission<Member> real = peers.admit(new Member(impostor.peerId(), address(2, 6881), later, outgoing, 0), later);
            assertTrue(real.admitted(), real.why());
            assertEquals(null, real.evicted(), "nor does it replace the first");
        }
    }

    /**
     * Two ends that dialled each other at once: whichever of the two connections reaches each end
     * first, both keep the one the smaller peer id dialled (they used to close both, and again at
     * every redial).
     */
    @Test
    void twoConnectionsMadeAtOnceEndWithTheSameOneKeptAtBothEnds() {
        PeerId small = PeerId.of("-MU0100-AAAAAAAAAAAA".getBytes(StandardCharsets.US_ASCII));
        PeerId large = PeerId.of("-MU0100-BBBBBBBBBBBB".getBytes(StandardCharsets.US_ASCII));
        Instant second = t0.plusMillis(40);
        for (boolean dialledBySmallFirst : List.of(true, false)) {
            for (PeerId us : List.of(small, large)) {
                PeerId them = us == small ? large : small;
                PeerSet<Member> end = new PeerSet<>(3, new SmartBan(4), self::equals, us);
                // at this end, the connection the small id dialled is outgoing if we are the small id
                // usefulAt long before: the window is measured from when a connection joined
                Member bySmall = new Member(them, address(2, 7000), t0.minusSeconds(60), us == small, 0, t0);
                Member byLarge = new Member(them, address(2, 7001), t0.minusSeconds(60), us == large, 0, t0);
                Member first = dialledBySmallFirst ? bySmall : byLarge;
                Member next = dialledBySmallFirst ? byLarge : bySmall;
                assertTrue(end.admit(first, t0).admitted());
                end.add(first);
                PeerSet.Admission<Member> a = end.admit(next, second);
                if (a.admitted()) {
                    assertSame(first, a.evicted(), "the duplicate goes");
                    assertTrue(a.why().contains("smaller peer id"), a.why());
                    end.remove(first);
                    end.add(next);
                }
                assertEquals(java.util.Set.of(bySmall), end.connected(), "at " + (us == small ? "the small" : "the large") + " id's end, "
                        + (dialledBySmallFirst ? "the small id's connection first" : "the large id's first"));
            }
        }
    }

    @Test
    void aDuplicateInTheWindowIsStillRefusedWhenItIsTheSameDirectionAndAnotherHostIsAnotherPeer() {
        PeerId small = PeerId.of("-MU0100-AAAAAAAAAAAA".getBytes(StandardCharsets.US_ASCII));
        PeerSet<Member> end = new PeerSet<>(3, new SmartBan(4), self::equals, PeerId.of("-MU0100-BBBBBBBBBBBB".getBytes(StandardCharsets.US_ASCII)));
        Member first = new Member(small, address(2, 7000), t0, true, 0); // we dialled the smaller id
        end.add(first);
        Instant soon = t0.plusMillis(40);
        // the smaller id dialled us at once: it wins, but only from the host we dialled
        PeerSet.Admission<Member> other = end.admit(new Member(small, address(3, 7000), soon, false, 0), soon);
        assertTrue(other.admitted() && other.evicted() == null, "another host claiming the connected peer's id is another peer,"
                + " and never replaces it");
        assertFalse(end.admit(new Member(small, address(2, 7001), soon, true, 0), soon).admitted(),
                "two connections we both dialled: the first stays");
        PeerSet.Admission<Member> real = end.admit(new Member(small, address(2, 7001), soon, false, 0), soon);
        assertTrue(real.admitted());
        assertSame(first, real.evicted());
    }

    @Test
    void whenFullANewcomerTakesTheSlotOfThePeerIdleLongestOrIsRefused() {
        Instant late = t0.plus(IdleSlots.GRACE).plusSeconds(10);
        Member old = member("old", 2, t0);
        Member older = member("older", 3, t0.minusSeconds(5));
        Member busy = member("busy", 4, late);
        List.of(old, older, busy).forEach(peers::add);
        PeerSet.Admission<Member> in = peers.admit(member("new", 5, late), late);
        assertTrue(in.admitted());
        assertSame(older, in.evicted(), "the one idle longest");
        PeerSet.Admission<Member> early = peers.admit(member("new", 5, t0), t0.minusSeconds(1));
        assertFalse(early.admitted(), "every peer did something within the grace");
        assertEquals("connection limit reached", early.why());
    }

    @Test
    void aPeerWaitingForBlocksKeepsItsSlotHoweverLongItWaits() {
        Instant late = t0.plus(IdleSlots.GRACE).plusSeconds(60);
        Member waiting = new Member(id("waiting"), address(2, 7000), t0.minusSeconds(30), false, 2); // asked, our uplink is slow
        Member idle = member("idle", 3, t0);
        Member alsoWaiting = new Member(id("also"), address(4, 7000), t0.minusSeconds(60), false, 1);
        List.of(waiting, idle, alsoWaiting).forEach(peers::add);
        PeerSet.Admission<Member> in = peers.admit(member("new", 5, late), late);
        assertSame(idle, in.evicted(), "the only one with nothing on its way, though the others were quiet longer");
        peers.remove(idle);
        peers.add(member("new", 5, late));
        assertFalse(peers.admit(member("newer", 6, late), late).admitted(), "every other peer waits for blocks");
    }

    /** Hosts 2-9 are of our rack; the others are not. */
    private static boolean ofOurRack(InetAddress a) {
        int last = a.getAddress()[3];
        return last >= 2 && last <= 9;
    }

    @Test
    void aGatewayKeepsSlotsForOtherRacksThatItsOwnRackCannotTake() {
        Instant now = t0.plusSeconds(60);
        peers.keepForOtherRacks(true, PeerSetTest::ofOurRack);
        assertEquals(0, peers.keptForOtherRacks(), "no other rack's peer known: nothing to keep slots for");
        peers.learn(List.of(address(2, 7000), address(3, 7000), address(4, 7000), address(20, 7000), address(21, 7000)));
        assertEquals(1, peers.keptForOtherRacks(), "half of 3, rounded down");
        peers.add(new Member(id("a"), address(2, 7000), now, false, 3));
        peers.add(new Member(id("b"), address(3, 7000), now, false, 3));
        assertEquals(List.of(address(20, 7000)), peers.toDial(now), "one slot left: another rack's peer, not our rack's third");
        peers.dialled();
        PeerSet.Admission<Member> third = peers.admit(member("c", 4, now), now);
        assertFalse(third.admitted(), "two of three slots are our rack's: the last is kept");
        assertEquals("our rack's peers hold every slot but the 1 kept for other racks", third.why());
        PeerSet.Admission<Member> other = peers.admit(member("x", 20, now), now);
        assertTrue(other.admitted() && other.evicted() == null, "a peer of another rack takes the kept slot, evicting nobody");
        Member idle = new Member(id("i"), address(5, 7000), t0, false, 0);
        peers.remove(peers.connected().iterator().next());
        peers.add(idle);
        assertSame(idle, peers.admit(member("c", 4, now), now).evicted(), "a rack-mate at the limit takes an idle rack-mate's slot");
    }

    @Test
    void aPeerOfAnotherRackTakesARackMatesSlotWhenOurRackFilledThemAll() {
        Instant now = t0.plusSeconds(60);
        Member busy = new Member(id("a"), address(2, 7000), t0, false, 3);
        Member waitingOnNothing = new Member(id("b"), address(3, 7000), now, false, 0);
        Member busyToo = new Member(id("c"), address(4, 7000), now, false, 1);
        for (Member m : List.of(busy, waitingOnNothing, busyToo)) {
            peers.add(m); // before the tracker said we are a gateway
        }
        peers.learn(List.of(address(20, 7000), address(21, 7000)));
        assertEquals(List.of(), peers.toDial(now), "not a gateway: every slot taken, nobody dialled");
        assertFalse(peers.admit(member("x", 20, now), now).admitted(), "not a gateway: nobody idle, no slot");
        peers.keepForOtherRacks(true, PeerSetTest::ofOurRack);
        assertEquals(List.of(address(20, 7000)), peers.toDial(now), "a gateway dials another rack even when full");
        assertEquals(List.of(), peers.toDial(now), "one kept slot, and one dial on its way to fill it");
        peers.dialled();
        PeerSet.Admission<Member> x = peers.admit(member("x", 20, now), now);
        assertTrue(x.admitted());
        assertSame(waitingOnNothing, x.evicted(), "the rack-mate waiting on no block goes first, however recently useful");
        peers.remove(waitingOnNothing);
        peers.add(member("x", 20, now));
        assertFalse(peers.admit(member("y", 21, now), now).admitted(),
                "one peer of another rack holds the kept slot: the others wait as anyone would");
        assertEquals("our rack's peers hold every slot but the 1 kept for other racks", peers.admit(member("d", 5, now), now).why());
        peers.keepForOtherRacks(false, PeerSetTest::ofOurRack);
        assertEquals("connection limit reached", peers.admit(member("d", 5, now), now).why(), "no longer a gateway: the usual rule");
    }

    @Test
    void aRackMateTakesTheSlotOfAPeerOfAnotherRackPastTheKeptOnes() {
        Instant now = t0.plusSeconds(60);
        Member busy = new Member(id("x"), address(20, 7000), t0, false, 3);
        Member waitingOnNothing = new Member(id("y"), address(21, 7000), now, false, 0);
        Member busyToo = new Member(id("z"), address(22, 7000), now, false, 1);
        for (Member m : List.of(busy, waitingOnNothing, busyToo)) {
            peers.add(m); // other racks' peers dialled us before the tracker said we are a gateway
        }
        peers.learn(List.of(address(20, 7000), address(21, 7000), address(22, 7000), address(2, 7000), address(3, 7000)));
        assertEquals(List.of(), peers.toDial(now), "not a gateway: every slot taken, nobody dialled");
        peers.keepForOtherRacks(true, PeerSetTest::ofOurRack);
        assertEquals(1, peers.keptForOtherRacks());
        assertEquals(List.of(address(2, 7000), address(3, 7000)), peers.toDial(now),
                "a gateway whose other racks hold more than the kept slot dials its rack even when full, up to its rack's 2");
        peers.dialled();
        peers.dialled();
        PeerSet.Admission<Member> mate = peers.admit(member("a", 2, now), now);
        assertTrue(mate.admitted());
        assertSame(waitingOnNothing, mate.evicted(), "the other rack's peer waiting on no block goes first");
        peers.remove(waitingOnNothing);
        peers.add(member("a", 2, now));
        assertSame(busy, peers.admit(member("b", 3, now), now).evicted(), "then the one least recently useful");
        peers.remove(busy);
        peers.add(member("b", 3, now));
        assertEquals(List.of(), peers.toDial(now), "one slot each side as kept: nobody dialled");
        assertEquals("our rack's peers hold every slot but the 1 kept for other racks", peers.admit(member("c", 4, now), now).why());
        assertEquals("peers of other racks hold the 1 slot kept for them", peers.admit(member("w", 23, now), now).why(),
                "the kept slot is held by a busy peer of another rack: only an idle one would give way");
    }

    @Test
    void aGatewayNeverGivesTheOriginsSlotToARackMate() {
        Instant now = t0.plusSeconds(60);
        Member origin = new Member(id("o"), address(20, 7000), t0, true, 1, t0, null, true); // useful longest ago
        Member busy = new Member(id("x"), address(21, 7000), now, false, 3);
        Member busyToo = new Member(id("y"), address(22, 7000), now.minusSeconds(5), false, 1);
        for (Member m : List.of(origin, busy, busyToo)) {
            peers.add(m);
        }
        peers.learn(List.of(address(20, 7000), address(21, 7000), address(22, 7000), address(2, 7000)));
        peers.keepForOtherRacks(true, PeerSetTest::ofOurRack);
        PeerSet.Admission<Member> mate = peers.admit(member("a", 2, now), now);
        assertTrue(mate.admitted());
        assertSame(busyToo, mate.evicted(), "the quietest but the origin, which was complete when it connected");
        peers.remove(busy);
        peers.remove(busyToo);
        peers.add(new Member(id("z"), address(23, 7000), now, false, 1, now, null, true));
        peers.add(member("b", 3, now));
        assertEquals("connection limit reached", peers.admit(member("a", 2, now), now).why(),
                "only seeds from the start hold the other racks' slots: none gives way, and nobody is idle to");
    }
}
