package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.murder.testkit.MutableClock;

/** The choking policy with plain peers on a stepped clock: who holds an upload slot, and when it moves. */
class UploadSlotsTest {
    private final MutableClock clock = MutableClock.fixture();
    private final List<String> said = new ArrayList<>();
    private final UploadSlots<Peer> slots = new UploadSlots<>(2, clock);

    private final class Peer implements UploadSlots.Peer {
        final String name;
        final boolean rackMate;
        int queued;
        int pieces;
        Instant usefulAt = clock.instant();

        Peer(String name) {
            this(name, slots, false);
        }

        Peer(String name, UploadSlots<Peer> in, boolean rackMate) {
            this.name = name;
            this.rackMate = rackMate;
            in.add(this);
        }

        @Override
        public boolean rackMate() {
            return rackMate;
        }

        @Override
        public void choke() {
            said.add("choke " + name);
        }

        @Override
        public void unchoke() {
            said.add("unchoke " + name);
        }

        @Override
        public int queuedUploads() {
            return queued;
        }

        @Override
        public Instant usefulAt() {
            return usefulAt;
        }

        @Override
        public int pieces() {
            return pieces;
        }
    }

    @Test
    void interestedPeersGetTheFreeSlotsInTheOrderTheyAsked() {
        Peer a = new Peer("a");
        Peer b = new Peer("b");
        Peer c = new Peer("c");
        slots.interested(a);
        slots.interested(c);
        slots.interested(b);
        assertEquals(List.of("unchoke a", "unchoke c"), said);
        assertTrue(slots.choking(b), "no slot left for b");
        slots.notInterested(a);
        assertEquals(List.of("unchoke a", "unchoke c", "choke a", "unchoke b"), said, "a's slot goes to b, which waits");
        slots.remove(c);
        slots.interested(a);
        assertFalse(slots.choking(a), "c left: its slot is free again");
        assertEquals(2, slots.unchoked());
    }

    @Test
    void anUplinkWithRoomOpensASlotATickWhilePeersWaitUpToTwiceTheSlots() {
        List<Peer> peers = new ArrayList<>();
        for (String name : List.of("a", "b", "c", "d", "e", "f")) {
            Peer p = new Peer(name);
            p.queued = 1; // busy: no slot goes for being idle
            peers.add(p);
            slots.interested(p);
        }
        assertEquals(2, slots.unchoked());
        slots.tick(UplinkRoom.Verdict.NO_ROOM);
        assertEquals(2, slots.unchoked(), "no room: the slots stay as they are");
        slots.tick(UplinkRoom.Verdict.ROOM);
        assertEquals(3, slots.unchoked(), "room and peers waiting: one more");
        assertFalse(slots.choking(peers.get(2)), "the one that waited longest");
        slots.tick(UplinkRoom.Verdict.UNKNOWN);
        assertEquals(3, slots.unchoked(), "a tick that says nothing changes nothing");
        slots.tick(UplinkRoom.Verdict.ROOM);
        slots.tick(UplinkRoom.Verdict.ROOM);
        assertEquals(4, slots.unchoked(), "at most twice the slots");
        assertTrue(slots.choking(peers.get(4)));
        slots.tick(UplinkRoom.Verdict.NO_ROOM);
        assertEquals(4, slots.unchoked(), "no room: a slot closes, once its holder gives it up");
        slots.remove(peers.get(0));
        assertEquals(3, slots.unchoked(), "a's slot closed with it, e still waits");
        assertTrue(slots.choking(peers.get(4)));
    }

    @Test
    void anExtraSlotGoesToThePeerThatWaitedLongestNotTheOneFurthestBehind() {
        for (String name : List.of("a", "b")) {
            Peer p = new Peer(name);
            p.queued = 1;
            p.pieces = 50;
            slots.interested(p);
        }
        Peer early = new Peer("early");
        early.pieces = 10;
        slots.interested(early);
        clock.advance(Duration.ofSeconds(1));
        Peer behind = new Peer("behind");
        behind.pieces = 0; // a slow host: always furthest behind
        slots.interested(behind);
        slots.tick(UplinkRoom.Verdict.ROOM);
        assertFalse(slots.choking(early), "the extra slot: the one that waited longest");
        assertTrue(slots.choking(behind), "though it has fewer pieces");
    }

