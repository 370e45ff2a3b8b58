package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.murder.peer.wire.PeerMessage;

class SendOrderTest {
    private static final int PIECE = 64 * 1024;
    private static final int BLOCK = 16 * 1024;

    private static PeerMessage.Request block(int piece, int n) {
        return new PeerMessage.Request(piece, n * BLOCK, BLOCK);
    }

    private static List<String> drain(SendOrder<String> order) {
        List<String> sent = new ArrayList<>();
        for (SendOrder.Send<String> s = order.poll(); s != null; s = order.poll()) {
            sent.add(s.to() + ":" + s.request().piece() + "/" + s.request().begin() / BLOCK);
            order.sent(s.request().length());
        }
        return sent;
    }

    @Test
    void aRarePieceOvertakesCommonOnesAskedBeforeIt() {
        SendOrder<String> order = new SendOrder<>(PIECE);
        order.add("a", block(1, 0), 10); // ten peers have piece 1
        order.add("a", block(1, 1), 10);
        order.add("b", block(7, 0), 1); // one has piece 7
        assertEquals(List.of("b:7/0", "a:1/0", "a:1/1"), drain(order));
    }

    @Test
    void amongEqualsTheOrderAsked() {
        SendOrder<String> order = new SendOrder<>(PIECE);
        order.add("a", block(3, 0), 2);
        order.add("b", block(4, 0), 2);
        order.add("a", block(3, 1), 2);
        assertEquals(List.of("a:3/0", "b:4/0", "a:3/1"), drain(order));
    }

    @Test
    void theBlocksOfAPieceKeepTheDueOfTheFirstAskedWhileOneWaits() {
        SendOrder<String> order = new SendOrder<>(PIECE);
        order.add("a", block(1, 0), 3);
        order.add("b", block(2, 0), 2); // due one piece sooner than piece 1
        order.add("a", block(1, 1), 0); // asked later, rarer by then: still piece 1's due
        assertEquals(List.of("b:2/0", "a:1/0", "a:1/1"), drain(order));
    }

    @Test
    void noBlockWaitsForGood() {
        // a common piece is due at most AGING_LIMIT pieces of sending after it was asked: rarer
        // pieces asked without end still let it through
        SendOrder<String> order = new SendOrder<>(PIECE);
        order.add("common", block(0, 0), 1000);
        int sentBefore = 0;
        for (int i = 0; i < 10 * SendOrder.AGING_LIMIT * (PIECE / BLOCK); i++) {
            order.add("rare", block(1 + i / (PIECE / BLOCK), i % (PIECE / BLOCK)), 0);
            SendOrder.Send<String> s = order.poll();
            order.sent(s.request().length());
            if (s.to().equals("common")) {
                break;
            }
            sentBefore++;
        }
        assertTrue(sentBefore <= (SendOrder.AGING_LIMIT + 1) * (PIECE / BLOCK), "waited for " + sentBefore + " blocks");
        assertTrue(sentBefore >= (SendOrder.AGING_LIMIT - 1) * (PIECE / BLOCK), "but rarer pieces went first: " + sentBefore);
    }

    @Test
    void aCancelledOrDepartedPeersBlocksAreNotSent() {
        SendOrder<String> order = new SendOrder<>(PIECE);
        order.add("a", block(1, 0), 1);
        order.add("a", block(1, 1), 1);
        order.add("b", block(2, 0), 1);
        order.add("c", block(3, 0), 1);
        assertTrue(order.cancel("a", block(1, 1)));
        assertFalse(order.cancel("a", block(1, 1)), "once");
        assertFalse(order.cancel("b", block(1, 0)), "another peer's request is not cancelled");
        assertEquals(1, order.remove("c").size());
        assertTrue(order.remove("c").isEmpty());
        assertEquals(2, order.size());
        assertEquals(List.of("a:1/0", "b:2/0"), drain(order));
        assertTrue(order.isEmpty());
        assertNull(order.poll());
    }

    @Test
    void forgetsThePiecesOfAPeerOnceNothingOfThemWaits() {
        SendOrder<String> order = new SendOrder<>(PIECE);
        order.add("a", block(1, 0), 0);
        drain(order);
        order.add("b", block(2, 0), 1); // due one piece from now
        order.add("a", block(1, 1), 5); // piece 1 asked again: a new due, five pieces from now
        assertEquals(List.of("b:2/0", "a:1/1"), drain(order));
    }

