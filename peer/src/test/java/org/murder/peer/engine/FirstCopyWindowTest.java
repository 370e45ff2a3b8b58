package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The origin's first-copy policy on its own: peers are plain strings, time is given. */
class FirstCopyWindowTest {
    /** How many of the origin's peers say they have each piece. */
    private final int[] held = new int[4];
    private final FirstCopy<String> policy = new FirstCopy<>(4, piece -> 1000, piece -> held[piece]); // pieces of 1000 bytes; the tests below send blocks of 10
    private final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    /** Connections "a#1", "a#2" of one peer "a"; pieces of 20 bytes. */
    private final FirstCopy<String> byPeer = new FirstCopy<>(4, piece -> 20, c -> c.substring(0, c.indexOf('#')), piece -> held[piece]);

    @Test
    void aPieceOnItsWayToOnePeerGoesToOthersFromItUntilTheWindowAfterItsLastBlock() {
        assertFalse(policy.goesElsewhere(0, "a", t0, 0), "the first copy of piece 0 goes to a");
        assertTrue(policy.goesElsewhere(0, "b", t0, 0), "b is to get piece 0 from a");
        assertFalse(policy.goesElsewhere(1, "b", t0, 0), "piece 1 is new: b gets it");
        Instant later = t0.plusMillis(1500);
        assertFalse(policy.goesElsewhere(0, "a", later, 0), "a gets the rest of its piece");
        assertTrue(policy.goesElsewhere(0, "b", later.plus(FirstCopy.STUCK).minusMillis(1), 0),
                "a's blocks are not out yet: still a's, up to the stuck time");
        policy.sent(0, "a", 10, later);
        policy.sent(0, "a", 10, later);
        assertTrue(policy.goesElsewhere(0, "b", later.plus(FirstCopy.WINDOW).minusMillis(1), 0), "still a's");
        assertFalse(policy.goesElsewhere(0, "b", later.plus(FirstCopy.WINDOW), 0),
                "a got part of it and stopped asking: after the window b takes the piece over");
        assertTrue(policy.goesElsewhere(0, "a", later.plus(FirstCopy.WINDOW), 0), "so a waits for b's copy");
        assertFalse(policy.goesElsewhere(0, "b", later.plus(FirstCopy.WINDOW).plusMillis(1), 0), "b's own asks go on");
    }

    @Test
    void whenTheFirstPeerLeavesTheNextToAskGetsIt() {
        assertFalse(policy.goesElsewhere(2, "a", t0, 0));
        policy.gone("a", t0);
        assertFalse(policy.goesElsewhere(2, "b", t0.plusMillis(1), 0));
        assertTrue(policy.goesElsewhere(2, "c", t0.plusMillis(2), 0));
    }