    @Test
    void roomOpensNoSlotWhileNobodyWaits() {
        Peer a = new Peer("a");
        a.queued = 1;
        slots.interested(a);
        slots.tick(UplinkRoom.Verdict.ROOM);
        slots.tick(UplinkRoom.Verdict.ROOM);
        Peer b = new Peer("b");
        Peer c = new Peer("c");
        slots.interested(b);
        slots.interested(c);
        assertEquals(2, slots.unchoked(), "slots open only for peers that wait");
    }

    @Test
    void onlyAChokedPeerThatIsInterestedWaitsForASlot() {
        Peer a = new Peer("a");
        Peer b = new Peer("b");
        Peer c = new Peer("c");
        Peer idle = new Peer("idle");
        Peer d = new Peer("d");
        slots.interested(a);
        slots.interested(b);
        slots.interested(c);
        slots.interested(d);
        assertFalse(slots.waitsForSlot(a), "it holds one");
        assertTrue(slots.waitsForSlot(c), "interested, and both slots are taken");
        assertFalse(slots.waitsForSlot(idle), "not interested: news may make it so");
        slots.notInterested(a);
        assertFalse(slots.waitsForSlot(c), "a's slot went to it");
        assertTrue(slots.waitsForSlot(d));
        slots.remove(d);
        assertFalse(slots.waitsForSlot(d), "gone");
    }

    @Test
    void aFreedSlotGoesToTheWaitingPeerWithTheFewestPieces() {
        Peer a = new Peer("a");
        Peer b = new Peer("b");
        slots.interested(a);
        slots.interested(b);
        Peer ahead = new Peer("ahead");
        ahead.pieces = 90;
        Peer behind = new Peer("behind");
        behind.pieces = 10;
        Peer between = new Peer("between");
        between.pieces = 50;
        slots.interested(ahead);
        slots.interested(behind);
        slots.interested(between);
        slots.notInterested(a);
        assertFalse(slots.choking(behind), "the peer furthest behind first, though it asked after 'ahead'");
        slots.remove(b);
        assertFalse(slots.choking(between), "then the next furthest behind");
        assertTrue(slots.choking(ahead));
        between.pieces = 95; // it caught up while it held the slot: the next free slot goes to 'ahead' all the same
        slots.notInterested(behind);
        assertFalse(slots.choking(ahead));
    }

    @Test
    void amongPeersWithAsManyPiecesTheOneThatAskedFirstGoesFirstWhenItConnectedLast() {
        Peer a = new Peer("a");
        slots.interested(a);
        slots.interested(new Peer("b"));
        Peer early = new Peer("early"); // connected first of the two that wait...
        Peer late = new Peer("late");
        clock.advance(Duration.ofSeconds(1));
        slots.interested(late); // ...but asked last
        clock.advance(Duration.ofSeconds(1));
        slots.interested(early);
        slots.notInterested(a);
        assertFalse(slots.choking(late));
        assertTrue(slots.choking(early));
    }

