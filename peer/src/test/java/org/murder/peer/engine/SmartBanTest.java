package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.murder.core.PeerId;

/** Who is banned for a piece that failed its hash, without sockets. */
class SmartBanTest {
    private static final byte[] GOOD = {1};
    private static final byte[] BAD = {2};

    private final SmartBan bans = new SmartBan(4);
    private final PeerConnection.Identity honest = sender(1, 'h');
    private final PeerConnection.Identity evil = sender(2, 'e');
    private final PeerConnection.Identity other = sender(3, 'o');

    private static InetAddress address(int last) {
        try {
            return InetAddress.getByAddress(new byte[] {10, 0, 0, (byte) last});
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static PeerConnection.Identity sender(int address, char id) {
        return new PeerConnection.Identity(PeerId.of(("-TR3000-abcdefghijk" + id).getBytes(StandardCharsets.US_ASCII)),
                address(address));
    }

    @Test
    void aFailedPieceFromOnePeerAloneBansThatPeer() {
        bans.wrote(7, 0, 4, evil);
        assertEquals(Set.of(evil), bans.pieceFailed(7, List.of(BAD, BAD, BAD, BAD)));
        assertTrue(bans.isBanned(evil));
        assertTrue(bans.anyBannedAt(evil.address()));
        assertFalse(bans.addressBanned(evil.address()), "one peer of an address is not the address");
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
    void peersSharingAnAddressAreJudgedApart() {
        PeerConnection.Identity liar = sender(1, 'e'); // the honest peer's address (NAT, one host running two, 127.0.0.1)
        bans.wrote(5, 0, 2, honest);
        bans.wrote(5, 2, 4, liar);
        assertEquals(Set.of(), bans.pieceFailed(5, List.of(GOOD, GOOD, BAD, BAD)), "two senders wrote it: nobody is judged yet");
        bans.wrote(5, 0, 4, honest);
        assertEquals(Set.of(liar), bans.pieceVerified(5, List.of(GOOD, GOOD, GOOD, GOOD)));
        assertFalse(bans.isBanned(honest), "the honest peer at the liar's address is not banned");
        assertFalse(bans.isBanned(new InetSocketAddress(honest.address(), 6881)));

        bans.listensAt(liar, new InetSocketAddress(liar.address(), 6999));
        bans.listensAt(honest, new InetSocketAddress(honest.address(), 6881)); // not banned: not kept
        assertTrue(bans.isBanned(new InetSocketAddress(liar.address(), 6999)), "the liar's listening address is not dialled");
        assertFalse(bans.isBanned(new InetSocketAddress(honest.address(), 6881)));
    }

    @Test
    void anAddressWhosePeersLieUnderNewIdsIsBannedButForThoseWhoseDataPassed() {
        bans.wrote(0, 0, 4, honest);
        bans.pieceVerified(0, List.of()); // the honest peer's data passed
        for (int i = 1; i <= SmartBan.ADDRESS_AFTER; i++) {
            assertFalse(bans.addressBanned(honest.address()), i + " liars");
            PeerConnection.Identity liar = sender(1, (char) ('0' + i));
            bans.wrote(i, 0, 4, liar);
            assertEquals(Set.of(liar), bans.pieceFailed(i, List.of(BAD, BAD, BAD, BAD)));
        }
        assertTrue(bans.addressBanned(honest.address()));
        assertTrue(bans.isBanned(sender(1, 'z')), "a new peer id at the address is refused");
        assertTrue(bans.isBanned(new InetSocketAddress(honest.address(), 6881)), "the address is not dialled");
        assertFalse(bans.isBanned(honest), "a peer there whose data passed is not banned");
        assertFalse(bans.isBanned(other));
    }

    @Test
    void theLastWriterOfABlockOwnsIt() {
        bans.wrote(3, 0, 4, evil);
        bans.wrote(3, 0, 4, honest); // an endgame copy written over the first
        assertEquals(Set.of(honest), bans.pieceFailed(3, List.of(BAD, BAD, BAD, BAD)));
        assertFalse(bans.isBanned(evil));
    }

    @Test
    void aSenderIsReportedOnceAndStaysBanned() {
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