    /**
     * A peer whose end closed while a first copy was still on its way to it died mid-download: what went
     * whole only to it is served to the next asker at once, not held for the doubt and the patience.
     * Closed by us (a busy origin let it go), or with nothing on its way, it is held as before.
     */
    @Test
    void aPeerThatDiedMidDownloadHoldsNoneOfThePiecesOnlyItGot() {
        for (boolean closedHere : new boolean[] {false, true}) {
            FirstCopy<String> p = new FirstCopy<>(4, piece -> 20, piece -> held[piece]);
            for (int piece = 0; piece < 3; piece++) {
                assertFalse(p.goesElsewhere(piece, "a", t0, 0, true));
                assertFalse(p.goesElsewhere(piece, "a", t0, 0, true));
                p.sent(piece, "a", 10, t0);
                if (piece < 2) {
                    p.sent(piece, "a", 10, t0); // pieces 0 and 1 went whole; piece 2's second block waits
                }
            }
            held[1] = 1; // another peer of ours has piece 1 from a
            p.gone("a", t0.plusMillis(100), closedHere);
            Instant asked = t0.plusMillis(200);
            assertEquals(closedHere, p.goesElsewhere(0, "b", asked, 0, true),
                    closedHere ? "let go by us: a shares piece 0, b waits for it" : "a died: b gets piece 0 at once");
            assertTrue(p.goesElsewhere(1, "b", asked, 1, true), "piece 1 spreads from the peer that has it, whoever a was");
            assertFalse(p.goesElsewhere(2, "c", asked, 0, true), "piece 2 was not whole: the next asker's either way");
            held[1] = 0;
        }
        FirstCopy<String> idle = new FirstCopy<>(4, piece -> 20, piece -> held[piece]);
        assertFalse(idle.goesElsewhere(0, "a", t0, 0, true));
        idle.sent(0, "a", 20, t0);
        assertFalse(idle.goesElsewhere(1, "a", t0, 0, true));
        idle.sent(1, "a", 20, t0);
        held[1] = 1; // passed on before it went
        idle.gone("a", t0.plusMillis(100), false); // its end closed with nothing on its way: it left when it chose to
        Instant first = t0.plusMillis(200);
        assertTrue(idle.goesElsewhere(0, "b", first, 0, true), "nothing on its way: held for the doubt");
        Instant doubted = first.plus(idle.doubt());
        assertFalse(idle.goesElsewhere(0, "b", doubted, 0, true),
                "none of our peers got piece 0 since it went (piece 1 it passed on before says nothing): it left, b gets it");
        assertTrue(idle.goesElsewhere(1, "c", doubted, 1, true), "piece 1 spreads from the peer that has it");
        held[1] = 0;

        FirstCopy<String> shares = new FirstCopy<>(4, piece -> 20, piece -> held[piece]);
        for (int piece = 0; piece < 2; piece++) {
            assertFalse(shares.goesElsewhere(piece, "a", t0, 0, true));
            shares.sent(piece, "a", 20, t0);
        }
        shares.gone("a", t0.plusMillis(100), false);
        assertTrue(shares.goesElsewhere(0, "b", first, 0, true));
        held[1] = 1; // piece 1, which nobody had when a went, reached a peer of ours since: a shares
        assertTrue(shares.goesElsewhere(0, "b", first.plus(shares.doubt()), 0, true), "a shares: b waits for piece 0 from it");
        held[1] = 0;
    }

    @Test
    void aClockThatSteppedBackDoesNotKeepAPieceForever() {
        assertFalse(policy.goesElsewhere(3, "a", t0, 0));
        policy.sent(3, "a", 10, t0);
        assertFalse(policy.goesElsewhere(3, "b", t0.minus(Duration.ofMinutes(1)), 0), "before the first ask: not within the window");
    }

    @Test
    void onceAnotherPeerHasThePieceItIsNotSentAgainEvenAfterTheWindow() {
        assertFalse(policy.goesElsewhere(1, "a", t0, 0));
        policy.sent(1, "a", 10, t0);
        Instant after = t0.plus(FirstCopy.WINDOW).plusSeconds(30);
        assertTrue(policy.goesElsewhere(1, "b", after, 1), "a (or another) has it: b gets it from the swarm, not from the origin");
        assertFalse(policy.goesElsewhere(1, "b", after, 0), "nobody has it: b is served");
        assertTrue(policy.goesElsewhere(1, "a", after, 1), "b took it over (a got part and stopped asking): a waits for b's copy");
        assertFalse(policy.goesElsewhere(1, "b", after.plusSeconds(1), 1), "b's own asks go on");
    }

    @Test
    void theWindowRunsFromTheLastBlockSentToTheFirstPeer() {
        assertFalse(policy.goesElsewhere(2, "a", t0, 0), "a asks every block of piece 2 at t0");
        Instant slow = t0.plus(FirstCopy.WINDOW).plusSeconds(3); // a busy uplink: its blocks are still going out
        policy.sent(2, "a", 10, slow);
        policy.sent(2, "b", 10, slow.plusSeconds(100)); // not b's piece: no effect
        assertTrue(policy.goesElsewhere(2, "b", slow.plus(FirstCopy.WINDOW).minusMillis(1), 0), "still on its way to a");
        assertFalse(policy.goesElsewhere(2, "b", slow.plus(FirstCopy.WINDOW), 0), "a window after the last block: b is served");
    }