    @Test
    void aWaitingPeerWhoseInterestFlickersKeepsItsPlaceButOneThatStayedAwayDoesNot() {
        Peer a = new Peer("a");
        slots.interested(a);
        slots.interested(new Peer("b"));
        Peer first = new Peer("first");
        Peer second = new Peer("second");
        slots.interested(first);
        clock.advance(Duration.ofSeconds(1));
        slots.interested(second);
        slots.notInterested(first); // it took elsewhere all it knew we had; our held Haves reach it with the flush
        clock.advance(UploadSlots.INTEREST_FLAP);
        slots.interested(first);
        slots.notInterested(a);
        assertFalse(slots.choking(first), "back within the flap: still ahead of 'second'");
        assertTrue(slots.choking(second));

        Peer third = new Peer("third");
        slots.interested(third);
        clock.advance(Duration.ofSeconds(1));
        Peer fourth = new Peer("fourth");
        slots.interested(fourth);
        slots.notInterested(third);
        clock.advance(UploadSlots.INTEREST_FLAP.plusMillis(1));
        slots.interested(third);
        slots.notInterested(first);
        assertFalse(slots.choking(second), "second asked before both");
        slots.notInterested(second);
        assertFalse(slots.choking(fourth), "third stayed away past the flap: behind 'fourth' now");
        assertTrue(slots.choking(third));
    }

    @Test
    void aPeerThatWaitedTheRotationTimeGoesBeforePeersThatSayTheyHaveLess() {
        Peer a = new Peer("a");
        Peer b = new Peer("b");
        a.queued = 1;
        b.queued = 1;
        slots.interested(a);
        slots.interested(b);
        Peer patient = new Peer("patient");
        patient.pieces = 80;
        slots.interested(patient);
        clock.advance(UploadSlots.ROTATE);
        Peer claimsNothing = new Peer("claims nothing"); // a hostile peer can say it has no piece
        slots.interested(claimsNothing);
        slots.notInterested(a);
        assertFalse(slots.choking(patient), "it waited 30 s: it goes first, whatever the others claim");
        slots.notInterested(b);
        assertFalse(slots.choking(claimsNothing));
    }

    @Test
    void aPeerThatHoldsASlotAndAsksForNothingGivesItUpOnlyToAPeerThatWaits() {
        Peer idle = new Peer("idle");
        Peer busy = new Peer("busy");
        slots.interested(idle);
        slots.interested(busy);
        clock.advance(IdleSlots.GRACE.plusSeconds(1));
        busy.usefulAt = clock.instant();
        slots.tick();
        assertEquals(List.of("unchoke idle", "unchoke busy"), said, "nobody waits: the idle peer keeps its slot");

        Peer waiting = new Peer("waiting");
        slots.interested(waiting);
        slots.tick();
        assertEquals(List.of("unchoke idle", "unchoke busy", "choke idle", "unchoke waiting"), said);
        assertFalse(slots.choking(busy), "a peer that moved data lately keeps its slot");
    }

    @Test
    void aPeerWithUploadsQueuedOrUnchokedWithinTheGraceKeepsItsSlot() {
        Peer queued = new Peer("queued");
        slots.interested(queued);
        clock.advance(UploadSlots.ROTATE.minusSeconds(1)); // long idle, but not held the rotation time
        Peer fresh = new Peer("fresh");
        slots.interested(fresh);
        queued.queued = 3;
        slots.interested(new Peer("waiting"));
        slots.tick();
        assertEquals(List.of("unchoke queued", "unchoke fresh"), said, "blocks queued, or unchoked just now: not idle");
    }

    @Test
    void ninetyPeersThatSayInterestedAndNeverAskPassTheSlotsOnWithinASecondEach() {
        UploadSlots<Peer> eight = new UploadSlots<>(8, clock);
        for (int i = 0; i < 90; i++) { // a hostile-network audit: 90 connections, interested, no request ever
            eight.interested(new Peer("idle" + i, eight, false));
        }
        clock.advance(Duration.ofMillis(300));
        Peer real = new Peer("real", eight, false);
        eight.interested(real);
        int ticks = 0;
        while (eight.choking(real) && ticks < 120) { // the session ticks once a second
            clock.advance(Duration.ofSeconds(1));
            eight.tick();
            ticks++;
        }
        assertFalse(eight.choking(real), "still choked after 120 s");
        assertTrue(ticks <= 12, "the real peer waited " + ticks + " s behind 90 idle ones (55 with only the 5 s grace)");

        real.usefulAt = clock.instant(); // it asks at once and is served
        real.queued = 4;
        Peer late = new Peer("late", eight, false); // a real peer that comes after every idle one was choked once for it
        eight.interested(late);
        clock.advance(Duration.ofSeconds(1));
        eight.tick();
        clock.advance(Duration.ofSeconds(1));
        eight.tick();
        assertFalse(eight.choking(late), "an idle peer's slot goes to it within two ticks");
        assertFalse(eight.choking(real), "the real peer asks and keeps its slot");
    }

