package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.murder.core.GatewayShare;

class PiecePickerTest {
    private static final int BLOCK = 16384;

    /** 3 pieces of 2 blocks each (the last one short). */
    private final PiecePicker picker = new PiecePicker(3, 2 * BLOCK, 5 * BLOCK + 100, BLOCK, 0, Integer.MAX_VALUE, new Random(1));

    private static PieceSet has(int... pieces) {
        PieceSet s = new PieceSet(3);
        for (int p : pieces) {
            s.add(p);
        }
        return s;
    }

    /** With piece 0 the rarest, the first two blocks a peer with every piece is asked for. */
    private Block[] peerWithEverythingTakesTwoBlocks() {
        pieceZeroIsTheRarest();
        PieceSet a = has(0, 1, 2);
        Map<Long, Block> toA = new HashMap<>();
        Block[] taken = new Block[2];
        for (int i = 0; i < taken.length; i++) {
            taken[i] = picker.next(a, toA);
            toA.put(taken[i].key(), taken[i]);
        }
        return taken;
    }

    /** Piece 0 announced by one peer, pieces 1 and 2 by two. */
    private void pieceZeroIsTheRarest() {
        picker.peerHas(0);
        for (int p : new int[] {1, 2}) {
            picker.peerHas(p);
            picker.peerHas(p);
        }
    }

    @Test
    void aPeerWithNothingNewGetsNoDuplicateRequestsBeforeTheEndgame() {
        PieceSet b = has(0);
        // A takes both blocks of piece 0, the rarest; B only has piece 0
        Block[] taken = peerWithEverythingTakesTwoBlocks();
        Block first = taken[0];
        Block second = taken[1];
        assertEquals(0, first.piece());
        assertEquals(0, second.piece());
        assertFalse(picker.inEndgame(), "two pieces are not started yet");
        assertNull(picker.next(b, new HashMap<>()), "no duplicate of a block in flight to A: not the endgame");
    }

    @Test
    void anEmptyAnswerStaysValidUntilSomethingAskableChanges() {
        PieceSet b = has(0);
        Block[] taken = peerWithEverythingTakesTwoBlocks(); // piece 0's, the rarest
        Block first = taken[0];
        Block second = taken[1];
        // B has only piece 0, whose two blocks are both in flight to A
        long before = picker.generation();
        assertNull(picker.next(b, new HashMap<>()));
        assertEquals(before, picker.generation(), "finding nothing changes nothing");
        picker.received(first.piece(), first.begin(), first.length());
        assertEquals(before, picker.generation(), "a block arriving makes nothing new askable");
        picker.abandoned(second);
        assertTrue(picker.generation() > before, "a block given back is askable again");
        assertNotNull(picker.next(b, new HashMap<>()), "and B may now ask for it");
        long afterAbandon = picker.generation();
        picker.peerHas(1);
        assertTrue(picker.generation() > afterAbandon, "a piece announced by a peer may be new to ask for");
    }