    @Test
    void aPieceWhoseFirstCopyWentOutWholeIsNotSentAgainWhileItsPeerStays() {
        assertFalse(policy.goesElsewhere(0, "a", t0, 0));
        policy.sent(0, "a", 600, t0);
        policy.sent(0, "a", 400, t0); // whole: a has it, and shares it (before the seed hears its Have)
        Instant muchLater = t0.plus(FirstCopy.WINDOW).plusSeconds(600);
        assertTrue(policy.goesElsewhere(0, "b", muchLater, 0), "b gets it from the swarm");
        assertTrue(policy.goesElsewhere(0, "c", muchLater.plus(FirstCopy.PATIENCE), 0), "c too: its first refusal");
        assertFalse(policy.goesElsewhere(0, "b", muchLater.plus(FirstCopy.PATIENCE), 0),
                "b found it nowhere else within the patience (it may know no holder): served");
        policy.gone("a", muchLater);
        assertTrue(policy.goesElsewhere(0, "d", muchLater.plus(FirstCopy.GONE_WHOLE).minusMillis(1), 0),
                "a left with the piece whole (a busy origin lets idle peers go): still refused a while");
        assertFalse(policy.goesElsewhere(0, "d", muchLater.plus(FirstCopy.GONE_WHOLE), 0),
                "then served: a may have died before sharing it");
    }

    @Test
    void blocksAFirstPeerStoppedTakingKeepThePieceOnlyForTheStuckTime() {
        assertFalse(policy.goesElsewhere(1, "a", t0, 0)); // queued, and a never reads
        assertTrue(policy.goesElsewhere(1, "b", t0.plus(FirstCopy.STUCK).minusMillis(1), 0), "a's block may still go");
        assertFalse(policy.goesElsewhere(1, "b", t0.plus(FirstCopy.STUCK), 0), "nothing written to a for a minute: b takes it");
    }

    @Test
    void aPeerBackOnANewConnectionIsServedAgainWhatWentWholeToItsOldOne() {
        // connections "a#1", "a#2" of one peer "a": what was written to the first may never have arrived
        assertFalse(byPeer.goesElsewhere(0, "a#1", t0, 0));
        byPeer.sent(0, "a#1", 10, t0);
        byPeer.sent(0, "a#1", 10, t0); // written whole
        assertFalse(byPeer.goesElsewhere(1, "a#1", t0, 0));
        byPeer.gone("a#1", t0.plusMillis(1));
        assertFalse(byPeer.goesElsewhere(0, "a#2", t0.plusMillis(2), 0), "it asks again: it did not get it");
        assertTrue(byPeer.goesElsewhere(0, "b#1", t0.plusMillis(3), 0), "and it is a's first copy again, not b's");
        assertFalse(byPeer.goesElsewhere(1, "a#2", t0.plusMillis(4), 0), "the piece it got part of is its own too");
        assertFalse(policy.goesElsewhere(0, "x#1", t0, 0));
        assertTrue(policy.goesElsewhere(0, "x#2", t0, 0), "by default each connection is a peer of its own");
    }

    @Test
    void whatWentWholeToAConnectionThatMadeWayGoesToTheNextAskerOnceItsPeerIsBack() {
        // a's new connection may wait for an upload slot and cannot ask again; b and c must not wait PATIENCE
        assertFalse(byPeer.goesElsewhere(0, "a#1", t0, 0));
        byPeer.sent(0, "a#1", 20, t0);
        assertFalse(byPeer.goesElsewhere(1, "z#1", t0, 0));
        byPeer.sent(1, "z#1", 20, t0);
        byPeer.gone("a#1", t0.plusMillis(1));
        byPeer.gone("z#1", t0.plusMillis(1));
        assertTrue(byPeer.goesElsewhere(0, "b#1", t0.plusMillis(2), 0), "a is not back: b is to get it from a");
        byPeer.back("q#1", t0.plusMillis(2)); // nothing went to q
        assertTrue(byPeer.goesElsewhere(0, "b#1", t0.plusMillis(3), 0), "still a's");
        byPeer.back("a#2", t0.plusMillis(3));
        assertFalse(byPeer.goesElsewhere(0, "b#1", t0.plusMillis(4), 0), "a is back without it: b gets the piece now");
        assertTrue(byPeer.goesElsewhere(0, "c#1", t0.plusMillis(5), 0), "and it is b's first copy");
        assertTrue(byPeer.goesElsewhere(1, "b#1", t0.plusMillis(6), 0), "z, gone and not back, keeps its piece");
        byPeer.back("a#3", t0.plusMillis(6));
        assertTrue(byPeer.goesElsewhere(0, "c#1", t0.plusMillis(7), 0), "a second return changes nothing: b's");
    }