    @Test
    void aPeerUnchokedThatAsksForNothingAtAllGivesItsSlotUpAfterTheAskGrace() {
        Peer silent = new Peer("silent");
        Peer asking = new Peer("asking");
        slots.interested(silent);
        slots.interested(asking);
        Peer waiting = new Peer("waiting");
        slots.interested(waiting);
        clock.advance(IdleSlots.ASK_GRACE.minusMillis(1));
        asking.usefulAt = clock.instant(); // asked and was served (an unchoked peer with nothing queued that moved data)
        slots.tick();
        assertFalse(slots.choking(silent), "within the ask grace");
        clock.advance(Duration.ofMillis(1));
        slots.tick();
        assertTrue(slots.choking(silent), "unchoked a second ago and asked for nothing");
        assertFalse(slots.choking(asking), "it asked: the 5 s grace since its last block holds");
        assertFalse(slots.choking(waiting));
    }

    @Test
    void aPeerChokedForIdlingGetsASlotAgainAfterThePeersThatWait() {
        Peer idle = new Peer("idle");
        Peer other = new Peer("other");
        slots.interested(idle);
        slots.interested(other);
        clock.advance(IdleSlots.GRACE);
        other.usefulAt = clock.instant();
        Peer waiting = new Peer("waiting");
        slots.interested(waiting);
        slots.tick();
        assertTrue(slots.choking(idle));
        slots.remove(waiting);
        assertFalse(slots.choking(idle), "the waiting peer left: the idle one may have its slot back");
    }

    @Test
    void aBusySlotHeldTheRotationTimeGoesToAPeerThatWaitsAndTheHolderQueuesBehindIt() {
        Peer a = new Peer("a");
        Peer b = new Peer("b");
        Peer c = new Peer("c");
        slots.interested(a);
        clock.advance(Duration.ofSeconds(1));
        slots.interested(b);
        slots.interested(c);
        a.queued = 3; // busy: not idle, so only the rotation can take its slot
        b.queued = 3;
        clock.advance(UploadSlots.ROTATE.minusSeconds(2));
        a.usefulAt = clock.instant();
        b.usefulAt = clock.instant();
        slots.tick();
        assertTrue(slots.choking(c), "nobody held a slot 30 s yet");
        clock.advance(Duration.ofSeconds(1));
        a.usefulAt = clock.instant();
        b.usefulAt = clock.instant();
        slots.tick();
        assertTrue(slots.choking(a), "a held its slot longest, for the rotation time: it goes");
        assertFalse(slots.choking(c), "to c, which waited");
        assertFalse(slots.choking(b));
        c.queued = 3; // it asks (a peer that asks for nothing gives the slot up a second later)
        clock.advance(Duration.ofSeconds(1));
        b.usefulAt = clock.instant();
        slots.tick();
        assertTrue(slots.choking(b), "then b");
        assertFalse(slots.choking(a), "and a gets a slot again: nobody else waits");
        assertEquals(2, slots.unchoked());
    }