    @Test
    void aPieceLengthMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new SendOrder<String>(0));
    }

    @Test
    void aBlockAskedTwiceWhileItWaitsIsSentOnce() {
        SendOrder<String> order = new SendOrder<>(PIECE);
        assertTrue(order.add("a", block(1, 0), 1));
        assertFalse(order.add("a", block(1, 0), 1));
        assertTrue(order.add("b", block(1, 0), 1), "another peer's ask is its own");
        assertEquals(List.of("a:1/0", "b:1/0"), drain(order));
        assertTrue(order.add("a", block(1, 0), 1), "once sent, it may be asked again");
        assertEquals(1, order.size());
    }

    @Test
    void aBlockCancelledAndAskedAgainIsSentOnceInItsNewPlace() {
        SendOrder<String> order = new SendOrder<>(PIECE);
        order.add("a", block(1, 0), 0);
        order.add("b", block(2, 0), 1);
        assertTrue(order.cancel("a", block(1, 0)));
        order.add("a", block(1, 0), 3); // asked again, commoner now: after b's
        assertEquals(List.of("b:2/0", "a:1/0"), drain(order));
        assertTrue(order.isEmpty());
    }

    @Test
    void aCancelForABlockOfAnotherLengthTakesNothingBack() {
        SendOrder<String> order = new SendOrder<>(PIECE);
        order.add("a", block(1, 0), 0);
        assertFalse(order.cancel("a", new PeerMessage.Request(1, 0, BLOCK / 2)));
        assertEquals(1, order.size());
    }

    @Test
    void blocksAskedAgainAndAgainDoNotKeepAnOldDue() {
        // a peer that keeps one block of a piece waiting and asks the others again gets fresh dues
        // for what it asks beyond a piece's worth: it cannot hold its place ahead of everyone for good
        SendOrder<String> order = new SendOrder<>(PIECE);
        for (int b = 0; b < PIECE / BLOCK; b++) {
            order.add("greedy", block(1, b), 0);
        }
        for (int b = 0; b < PIECE / BLOCK - 1; b++) {
            order.sent(order.poll().request().length());
        }
        order.add("other", block(2, 0), 1);
        order.add("greedy", block(1, 0), 0); // asked again: past a piece's worth under the old due
        assertEquals(List.of("greedy:1/3", "greedy:1/0", "other:2/0"), drain(order));
    }

    @Test
    void cancelledBlocksDoNotPileUpInMemory() {
        SendOrder<String> order = new SendOrder<>(PIECE);
        order.add("busy", block(9, 0), 1); // waits all along: nothing is polled
        for (int i = 0; i < 100_000; i++) {
            PeerMessage.Request r = block(i % 1000, i % (PIECE / BLOCK));
            order.add("churn", r, 1);
            order.cancel("churn", r);
        }
        assertEquals(1, order.size());
        assertTrue(order.heapSize() <= 2 * order.size() + 1025, "heap " + order.heapSize());
    }

    @Test
    void theBlocksOfAPeerThatCannotTakeMoreWaitAsideInOrderUntilReleased() {
        SendOrder<String> order = new SendOrder<>(PIECE);
        order.add("slow", block(1, 0), 0);
        order.add("slow", block(1, 1), 0);
        order.add("fast", block(2, 0), 3);
        order.add("fast", block(2, 1), 3);
        java.util.Set<String> full = new java.util.HashSet<>(List.of("slow"));
        SendOrder.Send<String> s = order.poll(p -> !full.contains(p));
        assertEquals("fast", s.to(), "the slow peer's rarer blocks wait aside");
        assertEquals(3, order.size());
        assertEquals("fast", order.poll(p -> !full.contains(p)).to());
        assertNull(order.poll(p -> !full.contains(p)), "only the slow peer's are left");
        assertFalse(order.isEmpty());
        order.release("slow");
        assertEquals(List.of("slow:1/0", "slow:1/1"), drain(order));
    }

    @Test
    void aPeerThatAsksAndCancelsWhileItTakesNothingDoesNotPileUpAside() {
        SendOrder<String> order = new SendOrder<>(PIECE);
        for (int i = 0; i < 10_000; i++) {
            PeerMessage.Request r = block(i % 1000, i % (PIECE / BLOCK));
            order.add("stalled", r, 0);
            assertNull(order.poll(p -> false), "it can take nothing: its block waits aside");
            order.cancel("stalled", r);
        }
        assertTrue(order.heldSize() <= 17, "held aside: " + order.heldSize());
        order.add("stalled", block(1, 0), 0);
        assertEquals(1, order.size());
        order.release("stalled");
        assertEquals(List.of("stalled:1/0"), drain(order));
    }

    @Test
    void aChokedPeerKeepsOnlyTheBlocksItIsToKeepInTheirPlace() {
        SendOrder<String> order = new SendOrder<>(PIECE);
        order.add("a", block(1, 0), 3);
        order.add("a", block(2, 0), 0); // say, the origin's first copy of piece 2
        order.add("b", block(5, 0), 2);
        order.add("a", block(2, 1), 0);
        assertEquals("b", order.poll(p -> !p.equals("a")).to(), "a can take no more: its piece 2 waits aside, b's block goes");
        assertEquals(List.of(block(1, 0)), order.removeUnless("a", r -> r.piece() == 2), "what is not kept is taken back");
        assertEquals(2, order.size());
        order.release("a");
        assertEquals(List.of("a:2/0", "a:2/1"), drain(order));
        assertTrue(order.removeUnless("a", r -> false).isEmpty(), "nothing waits for a any more");
        assertTrue(order.removeUnless("nobody", r -> false).isEmpty());
    }

    @Test
    void aPieceOthersHaveIsBetterAskedOfThemOnceTheQueueIsDeep() {
        SendOrder<String> order = new SendOrder<>(PIECE);
        for (int i = 0; i < SendOrder.DEEP_PIECES * PIECE / BLOCK; i++) {
            order.add("a", block(i / (PIECE / BLOCK), i % (PIECE / BLOCK)), 0);
        }
        assertEquals((long) SendOrder.DEEP_PIECES * PIECE, order.waitingBytes());
        assertFalse(order.deeperThanWorthFor(5), "exactly the limit waits: not deeper");
        order.add("b", block(9, 0), 0);
        assertTrue(order.deeperThanWorthFor(2), "two others have it: refused");
        assertFalse(order.deeperThanWorthFor(1), "one other peer only: it may be slow or leaving, so queued");
        assertFalse(order.deeperThanWorthFor(0), "only we have it: queued");
        order.cancel("b", block(9, 0));
        assertFalse(order.deeperThanWorthFor(5), "the bytes follow what is taken back");
        order.remove("a");
        assertEquals(0, order.waitingBytes());
        order.add("c", block(1, 0), 0);
        order.poll();
        assertEquals(0, order.waitingBytes(), "and what is sent");
    }
}