    @Test
    void aPieceWentWholeToAGonePeerIsRefusedToOthersWhileItIsAwayOrBackWithIt() {
        assertFalse(byPeer.goesElsewhere(2, "a#1", t0, 0));
        byPeer.sent(2, "a#1", 20, t0);
        byPeer.gone("a#1", t0);
        assertTrue(byPeer.goesElsewhere(2, "b#1", t0.plusSeconds(1), 0), "a shares it: b is to get it from a");
        // a busy origin let it go for holding a slot with nothing on its way: it comes back with what it was sent
        byPeer.back("a#2", t0.plusSeconds(2));
        assertTrue(byPeer.goesElsewhere(2, "c#1", t0.plusSeconds(3), 1), "a says it has it: c gets it from a");
        assertFalse(byPeer.goesElsewhere(2, "b#1", t0.plusSeconds(4), 0), "nobody says it has it (a lost it): b is served");
    }

    @Test
    void theSamePeerOnASecondConnectionWhileTheFirstLivesTakesItsPieceOver() {
        assertFalse(byPeer.goesElsewhere(3, "a#1", t0, 0));
        assertFalse(byPeer.goesElsewhere(3, "a#2", t0.plusMillis(1), 0), "its own piece");
        byPeer.sent(3, "a#2", 20, t0.plusMillis(2));
        byPeer.gone("a#1", t0.plusMillis(3)); // the connection that made way: the piece is a#2's
        assertTrue(byPeer.goesElsewhere(3, "b#1", t0.plusMillis(4), 1), "a has it: b gets it from a");
        byPeer.gone("a#2", t0.plusMillis(5));
        assertFalse(byPeer.goesElsewhere(3, "a#3", t0.plusMillis(6), 0), "a back again asking for it: served");
    }

    /** A policy whose pieces 2 and 3 went whole to "a", gone at t0. */
    private FirstCopy<String> wentWholeToAGonePeer() {
        FirstCopy<String> p = new FirstCopy<>(4, piece -> 1000, piece -> held[piece]);
        for (int piece = 2; piece < 4; piece++) {
            assertFalse(p.goesElsewhere(piece, "a", t0, 0));
            p.sent(piece, "a", 1000, t0);
        }
        p.gone("a", t0);
        return p;
    }

    @Test
    void aPieceThatWentWholeToAGonePeerGoesAtOnceToThePeerWhenNobodyElseCouldBeServed() {
        // the gone peer may have left the swarm (it finished with no seed time): while none of our
        // peers has the piece and no other downloads from us, a second copy costs nobody time
        Instant asked = t0.plusSeconds(1);
        assertFalse(wentWholeToAGonePeer().goesElsewhere(2, "b", asked, 0, false), "served at its first ask");
        FirstCopy<String> spreading = wentWholeToAGonePeer();
        assertTrue(spreading.goesElsewhere(2, "c", asked, 1, false), "while a peer of ours has it, the usual patience");
        assertTrue(spreading.goesElsewhere(2, "c", asked.plus(FirstCopy.PATIENCE).minusMillis(1), 1, false));
        assertFalse(spreading.goesElsewhere(2, "c", asked.plus(FirstCopy.PATIENCE), 1, false));
        FirstCopy<String> busy = wentWholeToAGonePeer();
        held[3] = 1; // a shares: one of our peers got its other piece
        assertTrue(busy.goesElsewhere(2, "d", asked, 0, true), "while others download from us, too");
        assertTrue(busy.goesElsewhere(2, "d", asked.plus(FirstCopy.PATIENCE).minusMillis(1), 0, true));
        assertFalse(busy.goesElsewhere(2, "d", asked.plus(FirstCopy.PATIENCE), 0, true));
    }