    @Test
    void peersOfOtherRacksHoldAtMostHalfTheSlotsWhileRackMatesWaitAndTheOtherWayRound() {
        UploadSlots<Peer> four = new UploadSlots<>(4, clock);
        Peer[] others = new Peer[4];
        for (int i = 0; i < others.length; i++) {
            others[i] = new Peer("o" + i, four, false);
            four.interested(others[i]);
            clock.advance(Duration.ofMillis(10));
        }
        Peer m0 = new Peer("m0", four, true);
        Peer m1 = new Peer("m1", four, true);
        four.interested(m0);
        four.interested(m1);
        assertTrue(four.choking(m0) && four.choking(m1), "every slot taken: its rack waits");
        said.clear();
        four.tick();
        assertEquals(List.of("choke o0", "unchoke m0"), said, "the slot held longest goes to its rack");
        four.tick();
        four.tick();
        assertFalse(four.choking(m1));
        assertTrue(four.choking(others[1]));
        assertFalse(four.choking(others[2]) || four.choking(others[3]), "half the slots stay with other racks");
    }

    @Test
    void itsRackHoldsAtMostHalfTheSlotsWhilePeersOfOtherRacksWait() {
        UploadSlots<Peer> four = new UploadSlots<>(4, clock);
        for (int i = 0; i < 4; i++) {
            four.interested(new Peer("m" + i, four, true));
            clock.advance(Duration.ofMillis(10));
        }
        Peer[] others = new Peer[3];
        for (int i = 0; i < others.length; i++) {
            others[i] = new Peer("o" + i, four, false);
            four.interested(others[i]);
        }
        said.clear();
        four.tick();
        four.tick();
        four.tick();
        assertEquals(List.of("choke m0", "unchoke o0", "choke m1", "unchoke o1"), said,
                "its rack gives up the slots it held longest, down to half");
        assertTrue(four.choking(others[2]));
    }

    @Test
    void aFreedSlotGoesToTheSideBelowHalfEvenIfTheOtherSidesPeerHasFewerPieces() {
        UploadSlots<Peer> four = new UploadSlots<>(4, clock);
        Peer o0 = new Peer("o0", four, false);
        Peer o1 = new Peer("o1", four, false);
        Peer m0 = new Peer("m0", four, true);
        Peer m1 = new Peer("m1", four, true);
        for (Peer p : List.of(o0, o1, m0, m1)) {
            four.interested(p);
        }
        Peer o2 = new Peer("o2", four, false);
        Peer m2 = new Peer("m2", four, true);
        m2.pieces = 10; // o2 has none: without racks it would go first
        four.interested(o2);
        four.interested(m2);
        said.clear();
        four.notInterested(m0);
        assertEquals(List.of("choke m0", "unchoke m2"), said, "other racks hold half already: the slot stays with its rack");
        assertTrue(four.choking(o2));
    }

    @Test
    void aSlotHeldTooLongRotatesWithinTheSideThatWaitsWhenThatSideHoldsItsHalf() {
        UploadSlots<Peer> four = new UploadSlots<>(4, clock);
        Peer o0 = new Peer("o0", four, false); // holds its slot longest
        four.interested(o0);
        clock.advance(Duration.ofSeconds(1));
        Peer o1 = new Peer("o1", four, false);
        Peer m0 = new Peer("m0", four, true);
        Peer m1 = new Peer("m1", four, true);
        for (Peer p : List.of(o1, m0, m1)) {
            four.interested(p);
        }
        Peer m2 = new Peer("m2", four, true);
        four.interested(m2);
        for (Peer p : List.of(o0, o1, m0, m1)) {
            p.queued = 1; // busy: no slot is idle
        }
        clock.advance(UploadSlots.ROTATE);
        said.clear();
        four.tick();
        assertEquals(List.of("choke m0", "unchoke m2"), said, "its rack holds its half: one of its own gives way, not o0");
    }

    @Test
    void withoutRacksAnySlotsGoToWhoeverWaits() {
        UploadSlots<Peer> four = new UploadSlots<>(4, clock);
        Peer[] peers = new Peer[6];
        for (int i = 0; i < peers.length; i++) {
            peers[i] = new Peer("p" + i, four, false);
            four.interested(peers[i]);
        }
        said.clear();
        four.tick();
        assertEquals(List.of(), said, "no rotation before ROTATE");
    }
}
