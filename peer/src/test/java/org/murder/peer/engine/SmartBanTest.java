package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Who is banned for a piece that failed its hash, without sockets. */
class SmartBanTest {
    private static final byte[] GOOD = {1};
    private static final byte[] BAD = {2};

    private final SmartBan bans = new SmartBan(4);
    private final InetAddress honest = address(1);
    private final InetAddress evil = address(2);
    private final InetAddress other = address(3);

    private static InetAddress address(int last) {
        try {
            return InetAddress.getByAddress(new byte[] {10, 0, 0, (byte) last});
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aFailedPieceFromOnePeerAloneBansThatPeer() {
        bans.wrote(7, 0, 4, evil);
        assertEquals(Set.of(evil), bans.pieceFailed(7, List.of(BAD, BAD, BAD, BAD)));
        assertTrue(bans.isBanned(evil));
    }

    @Test
    void aMixedFailedPieceBansNobodyUntilAGoodCopyShowsWhichBlocksWereBad() {
        bans.wrote(7, 0, 2, honest);
        bans.wrote(7, 2, 3, evil);
        bans.wrote(7, 3, 4, other);
        assertEquals(Set.of(), bans.pieceFailed(7, List.of(GOOD, GOOD, BAD, GOOD)));
        assertFalse(bans.isBanned(honest) || bans.isBanned(evil) || bans.isBanned(other));
        assertTrue(bans.wantsBlockHashes(7), "the good copy of a piece that failed is hashed block by block");

        bans.wrote(7, 0, 4, honest);
        assertEquals(Set.of(evil), bans.pieceVerified(7, List.of(GOOD, GOOD, GOOD, GOOD)));
        assertTrue(bans.isBanned(evil));
        assertFalse(bans.isBanned(honest), "the honest peer sent its blocks into the failed copy too");
        assertFalse(bans.isBanned(other));
        assertFalse(bans.wantsBlockHashes(7), "nothing is kept once the piece is good");
    }

    @Test
    void theLastWriterOfABlockOwnsIt() {
        bans.wrote(3, 0, 4, evil);
        bans.wrote(3, 0, 4, honest); // an endgame copy written over the first
        assertEquals(Set.of(honest), bans.pieceFailed(3, List.of(BAD, BAD, BAD, BAD)));
        assertFalse(bans.isBanned(evil));
    }

    @Test
    void anAddressIsReportedOnceAndStaysBanned() {
        bans.wrote(1, 0, 4, evil);
        assertEquals(Set.of(evil), bans.pieceFailed(1, List.of(BAD, BAD, BAD, BAD)));
        bans.wrote(2, 0, 2, honest);
        bans.wrote(2, 2, 4, evil);
        bans.pieceFailed(2, List.of(GOOD, GOOD, BAD, BAD));
        assertEquals(Set.of(), bans.pieceVerified(2, List.of(GOOD, GOOD, GOOD, GOOD)), "already banned: not reported again");
        assertTrue(bans.isBanned(evil));
        assertEquals(1, bans.bannedCount());
    }

    @Test
    void aGoodPieceThatNeverFailedBansNobody() {
        bans.wrote(0, 0, 4, honest);
        assertFalse(bans.wantsBlockHashes(0));
        assertEquals(Set.of(), bans.pieceVerified(0, List.of()));
    }
}