    @Test
    void piecesThatWentWholeToAGonePeerGoAgainOnceNoneOfOurPeersHasShownOneOfThemForTheDoubtTime() {
        // two hosts finished and left (no seed time), two fresh ones download: nobody has a's pieces,
        // and refusing them for the whole patience stalled both fresh hosts for 12 s
        FirstCopy<String> left = wentWholeToAGonePeer();
        Instant asked = t0.plusSeconds(1);
        assertTrue(left.goesElsewhere(2, "b", asked, 0, true), "a may still share it: b looks elsewhere");
        assertTrue(left.goesElsewhere(2, "c", asked.plus(FirstCopy.DOUBT).minusMillis(1), 0, true), "still in doubt");
        assertFalse(left.goesElsewhere(2, "c", asked.plus(FirstCopy.DOUBT), 0, true),
                "none of our peers has any of a's pieces: a left, and c gets it");
        assertTrue(left.goesElsewhere(2, "b", asked.plus(FirstCopy.DOUBT), 0, true), "a first copy to c: b gets it from c");
        assertFalse(left.goesElsewhere(3, "b", asked.plus(FirstCopy.DOUBT), 0, true), "a's other piece too, at its first ask");

        FirstCopy<String> shares = wentWholeToAGonePeer();
        assertTrue(shares.goesElsewhere(2, "b", asked, 0, true));
        held[3] = 1; // a peer of ours got a's other piece: from a, or from one that got it from a
        assertTrue(shares.goesElsewhere(2, "b", asked.plus(FirstCopy.DOUBT), 0, true), "a shares: b keeps looking elsewhere");
        held[3] = 0; // that peer went too: a was seen sharing, which holds until the patience
        assertTrue(shares.goesElsewhere(2, "b", asked.plus(FirstCopy.PATIENCE).minusMillis(1), 0, true));
        assertFalse(shares.goesElsewhere(2, "b", asked.plus(FirstCopy.PATIENCE), 0, true), "served after the patience, as before");
    }

    @Test
    void onSlowLinksTheDoubtLastsAFewTimesWhatAFirstCopyTakesToGoOutWhole() {
        // 1 Mbit/s hosts: a piece takes seconds to cross a hop, and so does the sign that a gone peer shares
        FirstCopy<String> p = new FirstCopy<>(4, piece -> 1000, piece -> held[piece]);
        assertTrue(p.doubt().equals(FirstCopy.DOUBT), "nothing measured yet");
        assertFalse(p.goesElsewhere(1, "a", t0, 0));
        p.sent(1, "a", 500, t0.plusSeconds(1));
        p.sent(1, "a", 500, t0.plusSeconds(2)); // whole 2 s after a became its first peer
        assertTrue(p.doubt().equals(Duration.ofSeconds(2 * FirstCopy.DOUBT_PIECES)), p.doubt().toString());
        p.gone("a", t0.plusSeconds(2));
        Instant asked = t0.plusSeconds(3);
        assertTrue(p.goesElsewhere(1, "b", asked, 0, true));
        // asked by c, first refused now: b's own patience (12 s) is not what lets it through
        assertTrue(p.goesElsewhere(1, "c", asked.plus(p.doubt()).minusMillis(1), 0, true), "still in doubt");
        assertFalse(p.goesElsewhere(1, "c", asked.plus(p.doubt()), 0, true), "a left");
    }

    @Test
    void aFirstCopyStuckForAMinuteCountsAsThePatienceAtMost() {
        FirstCopy<String> p = new FirstCopy<>(4, piece -> 1000, piece -> held[piece]);
        assertFalse(p.goesElsewhere(1, "a", t0, 0));
        p.sent(1, "a", 1000, t0.plusSeconds(1)); // 1 s a piece: 3 s of doubt
        assertFalse(p.goesElsewhere(2, "b", t0.plusSeconds(1), 0));
        p.sent(2, "b", 1000, t0.plusSeconds(61)); // behind a peer that stopped reading
        // counted as 12 s: (1 - 1/8 + 12/8) x 3 = 7.125 s, where 60 s would have made 25 s (capped to the patience)
        assertTrue(p.doubt().equals(Duration.ofMillis(7125)), p.doubt().toString());
    }

