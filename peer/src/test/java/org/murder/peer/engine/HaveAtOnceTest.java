package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Which Haves of a piece just verified get a flush of their own ({@link TorrentSession#haveAtOnce}); the rest ride with the next one. */
class HaveAtOnceTest {
    @Test
    void withoutRacksNewsGoesAtOnceToAPeerWeUnchokeOnly() {
        assertTrue(TorrentSession.haveAtOnce(true, false, false, false), "it may ask us for it now");
        assertFalse(TorrentSession.haveAtOnce(true, true, false, false), "it waits for our slot: the next flush");
        assertFalse(TorrentSession.haveAtOnce(false, false, false, false), "it has the piece: nothing it can act on");
    }

    @Test
    void withRacksNewsGoesAtOnceToRackMatesAndWithTheNextFlushToOtherRacks() {
        assertTrue(TorrentSession.haveAtOnce(true, false, true, true), "a rack-mate fetches from outside what it thinks its rack lacks");
        assertTrue(TorrentSession.haveAtOnce(true, true, true, true), "even one that waits for our slot");
        assertFalse(TorrentSession.haveAtOnce(true, false, false, true),
                "a peer of another rack: its Haves and their ACKs crossed the rack uplinks one packet each");
        assertFalse(TorrentSession.haveAtOnce(false, false, true, true));
    }
}
