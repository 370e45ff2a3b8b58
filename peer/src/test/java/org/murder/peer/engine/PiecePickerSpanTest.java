package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Random;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Requests that span several blocks (to murder peers): what they cover, and what their arrival counts. */
class PiecePickerSpanTest {
    private static final int BLOCK = 16384;
    private static final BitSet NONE = new BitSet();

    /** 3 pieces of 4 blocks; the last piece is 2 blocks and 100 bytes (3 blocks). Random order off. */
    private final PiecePicker picker = new PiecePicker(3, 4 * BLOCK, 10 * BLOCK + 100, BLOCK, 0, 1, new Random(1));
    private final PieceSet all = all();
    private final Map<Long, Block> inFlight = new HashMap<>();

    private static PieceSet all() {
        PieceSet s = new PieceSet(3);
        for (int p = 0; p < 3; p++) {
            s.add(p);
        }
        return s;
    }

    private Block ask(int span) {
        Block b = picker.next(all, inFlight, false, NONE, span);
        if (b != null) {
            inFlight.put(b.key(), b);
        }
        return b;
    }

    @Test
    void aSpanCoversConsecutiveBlocksNobodyWasAskedForAndEndsAtThePiece() {
        picker.peerHasAll();
        assertEquals(new Block(0, 0, 3 * BLOCK), ask(3));
        assertEquals(new Block(0, 3 * BLOCK, BLOCK), ask(3), "the rest of piece 0: a span never crosses a piece");
        assertEquals(new Block(1, 0, 3 * BLOCK), ask(3));
        assertEquals(new Block(1, 3 * BLOCK, BLOCK), ask(3));
        assertEquals(new Block(2, 0, 2 * BLOCK + 100), ask(4), "the short last piece in one request of its exact length");
        assertNull(ask(4));
    }

    @Test
    void aSpanStopsAtABlockInFlightElsewhere() {
        picker.peerHasAll();
        Block b0 = ask(1);
        Block b1 = ask(1);
        assertEquals(new Block(0, 2 * BLOCK, BLOCK), ask(1));
        picker.abandoned(b0);
        picker.abandoned(b1);
        inFlight.clear();
        assertEquals(new Block(0, 0, 2 * BLOCK), ask(4), "blocks 0 and 1, given back; block 2 is still in flight");
        assertEquals(new Block(0, 3 * BLOCK, BLOCK), ask(4));
    }

    @Test
    void aSpanGivenBackLeavesTheEndgameAndIsAskedAgainWhole() {
        picker.peerHasAll();
        Block a = ask(4);
        ask(4);
        ask(4);
        assertTrue(picker.inEndgame());
        picker.abandoned(a);
        inFlight.remove(a.key());
        assertFalse(picker.inEndgame(), "four blocks wait to be asked for");
        assertEquals(a, ask(4));
        assertTrue(picker.inEndgame());
    }

    @Test
    void onlyTheBytesNotHereYetCountAsNew() {
        picker.peerHasAll();
        Block span = ask(4);
        picker.received(0, BLOCK, BLOCK);
        assertEquals(BLOCK, picker.lastArrivalNewBytes());
        picker.received(span.piece(), span.begin(), span.length());
        assertEquals(3 * BLOCK, picker.lastArrivalNewBytes(), "block 1 was here already");
        picker.received(span.piece(), span.begin(), span.length());
        assertEquals(0, picker.lastArrivalNewBytes());
    }

    @Test
    void theArrivalOfASpanCountsEveryBlockItCovers() {
        picker.peerHasAll();
        Block first = ask(2);
        Block second = ask(2);
        assertEquals(PiecePicker.Arrival.NEEDED, picker.received(first.piece(), first.begin(), first.length()));
        assertEquals(PiecePicker.Arrival.PIECE_DONE, picker.received(second.piece(), second.begin(), second.length()));
        assertEquals(PiecePicker.Arrival.NOT_NEEDED, picker.received(second.piece(), second.begin(), second.length()),
                "a second copy adds nothing");
    }

    @Test
    void aSpanPartlyHereAlreadyIsStillNeededAndMisalignedDataIsNot() {
        picker.peerHasAll();
        Block span = ask(4);
        assertEquals(PiecePicker.Arrival.NEEDED, picker.received(0, BLOCK, BLOCK), "block 1 came first from another peer");
        assertEquals(PiecePicker.Arrival.PIECE_DONE, picker.received(span.piece(), span.begin(), span.length()));
        Block next = ask(4);
        assertEquals(PiecePicker.Arrival.NOT_NEEDED, picker.received(next.piece(), next.begin(), BLOCK + 1), "ends inside a block");
        assertEquals(PiecePicker.Arrival.NOT_NEEDED, picker.received(next.piece(), 100, BLOCK), "starts inside a block");
        assertEquals(PiecePicker.Arrival.NOT_NEEDED, picker.received(next.piece(), 0, 5 * BLOCK), "beyond the piece");
    }

    @Test
    void theEndgameAsksSingleBlocksAndNoneInsideASpanThisPeerHasAlready() {
        picker.peerHasAll();
        Block a = ask(4);
        Block b = ask(4);
        Block c = ask(4);
        assertEquals(4 * BLOCK, a.length());
        assertEquals(4 * BLOCK, b.length());
        assertEquals(2 * BLOCK + 100, c.length());
        assertTrue(picker.inEndgame());
        assertNull(ask(4), "every block is in a span asked of this very peer");
        Map<Long, Block> other = new HashMap<>();
        Block dup = picker.next(all, other, false, NONE, 4);
        assertEquals(new Block(0, 0, BLOCK), dup, "another peer gets one block at a time");
        other.put(dup.key(), dup);
        assertEquals(new Block(0, BLOCK, BLOCK), picker.next(all, other, false, NONE, 4));
    }

    @Test
    void aSpanLargerThanAnyPeerAcceptsIsRefused() {
        picker.peerHasAll();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ask(9));
        assertEquals("span: 9 blocks (expected: 1 to 8)", e.getMessage());
        assertNotEquals(null, ask(8));
    }
}