    @Test
    void aSecondCopyServedAfterThePatienceIsNoSignThatTheGonePeerShares() {
        FirstCopy<String> p = wentWholeToAGonePeer(); // pieces 2 and 3 went whole to a
        Instant asked = t0.plusSeconds(1);
        assertTrue(p.goesElsewhere(2, "b", asked, 1, true), "x has it: b is to get it from x");
        Instant later = asked.plus(FirstCopy.PATIENCE); // x went; nobody asked since
        assertFalse(p.goesElsewhere(2, "b", later, 0, true), "b looked elsewhere long enough: a second copy");
        held[2] = 1; // b's Have of it
        Instant judged = later.plus(FirstCopy.DOUBT);
        assertFalse(p.goesElsewhere(3, "c", judged, 0, true),
                "b's copy came from us, not from a: nothing of a's is seen, a left, and c gets a's other piece");
    }

    @Test
    void aGonePeerJudgedOutOfTheSwarmThatComesBackIsServedAsAnyPeer() {
        FirstCopy<String> p = wentWholeToAGonePeer();
        Instant asked = t0.plusSeconds(1);
        assertTrue(p.goesElsewhere(2, "b", asked, 0, true));
        assertFalse(p.goesElsewhere(2, "b", asked.plus(FirstCopy.DOUBT), 0, true), "a judged out: b gets it");
        p.back("a", asked.plus(FirstCopy.DOUBT).plusMillis(1)); // it was alive after all (a reconnect)
        assertFalse(p.goesElsewhere(3, "a", asked.plus(FirstCopy.DOUBT).plusMillis(2), 0, true), "a asks its old piece again: served");
        assertTrue(p.goesElsewhere(3, "c", asked.plus(FirstCopy.DOUBT).plusMillis(3), 0, true), "a first copy to a: c gets it from a");
    }

    @Test
    void aClockSteppedBackDuringTheDoubtStartsItAgain() {
        FirstCopy<String> p = wentWholeToAGonePeer();
        Instant asked = t0.plusSeconds(10);
        assertTrue(p.goesElsewhere(2, "b", asked, 0, true));
        Instant back = asked.minusSeconds(5); // NTP stepped the clock back
        assertTrue(p.goesElsewhere(2, "c", back, 0, true), "the doubt starts again from here");
        assertTrue(p.goesElsewhere(2, "c", back.plus(FirstCopy.DOUBT).minusMillis(1), 0, true));
        assertFalse(p.goesElsewhere(2, "c", back.plus(FirstCopy.DOUBT), 0, true), "judged a full doubt after the step");
    }

    @Test
    void aGonePeerIsJudgedFromItsFirstDoubtfulRefusalNotFromWhenItWent() {
        FirstCopy<String> p = wentWholeToAGonePeer();
        Instant late = t0.plusSeconds(20); // a went 20 s ago; nobody asked for its pieces since
        assertTrue(p.goesElsewhere(2, "b", late, 0, true), "the first doubtful ask: b looks elsewhere");
        assertTrue(p.goesElsewhere(2, "b", late.plus(FirstCopy.DOUBT).minusMillis(1), 0, true));
        assertFalse(p.goesElsewhere(2, "b", late.plus(FirstCopy.DOUBT), 0, true));
    }

    @Test
    void aFirstCopyIsGoingToItsPeerWhileBlocksOfItWait() {
        assertFalse(policy.goingTo(0, "a"), "nothing asked yet");
        assertFalse(policy.goesElsewhere(0, "a", t0, 0));
        assertTrue(policy.goingTo(0, "a"), "a's block of piece 0 waits");
        assertFalse(policy.goingTo(0, "b"));
        policy.sent(0, "a", 10, t0);
        assertFalse(policy.goingTo(0, "a"), "written out: nothing of it waits");
        assertFalse(policy.goesElsewhere(0, "a", t0, 0));
        policy.sent(0, "a", 0, t0); // not sent: a was choked, say
        assertFalse(policy.goingTo(0, "a"));
    }
}