    @Test
    void blocksNobodyWasAskedForInStartedPiecesComeFirstInTheOrderThePiecesStarted() {
        // the first step passes by started pieces with none (their own count): given back, or come unasked, it follows
        PiecePicker p = new PiecePicker(4, 4 * BLOCK, 16L * BLOCK, BLOCK, 0, Integer.MAX_VALUE, new Random(3));
        PieceSet all = new PieceSet(4);
        all.setAll();
        p.peerHasAll();
        Map<Long, Block> to = new HashMap<>();
        List<Block> first = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Block b = p.next(all, to);
            to.put(b.key(), b);
            first.add(b);
        }
        int a = first.get(0).piece();
        assertTrue(first.stream().allMatch(b -> b.piece() == a), "one piece's four blocks: " + first);
        Block next = p.next(all, to);
        int b = next.piece();
        assertTrue(b != a && next.begin() == 0, "a second piece started: " + next);
        to.put(next.key(), next);
        p.abandoned(first.get(2));
        to.remove(first.get(2).key());
        Block again = p.next(all, to);
        assertEquals(a, again.piece(), "the first piece's block given back comes before the second piece's");
        assertEquals(2 * BLOCK, again.begin());
        to.put(again.key(), again);
        p.received(b, BLOCK, BLOCK); // came unasked: not asked again
        Block then = p.next(all, to);
        assertEquals(b, then.piece());
        assertEquals(2 * BLOCK, then.begin(), "the second piece's next block nobody has");
        to.put(then.key(), then);
        p.received(b, 0, BLOCK); // asked, and came: the last block nobody was asked for is still to ask
        to.remove(next.key());
        Block last = p.next(all, to);
        assertEquals(b, last.piece(), "not a new piece: " + last);
        assertEquals(3 * BLOCK, last.begin());
    }

    @Test
    void aPeerWithAFewOfManyPiecesIsAskedForThoseAndNothingElse() {
        // the scan leaps over what the peer lacks and what we took (PiecePicker.nextUntakenHave)
        PiecePicker many = new PiecePicker(1000, BLOCK, 1000L * BLOCK, BLOCK, 0, Integer.MAX_VALUE, new Random(1));
        PieceSet sparse = new PieceSet(1000);
        for (int p : new int[] {3, 700, 999}) {
            sparse.add(p);
        }
        Set<Integer> asked = new HashSet<>();
        Map<Long, Block> toSparse = new HashMap<>();
        for (int i = 0; i < 3; i++) {
            Block b = many.next(sparse, toSparse);
            assertNotNull(b, "ask " + i);
            toSparse.put(b.key(), b);
            asked.add(b.piece());
        }
        assertEquals(Set.of(3, 700, 999), asked);
        Block dup = many.next(sparse, toSparse);
        assertTrue(dup == null || asked.contains(dup.piece()), "nothing it lacks");
        PieceSet seed = new PieceSet(1000);
        seed.setAll();
        Block fromSeed = many.next(seed, new HashMap<>());
        assertNotNull(fromSeed);
        assertFalse(asked.contains(fromSeed.piece()), "a piece not taken yet");
    }

    @Test
    void aPieceSetTellsTheNextPieceItHas() {
        PieceSet s = has(1, 2);
        assertEquals(1, s.nextHave(0));
        assertEquals(2, s.nextHave(2));
        assertEquals(-1, s.nextHave(3));
        PieceSet all = new PieceSet(3);
        all.setAll();
        assertEquals(0, all.nextHave(0));
        assertEquals(2, all.nextHave(2));
        assertEquals(-1, all.nextHave(3), "past the last piece");
    }

    @Test
    void inTheEndgameASecondPeerIsAskedForBlocksStillInFlight() {
        PieceSet a = has(0, 1, 2);
        Map<Long, Block> toA = new HashMap<>();
        for (int i = 0; i < 6; i++) {
            Block blk = picker.next(a, toA);
            assertNotNull(blk, "block " + i);
            toA.put(blk.key(), blk);
        }
        assertNull(picker.next(a, toA), "A has every block in flight already");
        assertTrue(picker.inEndgame());
        Block dup = picker.next(has(0, 1, 2), new HashMap<>());
        assertNotNull(dup);
        assertTrue(toA.containsKey(dup.key()), "the second peer is asked for a block in flight to A");
    }

    @Test
    void theLastBlockOfTheLastPieceIsShort() {
        // piece 2 holds 5*BLOCK+100 - 4*BLOCK = BLOCK+100 bytes: a full block, then 100 bytes
        assertEquals(BLOCK, picker.block(2, 0).length());
        assertEquals(100, picker.block(2, 1).length());
        assertEquals(2, picker.blocksIn(2));
    }

    @Test
    void amongTheRarestEachPieceIsEquallyLikelyNotTheOneAfterTheLongestTakenRun() {
        int[] chosen = new int[100];
        Random random = new Random(7);
        for (int trial = 0; trial < 2_000; trial++) {
            PiecePicker p = new PiecePicker(100, BLOCK, 100L * BLOCK, BLOCK, 0, Integer.MAX_VALUE, random);
            PieceSet all = new PieceSet(100);
            all.setAll();
            p.peerHasAll();
            for (int i = 0; i < 90; i++) {
                p.markHave(i);
            }
            chosen[p.next(all, Map.of()).piece()]++;
        }
        for (int i = 90; i < 100; i++) {
            // 200 expected each; the first-after-a-random-start rule gave piece 90 about 1,800
            assertTrue(chosen[i] > 120 && chosen[i] < 280, "piece " + i + " chosen " + chosen[i] + " times of 2000");
        }
    }

    @Test
    void aSparedSeedIsOnlyAskedForPiecesNoOtherPeerHas() {
        PieceSet seed = new PieceSet(3);
        seed.setAll();
        picker.peerHasAll();
        picker.seeds(1);
        picker.peerHas(0); // another peer has piece 0
        picker.peerHas(1);
        Map<Long, Block> toSeed = new HashMap<>();
        Set<Integer> asked = new HashSet<>();
        for (Block b = picker.next(seed, toSeed, true, new BitSet(), 1); b != null; b = picker.next(seed, toSeed, true, new BitSet(), 1)) {
            toSeed.put(b.key(), b);
            asked.add(b.piece());
        }
        assertEquals(Set.of(2), asked, "only piece 2 is the seed's alone");
        // not spared (nothing came from the others lately): the seed is asked for the rest too
        Block b = picker.next(seed, toSeed, false, new BitSet(), 1);
        assertNotNull(b);
        assertTrue(b.piece() != 2, "piece " + b.piece());
    }

    @Test
    void aSparedSeedIsAskedForWhatOnlyASlowSourceHasBesideIt() {
        PieceSet seed = new PieceSet(3);
        seed.setAll();
        picker.peerHasAll();
        picker.seeds(1);
        PieceSet slow = new PieceSet(3);
        slow.add(0);
        picker.peerHas(0); // the slow peer has piece 0
        PieceSet fast = new PieceSet(3);
        fast.add(1);
        picker.peerHas(1); // another, not slow, has piece 1
        picker.slowSources(List.of(slow));
        assertEquals(Set.of(0, 2), askedOfSparedSeed(picker, seed), "piece 0 is the slow source's and the seed's alone; piece 1 comes from the other");
    }

    /** Two one-block pieces; a seed has both, {@code slow} and another peer piece 0 (the seeds are not counted yet). */
    private static PiecePicker piece0WithASlowSourceAndAnother(PieceSet slow) {
        PiecePicker p = new PiecePicker(2, BLOCK, 2L * BLOCK, BLOCK, 0, 32, new Random(1));
        p.peerHasAll();
        slow.add(0);
        p.peerHas(0);
        p.peerHas(0); // another peer
        p.slowSources(List.of(slow));
        return p;
    }

    @Test
    void aSlowSourceThatLeavesIsNoLongerTakenOffWhatOthersHave() {
        PieceSet seed = new PieceSet(2);
        seed.setAll();
        PieceSet slow = new PieceSet(2);
        PiecePicker p = piece0WithASlowSourceAndAnother(slow); // piece 0: the seed, the slow peer and another
        p.seeds(1);
        p.peerGone(slow); // availability 2 now: the seed and the other
        assertEquals(Set.of(1), askedOfSparedSeed(p, seed), "piece 0 is the other peer's to give, the gone slow one not counted twice");
    }

    @Test
    void aSlowSourceThatCompletedIsCountedAsASeedNotTakenOffTwice() {
        PieceSet seed = new PieceSet(2);
        seed.setAll();
        PieceSet slow = new PieceSet(2);
        PiecePicker p = piece0WithASlowSourceAndAnother(slow);
        slow.add(1); // it completes before the next tick: a seed now
        p.peerHas(1);
        p.seeds(2);
        assertEquals(Set.of(1), askedOfSparedSeed(p, seed), "piece 0 is the other peer's to give");
    }

    /** The pieces of every block {@code seed}, spared, is asked for by {@code p}, until nothing is left to ask of it. */
    private static Set<Integer> askedOfSparedSeed(PiecePicker p, PieceSet seed) {
        Map<Long, Block> to = new HashMap<>();
        Set<Integer> asked = new HashSet<>();
        for (Block b = p.next(seed, to, true, new BitSet(), 1); b != null; b = p.next(seed, to, true, new BitSet(), 1)) {
            to.put(b.key(), b);
            asked.add(b.piece());
        }
        return asked;
    }

    /** Every block {@code peer} is asked for, until nothing is left to ask of it. */
    private Set<Integer> piecesAskedOf(PieceSet peer, PiecePicker.Outside outside) {
        Map<Long, Block> to = new HashMap<>();
        Set<Integer> asked = new HashSet<>();
        for (Block b = picker.next(peer, to, false, outside, new BitSet(), 1); b != null;
                b = picker.next(peer, to, false, outside, new BitSet(), 1)) {
            to.put(b.key(), b);
            asked.add(b.piece());
        }
        return asked;
    }

    @Test
    void aPeerOfAnotherRackIsOnlyAskedForPiecesNoPeerOfOurRackHas() {
        PieceSet outside = has(0, 1, 2);
        PeerAvailability outsideTold = new PeerAvailability(picker);
        outsideTold.peerHas(0);
        outsideTold.peerHas(1);
        outsideTold.peerHas(2);
        PieceSet mate = has();
        PeerAvailability mateTold = new PeerAvailability(picker);
        mateTold.rackMate(true, mate);
        mateTold.choking(false, mate); // it unchokes us
        mate.add(0);
        mateTold.peerHas(0); // told as it arrives: counted for the rack too
        mate.add(1);
        mateTold.peerHas(1);
        assertEquals(1, picker.inRack(0));
        assertEquals(0, picker.inRack(2));
        assertEquals(Set.of(2), piecesAskedOf(outside, PiecePicker.Outside.OUR_SHARE_OF_WHAT_OUR_RACK_LACKS), "pieces 0 and 1 come from inside the rack");
    }

    @Test
    void aGatewayAsksOtherRacksOnlyForItsShareOfThePiecesItsRackLacks() {
        PieceSet outside = has(0, 1, 2);
        picker.outsideShare(new GatewayShare(1, 2)); // gateway 1 of 2: pieces 1, 3, 5...
        assertEquals(Set.of(1), piecesAskedOf(outside, PiecePicker.Outside.OUR_SHARE_OF_WHAT_OUR_RACK_LACKS),
                "piece 1 is its share; 0 and 2 are the other gateway's");
        assertTrue(piecesAskedOf(outside, PiecePicker.Outside.WHAT_OUR_RACK_LACKS).containsAll(Set.of(0, 2)),
                "from the origin (it sends each first copy once): any piece our rack lacks");
    }

    /** A picker of 32 one-block pieces, gateway 0 of 2 (ours: the even pieces; the other gateway's: the odd ones). */
    private static PiecePicker gatewayZeroOfTwo() {
        PiecePicker p = new PiecePicker(32, BLOCK, 32L * BLOCK, BLOCK, 0, Integer.MAX_VALUE, new Random(1));
        p.outsideShare(new GatewayShare(0, 2));
        return p;
    }

    /** The pieces {@code p} asks a peer of another rack with every piece for, as a gateway while sparing our rack. */
    private static Set<Integer> askedOfOtherRack(PiecePicker p) {
        PieceSet outside = all(32);
        Map<Long, Block> to = new HashMap<>();
        Set<Integer> asked = new HashSet<>();
        for (Block b = p.next(outside, to, false, PiecePicker.Outside.OUR_SHARE_OF_WHAT_OUR_RACK_LACKS, new BitSet(), 1); b != null;
                b = p.next(outside, to, false, PiecePicker.Outside.OUR_SHARE_OF_WHAT_OUR_RACK_LACKS, new BitSet(), 1)) {
            to.put(b.key(), b);
            asked.add(b.piece());
        }
        for (Block b : to.values()) {
            p.abandoned(b); // asked of nobody: the next look sees the same pieces
        }
        return asked;
    }

    private static Set<Integer> odd(Set<Integer> pieces) {
        Set<Integer> odd = new HashSet<>();
        for (int piece : pieces) {
            if (piece % 2 == 1) {
                odd.add(piece);
            }
        }
        return odd;
    }

    /** A connected rack-mate of {@code p}'s that unchokes us, with the pieces it told {@code p} of. */
    private record UnchokingMate(PieceSet pieces, PeerAvailability told) {
        static UnchokingMate of(PiecePicker p, int pieceCount) {
            UnchokingMate m = new UnchokingMate(new PieceSet(pieceCount), new PeerAvailability(p));
            m.told.rackMate(true, m.pieces);
            m.told.choking(false, m.pieces);
            return m;
        }

        /** It has {@code got} now, and says so. */
        void gets(int... got) {
            for (int piece : got) {
                pieces.add(piece);
                told.peerHas(piece);
            }
        }
    }

    @Test
    void anotherGatewaysShareThatFellBehindOursAndWentQuietIsFetchedByUsTooUntilItIsLevel() {
        PiecePicker p = gatewayZeroOfTwo();
        UnchokingMate mate = UnchokingMate.of(p, 32);
        for (int t = 0; t < PiecePicker.SHARE_PATIENCE + 2; t++) {
            p.tick();
            mate.gets(2 * t + 1); // the rack gains pieces 1, 3, 5, 7, 9 of the other share: its gateway delivers
        }
        assertEquals(Set.of(), odd(askedOfOtherRack(p)), "only our share while the other one's gateway delivers");
        int lag = 16 / PiecePicker.SHARE_LAG; // of our share's 16 pieces
        assertEquals(2, lag);
        for (int t = 0; t < PiecePicker.SHARE_PATIENCE; t++) {
            p.tick(); // nothing odd reaches the rack any more (its gateway is gone)
        }
        assertEquals(Set.of(), odd(askedOfOtherRack(p)), "quiet, but no further than ours");
        mate.gets(0, 2, 4, 6, 8, 10); // ours goes on: 6 of ours against 5 of the other's
        p.tick();
        assertEquals(Set.of(), odd(askedOfOtherRack(p)), "behind ours by less than an eighth of a share: its gateway may be waiting with the swarm");
        mate.gets(12); // 7 against 5
        long before = p.generation();
        p.tick();
        assertNotEquals(before, p.generation(), "a share that opens makes every peer's picker look again");
        Set<Integer> odd = odd(askedOfOtherRack(p));
        assertEquals(Set.of(11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31), odd, "quiet and behind by an eighth: every odd piece our rack lacks");

        p.markHave(11); // we fetched one of its pieces, and a rack-mate copied it from us: not its gateway back
        mate.gets(11);
        p.tick(); // 7 against 6
        assertTrue(odd(askedOfOtherRack(p)).contains(13), "open while it lags at all, not only while it lags by an eighth");
        mate.gets(31); // a piece new to the rack that we did not fetch: its gateway is back
        assertEquals(Set.of(), odd(askedOfOtherRack(p)), "closed at once");
        for (int t = 0; t < PiecePicker.SHARE_PATIENCE; t++) {
            p.tick();
        }
        assertEquals(Set.of(), odd(askedOfOtherRack(p)), "7 against 7 and quiet again: level, each share its gateway's");
    }

    @Test
    void sharesThatGoQuietTogetherWaitForTheirGatewaysUntilOursIsAllInTheRack() {
        PiecePicker p = gatewayZeroOfTwo();
        UnchokingMate mate = UnchokingMate.of(p, 32);
        for (int piece = 0; piece < 30; piece++) {
            mate.gets(piece); // as much of each share: 15 and 15
        }
        for (int t = 0; t < 10 * PiecePicker.SHARE_PATIENCE; t++) {
            p.tick(); // the whole swarm waits for the origin: no share gains anything
        }
        assertEquals(Set.of(), odd(askedOfOtherRack(p)), "quiet alike: each share is its gateway's");
        mate.gets(30); // all 16 of ours against 15: behind by less than an eighth
        p.tick();
        assertEquals(Set.of(31), askedOfOtherRack(p), "ours is all in the rack: the other one, quiet, is open to us");
    }

    /** A peer with {@code pieces} (of the 3), as its connection tells the picker: a Have each. */
    private PeerAvailability told(PieceSet pieces) {
        PeerAvailability a = new PeerAvailability(picker);
        for (int p = 0; p < 3; p++) {
            if (pieces.has(p)) {
                a.peerHas(p);
            }
        }
        return a;
    }

    @Test
    void withoutSparingOrInTheEndgameTheShareDoesNotHoldBack() {
        picker.outsideShare(new GatewayShare(0, 3)); // pieces 0, 3, 6...
        PieceSet outside = has(0, 1, 2);
        assertEquals(Set.of(0, 1, 2), piecesAskedOf(outside, PiecePicker.Outside.ANY), "not sparing (our rack went quiet): anything");
    }

    @Test
    void aPeerThatNoLongerCountsAsOurRacksFreesItsPiecesForTheOtherRacks() {
        PieceSet mate = has(0, 1);
        PeerAvailability mateTold = told(mate);
        mateTold.rackMate(true, mate); // the tracker named it after it connected: what it has counts at once
        mateTold.choking(false, mate); // it unchokes us
        assertEquals(1, picker.inRack(1));
        PieceSet outside = has(0, 1, 2);
        assertEquals(Set.of(2), piecesAskedOf(outside, PiecePicker.Outside.OUR_SHARE_OF_WHAT_OUR_RACK_LACKS));
        mateTold.rackMate(false, mate);
        assertEquals(0, picker.inRack(0));
        assertTrue(piecesAskedOf(outside, PiecePicker.Outside.OUR_SHARE_OF_WHAT_OUR_RACK_LACKS).containsAll(Set.of(0, 1)), "no longer of our rack: the rest may come from outside");
    }

    @Test
    void aPieceOnlyRackMatesThatChokeUsHaveComesFromOutsideAfterAWhile() {
        PieceSet mate = has(0, 1);
        PeerAvailability mateTold = told(mate);
        mateTold.rackMate(true, mate);
        assertEquals(0, picker.inRack(0), "it chokes us (as every peer starts): its pieces are not our rack's to give");
        PieceSet outside = has(0, 1, 2);
        for (int t = 1; t < PiecePicker.CHOKED_PATIENCE; t++) {
            picker.tick();
        }
        assertEquals(Set.of(2), piecesAskedOf(outside, PiecePicker.Outside.WHAT_OUR_RACK_LACKS),
                "a while for it to unchoke us before other racks are asked");
        picker.tick();
        assertTrue(piecesAskedOf(outside, PiecePicker.Outside.WHAT_OUR_RACK_LACKS).containsAll(Set.of(0, 1)),
                "then pieces only it has come from outside too");
        mateTold.choking(false, mate);
        assertEquals(1, picker.inRack(0));
        mateTold.choking(true, mate);
        assertEquals(List.of(0, 0), List.of(picker.inRack(0), picker.inRack(1)), "choked again: not counted");
        mateTold.peerHas(2);
        mate.add(2);
        assertEquals(0, picker.inRack(2), "nor what it gets meanwhile");
        mateTold.choking(false, mate);
        assertEquals(List.of(1, 1, 1), List.of(picker.inRack(0), picker.inRack(1), picker.inRack(2)));
    }

    @Test
    void aRackMateThatLeavesOrBecomesASeedIsCountedRight() {
        PieceSet mate = has(0);
        PeerAvailability mateTold = new PeerAvailability(picker);
        mateTold.rackMate(true, mate);
        mateTold.choking(false, mate); // it unchokes us
        assertEquals(1, picker.inRack(0));
        mateTold.peerGone(mate); // Have All, as PeerConnection says it: gone, then has every piece
        mate.setAll();
        mateTold.peerHasAll();
        assertEquals(List.of(1, 1, 1), List.of(picker.inRack(0), picker.inRack(1), picker.inRack(2)));
        assertEquals(List.of(1, 1, 1), List.of(picker.availability(0), picker.availability(1), picker.availability(2)));
        mateTold.peerGone(mate);
        assertEquals(List.of(0, 0, 0), List.of(picker.inRack(0), picker.inRack(1), picker.inRack(2)));
        assertEquals(List.of(0, 0, 0), List.of(picker.availability(0), picker.availability(1), picker.availability(2)));
    }

    @Test
    void inTheEndgameAPeerOfAnotherRackIsAskedToo() {
        PieceSet mate = has(0, 1, 2);
        PeerAvailability mateTold = new PeerAvailability(picker);
        mateTold.rackMate(true, mate);
        mateTold.choking(false, mate); // it unchokes us
        for (int p = 0; p < 3; p++) {
            mateTold.peerHas(p);
        }
        Set<Integer> fromMate = piecesAskedOf(mate, PiecePicker.Outside.ANY);
        assertEquals(Set.of(0, 1, 2), fromMate, "everything is asked of the rack first");
        assertTrue(picker.inEndgame());
        PieceSet outside = has(0, 1, 2);
        assertFalse(piecesAskedOf(outside, PiecePicker.Outside.OUR_SHARE_OF_WHAT_OUR_RACK_LACKS).isEmpty(), "the last blocks may come from anyone");
    }

    @Test
    void aPieceThePeerRejectedIsNotAskedOfItAgain() {
        PieceSet a = has(0, 1, 2);
        for (int p = 0; p < 3; p++) {
            picker.peerHas(p);
        }
        BitSet refused = new BitSet();
        refused.set(0);
        refused.set(2);
        Map<Long, Block> toA = new HashMap<>();
        Set<Integer> asked = new HashSet<>();
        for (Block b = picker.next(a, toA, false, refused, 1); b != null; b = picker.next(a, toA, false, refused, 1)) {
            toA.put(b.key(), b);
            asked.add(b.piece());
        }
        assertEquals(Set.of(1), asked);
    }

    /** A torrent of {@code n} one-block pieces, one connected seed (availability 1 everywhere). */
    private static PiecePicker withOneSeed(int n, int windowPieces, int randomFirstPieces, long seed) {
        PiecePicker p = new PiecePicker(n, BLOCK, (long) n * BLOCK, BLOCK, randomFirstPieces, windowPieces, new Random(seed));
        p.peerHasAll();
        p.seeds(1);
        return p;
    }

    private static PieceSet all(int n) {
        PieceSet s = new PieceSet(n);
        s.setAll();
        return s;
    }

    /** The one-block piece of {@code b} arrives and is verified. */
    private static void arrives(PiecePicker p, Block b) {
        p.received(b.piece(), b.begin(), b.length());
        p.markHave(b.piece());
    }

    /**
     * Downloads a 1,000-piece torrent from one seed, each piece arriving as soon as it is chosen;
     * returns how many pieces were held beyond the first missing one when one piece was left:
     * what an md5 computed in order still has to read after the last piece.
     */
    private static int piecesAheadOfTheLastMissing(int windowPieces, long seed) {
        int n = 1000;
        PiecePicker p = withOneSeed(n, windowPieces, 4, seed);
        PieceSet all = all(n);
        int ahead = -1;
        for (Block b = p.next(all, Map.of()); b != null; b = p.next(all, Map.of())) {
            if (p.haveCount() == n - 1) {
                BitSet have = p.have();
                ahead = have.get(have.nextClearBit(0), n).cardinality();
            }
            arrives(p, b);
        }
        assertTrue(p.isComplete());
        return ahead;
    }

    @Test
    void newPiecesStartNearTheFirstMissingPieceSoAnInOrderMd5KeepsUp() {
        int windowed = 0;
        int anywhere = 0;
        for (long seed = 1; seed <= 20; seed++) {
            windowed += piecesAheadOfTheLastMissing(32, seed);
            anywhere += piecesAheadOfTheLastMissing(Integer.MAX_VALUE, seed);
        }
        // uniform among the first 32 missing: about 32 left on average; anywhere: hundreds
        assertTrue(windowed / 20 <= 64, "pieces left for the md5 after the last one, on average: " + windowed / 20);
        assertTrue(anywhere / 20 > 150, "without a window: " + anywhere / 20);
    }

    @Test
    void aRarerPieceFarOutsideTheWindowStillComesFirst() {
        int n = 1000;
        PiecePicker p = withOneSeed(n, 8, 0, 3);
        for (int i = 0; i < n; i++) {
            if (i != 900) {
                p.peerHas(i); // another peer has every piece but 900
            }
        }
        assertEquals(900, p.next(all(n), Map.of()).piece());
    }

    @Test
    void aPieceManyHostsHaveIsNotLeftForTheEndSoTheMd5CanPassIt() {
        int n = 1000;
        PiecePicker p = withOneSeed(n, 32, 0, 5);
        for (int i = 0; i < 100; i++) {
            p.peerHas(i); // another host has the first 100 pieces: the rest are rarer
        }
        for (int k = 0; k < 500; k++) {
            arrives(p, p.next(all(n), Map.of()));
        }
        // a fourth of the pieces started in order: the first 100 are here after 400, whatever their rarity
        assertTrue(p.have().nextClearBit(0) >= 100, "first missing piece: " + p.have().nextClearBit(0));
    }

    @Test
    void fromAPeerThatIsNotASeedTheWindowAppliesToPiecesOnlyItAndTheSeedsHave() {
        int n = 1000;
        for (long seed = 1; seed <= 20; seed++) {
            PiecePicker p = withOneSeed(n, 32, 0, seed);
            PieceSet other = new PieceSet(n);
            for (int i = 0; i < n - 1; i++) {
                other.add(i); // every piece but the last: not a seed
                p.peerHas(i);
            }
            // availability 2 (the seed and this peer) is the rarest a piece from it can be: the
            // choice stays among the first 32 of them; a scan of the whole file picked anywhere
            int piece = p.next(other, Map.of()).piece();
            assertTrue(piece < 32, "piece " + piece);
        }
    }

    @Test
    void everyFourthPieceStartedIsTheFirstMissingEvenWhenCallsInBetweenFindNothing() {
        int n = 1000;
        PiecePicker p = withOneSeed(n, 32, 0, 9);
        PieceSet nothing = new PieceSet(n);
        for (int i = 0; i < 100; i++) {
            p.peerHas(i); // common: rarest-first alone leaves them for later
        }
        int inOrder = 0;
        for (int k = 0; k < 40; k++) {
            int firstMissing = p.have().nextClearBit(0);
            Block b = p.next(all(n), Map.of());
            if (b.piece() == firstMissing) {
                inOrder++;
            }
            arrives(p, b);
            assertNull(p.next(nothing, Map.of()), "a peer with nothing gets no request");
        }
        // counted per piece started, not per call: a call that found nothing does not use a turn
        assertEquals(10, inOrder);
    }

    /** One piece of two blocks, and two peers with it (see {@link #seedOfOnePiece}). */
    private final PiecePicker one = new PiecePicker(1, 2 * BLOCK, 2 * BLOCK, BLOCK, 0, Integer.MAX_VALUE, new Random(1));

    /** A peer with the one piece of {@link #one}, announced to it. */
    private PieceSet seedOfOnePiece() {
        PieceSet s = new PieceSet(1);
        s.setAll();
        one.peerHasAll();
        return s;
    }

    @Test
    void aPieceThatFailedIsFetchedAgainFromThePeerThatStartsItAlone() {
        PieceSet a = seedOfOnePiece();
        PieceSet b = seedOfOnePiece();
        Block fromA = one.next(a, new HashMap<>());
        Block fromB = one.next(b, new HashMap<>());
        assertEquals(0, fromB.piece(), "before a failure, blocks of a started piece go to any peer");
        one.received(0, fromA.begin(), fromA.length());
        assertEquals(PiecePicker.Arrival.PIECE_DONE, one.received(0, fromB.begin(), fromB.length()));
        one.failed(0);

        Block again = one.next(a, new HashMap<>());
        assertEquals(0, again.begin(), "A starts the failed piece again");
        assertNull(one.next(b, new HashMap<>()), "B is not asked for any block of it, the endgame included");
        Block rest = one.next(a, Map.of(again.key(), again));
        assertEquals(BLOCK, rest.begin(), "A is asked for the rest of it");
        assertNull(one.next(b, new HashMap<>()));

        one.abandoned(rest); // A choked, rejected or left: anyone may help now
        Block helped = one.next(b, new HashMap<>());
        assertNotNull(helped);
        assertEquals(BLOCK, helped.begin());
    }

    @Test
    void aSuspectPiecesOnePeerThatBringsNothingForAWhileLosesIt() {
        PieceSet a = seedOfOnePiece();
        PieceSet b = seedOfOnePiece();
        Block first = one.next(a, new HashMap<>());
        one.received(0, first.begin(), first.length());
        Block second = one.next(a, Map.of());
        one.received(0, second.begin(), second.length());
        one.failed(0);
        Block again = one.next(a, new HashMap<>());
        assertNull(one.next(b, new HashMap<>()), "A alone may bring the suspect piece");
        for (int t = 1; t < PiecePicker.EXCLUSIVE_PATIENCE; t++) {
            one.tick();
        }
        assertNull(one.next(b, new HashMap<>()), "not before its patience is over");
        one.tick();
        Block helped = one.next(b, new HashMap<>());
        assertNotNull(helped, "A brought nothing for " + PiecePicker.EXCLUSIVE_PATIENCE + " ticks: B may help");
        assertEquals(BLOCK, helped.begin());
        assertEquals(0, again.begin());
    }

    /**
     * A picker told when it last found nothing for a peer (and so looks only at the pieces changed
     * since) asks for exactly what one that looks at every piece asks for: two pickers in lockstep
     * through random announces, requests, arrivals, refusals, chokes, leaves, failed pieces, seeds,
     * ticks and sparing, without racks and as a gateway with two rack-mates (each peer told to both
     * pickers through its own {@link PeerAvailability}, as a session does). It fails if a change that
     * may concern every piece is kept as one piece's.
     */
    @Test
    void aPickerToldWhenItFoundNothingAsksForWhatALookAtEveryPieceFinds() {
        int compared = 0;
        for (long seed = 1; seed <= 200; seed++) {
            compared += lockstep(seed, false);
            compared += lockstep(seed, true);
        }
        assertTrue(compared > 20_000, "answers compared: " + compared);
    }

    /** One random run of {@link #aPickerToldWhenItFoundNothingAsksForWhatALookAtEveryPieceFinds}; returns the answers compared. */
    private static int lockstep(long seed, boolean racks) {
        Random events = new Random(seed);
        int pieces = 24;
        long pieceLength = 4L * BLOCK;
        PiecePicker full = new PiecePicker(pieces, pieceLength, pieces * pieceLength, BLOCK, 2, 3, new Random(seed));
        PiecePicker told = new PiecePicker(pieces, pieceLength, pieces * pieceLength, BLOCK, 2, 3, new Random(seed));
        PiecePicker[] both = {full, told};
        int peers = 6;
        PieceSet[] has = new PieceSet[peers];
        PeerAvailability[][] avail = new PeerAvailability[peers][];
        boolean[] mate = new boolean[peers]; // with racks, peers 1 and 2 share our rack; 0 is the origin
        List<Map<Long, Block>> askedFull = new ArrayList<>();
        List<Map<Long, Block>> askedTold = new ArrayList<>();
        BitSet[] refused = new BitSet[peers];
        long[] nothingAt = new long[peers];
        if (racks) {
            for (PiecePicker p : both) {
                p.outsideShare(new GatewayShare(0, 2));
            }
        }
        for (int c = 0; c < peers; c++) {
            has[c] = new PieceSet(pieces);
            avail[c] = new PeerAvailability[] {new PeerAvailability(full), new PeerAvailability(told)};
            mate[c] = racks && (c == 1 || c == 2);
            for (PeerAvailability a : avail[c]) {
                a.rackMate(mate[c], has[c]);
            }
            askedFull.add(new HashMap<>());
            askedTold.add(new HashMap<>());
            refused[c] = new BitSet();
            nothingAt[c] = -1;
        }
        has[0].setAll(); // a seed from the start, spared while sparing is on
        for (PeerAvailability a : avail[0]) {
            a.peerHasAll();
        }
        boolean sparing = false;
        int compared = 0;
        for (int step = 0; step < 4000 && !full.isComplete(); step++) {
            int c = events.nextInt(peers);
            String at = "seed " + seed + (racks ? " with racks" : "") + ", step " + step + ", peer " + c;
            switch (events.nextInt(11)) {
                case 0, 1 -> { // it announces a piece, or now and then all it lacks (a seed more)
                    boolean all = events.nextInt(10) == 0;
                    for (int piece = all ? 0 : events.nextInt(pieces); piece < pieces; piece = all ? piece + 1 : pieces) {
                        if (has[c].add(piece)) {
                            for (PeerAvailability a : avail[c]) {
                                a.peerHas(piece);
                            }
                        }
                    }
                }
                case 2, 3, 4 -> { // the session fills its requests (as TorrentSession.fill and outside)
                    boolean spare = sparing && c == 0;
                    PiecePicker.Outside outside = TorrentSession.outside(racks && sparing, mate[c], c == 0);
                    while (askedFull.get(c).size() < 3) {
                        Block a = full.next(has[c], askedFull.get(c), spare, outside, refused[c], 1);
                        Block b = told.next(has[c], askedTold.get(c), spare, outside, refused[c], 1, nothingAt[c]);
                        compared++;
                        assertEquals(a, b, at);
                        if (a == null) {
                            nothingAt[c] = told.generation();
                            break;
                        }
                        askedFull.get(c).put(a.key(), a);
                        askedTold.get(c).put(b.key(), b);
                    }
                }
                case 5, 6 -> { // a block it was asked for arrives
                    Block b = any(askedFull.get(c), events);
                    if (b != null) {
                        askedFull.get(c).remove(b.key());
                        askedTold.get(c).remove(b.key());
                        PiecePicker.Arrival arrival = full.received(b.piece(), b.begin(), b.length());
                        assertEquals(arrival, told.received(b.piece(), b.begin(), b.length()), at);
                        if (arrival == PiecePicker.Arrival.PIECE_DONE) {
                            boolean bad = events.nextInt(6) == 0;
                            for (PiecePicker p : both) {
                                if (bad) {
                                    p.failed(b.piece());
                                } else {
                                    p.markHave(b.piece());
                                }
                            }
                        }
                    }
                }
                case 7 -> { // it refuses one
                    Block b = any(askedFull.get(c), events);
                    if (b != null) {
                        askedFull.get(c).remove(b.key());
                        askedTold.get(c).remove(b.key());
                        refused[c].set(b.piece());
                        for (PiecePicker p : both) {
                            p.abandoned(b);
                        }
                    }
                }
                case 8 -> { // it chokes us (or unchokes us), or leaves and another peer takes its place
                    for (Block b : askedFull.get(c).values()) {
                        for (PiecePicker p : both) {
                            p.abandoned(b);
                        }
                    }
                    askedFull.get(c).clear();
                    askedTold.get(c).clear();
                    boolean chokes = events.nextBoolean();
                    for (PeerAvailability a : avail[c]) {
                        a.choking(chokes, has[c]);
                    }
                    if (racks && (c == 1 || c == 2) && events.nextInt(3) == 0) { // the tracker says it left our rack, or came back
                        mate[c] = !mate[c];
                        for (PeerAvailability a : avail[c]) {
                            a.rackMate(mate[c], has[c]);
                        }
                    }
                    if (c > 0 && events.nextInt(3) == 0) {
                        for (PeerAvailability a : avail[c]) {
                            a.peerGone(has[c]);
                        }
                        has[c] = new PieceSet(pieces);
                        avail[c] = new PeerAvailability[] {new PeerAvailability(full), new PeerAvailability(told)};
                        mate[c] = racks && (c == 1 || c == 2);
                        for (PeerAvailability a : avail[c]) {
                            a.rackMate(mate[c], has[c]);
                        }
                        refused[c].clear();
                        nothingAt[c] = -1;
                    }
                }
                case 9 -> { // a second passes: ticks, refusals forgotten, sparing ends
                    for (PiecePicker p : both) {
                        p.tick();
                    }
                    if (events.nextBoolean()) {
                        sparing = false;
                        for (BitSet r : refused) {
                            r.clear();
                        }
                        for (PiecePicker p : both) {
                            p.touch();
                        }
                    }
                }
                default -> { // a preferred peer delivered: sparing starts (allows less: no touch); seeds are counted
                    sparing = true;
                    int seeds = 0;
                    for (PieceSet h : has) {
                        seeds += h.isAll() ? 1 : 0;
                    }
                    for (PiecePicker p : both) {
                        p.seeds(seeds);
                    }
                }
            }
        }
        return compared;
    }

    private static Block any(Map<Long, Block> asked, Random events) {
        if (asked.isEmpty()) {
            return null;
        }
        List<Block> blocks = new ArrayList<>(asked.values());
        blocks.sort((x, y) -> Long.compare(x.key(), y.key()));
        return blocks.get(events.nextInt(blocks.size()));
    }

    @Test
    void blocksSetToBeSkippedAreNeverAskedAndThePieceCompletesWithoutThem() {
        // 2 pieces of 4 blocks: blocks 2-3 of piece 0 are padding; piece 1 would be all padding, and is fetched
        PiecePicker p = new PiecePicker(2, 4 * BLOCK, 8L * BLOCK, BLOCK, 0, Integer.MAX_VALUE, new Random(1));
        java.util.BitSet zeroTail = new java.util.BitSet();
        zeroTail.set(2, 4);
        java.util.BitSet all = new java.util.BitSet();
        all.set(0, 4);
        p.skip(piece -> piece == 0 ? zeroTail : all);
        PieceSet one = new PieceSet(2);
        one.add(0);
        p.peerHas(0);
        Map<Long, Block> asked = new HashMap<>();
        Block b = p.next(one, asked, false, new java.util.BitSet(), 1);
        assertEquals(new Block(0, 0, BLOCK), b);
        asked.put(b.key(), b);
        Block c = p.next(one, asked, false, new java.util.BitSet(), 1);
        assertEquals(new Block(0, BLOCK, BLOCK), c);
        asked.put(c.key(), c);
        assertEquals(null, p.next(one, asked, false, new java.util.BitSet(), 1), "blocks 2 and 3 are never asked");
        assertEquals(PiecePicker.Arrival.NEEDED, p.received(0, 0, BLOCK));
        assertEquals(PiecePicker.Arrival.PIECE_DONE, p.received(0, BLOCK, BLOCK), "done without blocks 2 and 3");
        PieceSet two = new PieceSet(2);
        two.add(1);
        p.peerHas(1);
        Block d = p.next(two, new HashMap<>(), false, new java.util.BitSet(), 4);
        assertEquals(new Block(1, 0, 4 * BLOCK), d, "a piece that would be all padding is fetched whole");
    }
}
