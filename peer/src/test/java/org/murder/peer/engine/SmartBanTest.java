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
    private final SmartBan.Sender honest = sender(1, 'h');
    private final SmartBan.Sender evil = sender(2, 'e');
    private final SmartBan.Sender other = sender(3, 'o');

    private static InetAddress address(int last) {
        try {
            return InetAddress.getByAddress(new byte[] {10, 0, 0, (byte) last});
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static PeerId id(char id) {
        return PeerId.of(("-TR3000-abcdefghijk" + id).getBytes(StandardCharsets.US_ASCII));
    }

    /** A peer that dialled us. */
    private static SmartBan.Sender sender(int address, char id) {
        return new SmartBan.Sender(id(id), address(address), 0);
    }

    /** A peer we dialled at {@code port}. */
    private static SmartBan.Sender dialled(int address, char id, int port) {
        return new SmartBan.Sender(id(id), address(address), port);
    }

    @Test
    void aFailedPieceFromOnePeerAloneBansThatPeer() {
        bans.wrote(7, 0, 4, evil);
        assertEquals(Set.of(evil), bans.pieceFailed(7, List.of(BAD, BAD, BAD, BAD)));
        assertTrue(bans.isBanned(evil));
        assertTrue(bans.anyBannedAt(evil.address()));
        assertFalse(bans.addressBanned(evil.address()), "one peer of an address is not the address");
        assertFalse(bans.isBanned(sender(2, 'x')));
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
        SmartBan.Sender liar = sender(1, 'e'); // the honest peer's address (NAT, one host running two, 127.0.0.1)
        bans.wrote(5, 0, 2, honest);
        bans.wrote(5, 2, 4, liar);
        assertEquals(Set.of(), bans.pieceFailed(5, List.of(GOOD, GOOD, BAD, BAD)), "two senders wrote it: nobody is judged yet");
        bans.wrote(5, 0, 4, honest);
        assertEquals(Set.of(liar), bans.pieceVerified(5, List.of(GOOD, GOOD, GOOD, GOOD)));
        assertFalse(bans.isBanned(honest), "the honest peer at the liar's address is not banned");
        assertFalse(bans.isBanned(new InetSocketAddress(honest.address(), 6881)));
    }

    /** A liar that dialled us under the peer id of the seed we dial (on 127.0.0.1 every peer id is easy to learn). */
    @Test
    void aLiarUnderAnHonestPeersIdDoesNotGetThePeerWeDialBanned() {
        SmartBan.Sender seed = dialled(1, 's', 6881);
        SmartBan.Sender impostor = sender(1, 's');
        bans.wrote(0, 0, 4, impostor);
        assertEquals(Set.of(impostor), bans.pieceFailed(0, List.of(BAD, BAD, BAD, BAD)));
        assertTrue(bans.isBanned(impostor), "it is refused when it dials us again under that id");
        assertFalse(bans.isBanned(seed), "the seed we dial is not");
        assertFalse(bans.isBanned(new InetSocketAddress(seed.address(), 6881)), "and its address is dialled");
    }

    @Test
    void aBannedPeerWeDialledIsNotDialledAgainNorLetInUnderItsId() {
        SmartBan.Sender liar = dialled(2, 'e', 6999);
        bans.wrote(0, 0, 4, liar);
        assertEquals(Set.of(liar), bans.pieceFailed(0, List.of(BAD, BAD, BAD, BAD)));
        assertTrue(bans.isBanned(new InetSocketAddress(liar.address(), 6999)), "not dialled again");
        assertFalse(bans.isBanned(new InetSocketAddress(liar.address(), 7000)), "another port of the address is");
        assertTrue(bans.isBanned(sender(2, 'e')), "nor let in when it dials us under its id");
        assertFalse(bans.isBanned(sender(2, 'x')), "another peer id of the address is");
    }

    @Test
    void anAddressWhosePeersLieUnderNewIdsIsRefusedButForThoseWhoseDataPassedAndThoseWeDial() {
        bans.wrote(0, 0, 4, honest);
        bans.pieceVerified(0, List.of()); // the honest peer's data passed
        for (int i = 1; i <= SmartBan.ADDRESS_AFTER; i++) {
            assertFalse(bans.addressBanned(honest.address()), i + " liars");
            SmartBan.Sender liar = sender(1, (char) ('0' + i));
            bans.wrote(i, 0, 4, liar);
            assertEquals(Set.of(liar), bans.pieceFailed(i, List.of(BAD, BAD, BAD, BAD)));
        }
        assertTrue(bans.addressBanned(honest.address()));
        assertTrue(bans.isBanned(sender(1, 'z')), "a new peer id dialling us from the address is refused");
        assertFalse(bans.isBanned(honest), "a peer there whose data passed is not banned");
        assertFalse(bans.isBanned(dialled(1, 'z', 6881)), "a peer there that we dial (a seed started after the liars) is not");
        assertFalse(bans.isBanned(new InetSocketAddress(honest.address(), 6881)), "and is dialled");
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
