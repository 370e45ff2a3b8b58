package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.murder.core.InfoHash;
import org.murder.core.RackName;

class RackProofsTest {
    private static final RackProofs KEY = RackProofs.keyedBy("sixteen bytes at least".getBytes(StandardCharsets.US_ASCII));
    private static final InfoHash TORRENT = InfoHash.fromHex("0123456789abcdef0123456789abcdef01234567");
    private static final RackName RACK = new RackName("r1");

    private static InetAddress at(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    void aProofVerifiesForItsOwnClaimOnly() throws Exception {
        InetAddress a = at("10.0.0.1");
        InetAddress b = at("10.0.0.2");
        String proof = KEY.proof(TORRENT, a, b, RACK);
        assertTrue(proof.matches("[0-9a-f]{32}"), proof);
        assertTrue(KEY.verifies(proof, TORRENT, a, b, RACK));
        assertFalse(KEY.verifies(proof, TORRENT, b, a, RACK), "the other way round: the listener's own claim");
        assertFalse(KEY.verifies(proof, TORRENT, at("10.0.0.3"), b, RACK), "from another address");
        assertFalse(KEY.verifies(proof, TORRENT, a, at("10.0.0.3"), RACK), "towards another address");
        assertFalse(KEY.verifies(proof, InfoHash.fromHex("1123456789abcdef0123456789abcdef01234567"), a, b, RACK), "another torrent");
        assertFalse(KEY.verifies(proof, TORRENT, a, b, new RackName("r2")), "another rack");
        assertFalse(KEY.verifies(proof, TORRENT, a, at("::1"), RACK), "towards an IPv6 address");
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(a.getAddress(), 0, mapped, 12, 4);
        InetAddress mappedA = java.net.Inet6Address.getByAddress(null, mapped, -1);
        assertEquals(16, mappedA.getAddress().length, "an IPv6 address object");
        assertTrue(KEY.verifies(proof, TORRENT, mappedA, b, RACK), "an IPv4-mapped address is its IPv4 address");
        RackProofs other = RackProofs.keyedBy("another sixteen bytes".getBytes(StandardCharsets.US_ASCII));
        assertFalse(other.verifies(proof, TORRENT, a, b, RACK), "under another key");
        assertFalse(KEY.verifies(null, TORRENT, a, b, RACK));
        assertFalse(KEY.verifies(proof.substring(1), TORRENT, a, b, RACK));
        assertEquals(proof, KEY.proof(TORRENT, a, b, RACK), "the same claim, the same proof");
    }

    /** The wire format: agents of two versions (an upgrade under way) must verify each other's proofs. */
    @Test
    void theProofOfAFixedClaimStaysTheSame() throws Exception {
        assertEquals("53f7f3a9917dc5a96e6943739e760ac7", KEY.proof(TORRENT, at("10.0.0.1"), at("10.0.0.2"), RACK));
    }

    @Test
    void aShortKeyIsRefusedAndTheKeyIsNeverPrinted() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RackProofs.keyedBy(new byte[15]));
        assertEquals("rack proof key: 15 bytes (expected: at least 16)", e.getMessage());
        assertFalse(KEY.toString().contains("sixteen"));
    }
}
