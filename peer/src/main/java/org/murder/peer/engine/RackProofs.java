package org.murder.peer.engine;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.murder.core.InfoHash;
import org.murder.core.RackName;

/**
 * Proofs that a peer's rack claim ({@code murder rack} in its extension handshake) comes from a
 * holder of a secret the hosts of a deploy share (the agents derive it from the job secret). A peer
 * believed to be of our rack is asked first and the rest of the swarm spared, so a claim nobody
 * checks lets any peer that says our rack and trickles hold a download back (see README, "Hostile
 * or broken peers").
 *
 * <p>A proof is HMAC-SHA256 over the torrent, the claimant's address and the listener's address of
 * that connection, and the rack, cut to 16 bytes and written as 32 hex digits. Both ends see the same
 * two addresses on their connection, so a proof cannot be replayed from another address: a peer
 * that asked a rack-mate for its handshake gets a proof for the address pair (rack-mate, itself), of
 * no use towards anyone else. Between hosts whose addresses are translated (NAT), no proof verifies
 * and every peer counts as of another rack: the download works, without rack sparing.
 */
public final class RackProofs {
    /** Hex digits of a proof. */
    public static final int LENGTH = 32;
    private static final byte[] LABEL = "murder rack claim v1".getBytes(StandardCharsets.US_ASCII);
    private static final HexFormat HEX = HexFormat.of();

    private final SecretKeySpec key;

    private RackProofs(byte[] key) {
        this.key = new SecretKeySpec(key, "HmacSHA256");
    }

    /** Proofs under {@code key} (at least 16 bytes: the hosts of a deploy derive it from their shared secret). */
    public static RackProofs keyedBy(byte[] key) {
        if (key.length < 16) {
            throw new IllegalArgumentException("rack proof key: " + key.length + " bytes (expected: at least 16)");
        }
        return new RackProofs(key.clone());
    }

    /** What a peer at {@code from} says to the peer at {@code to} along with its {@code rack}, for {@code torrent}. */
    public String proof(InfoHash torrent, InetAddress from, InetAddress to, RackName rack) {
        return HEX.formatHex(Arrays.copyOf(mac(torrent, from, to, rack), LENGTH / 2));
    }

    /** Whether {@code proof} (as it came: null when none) is the proof of that claim. */
    public boolean verifies(String proof, InfoHash torrent, InetAddress from, InetAddress to, RackName rack) {
        if (proof == null || proof.length() != LENGTH) {
            return false;
        }
        return MessageDigest.isEqual(proof(torrent, from, to, rack).getBytes(StandardCharsets.US_ASCII),
                proof.getBytes(StandardCharsets.US_ASCII));
    }

    private byte[] mac(InfoHash torrent, InetAddress from, InetAddress to, RackName rack) {
        ByteArrayOutputStream data = new ByteArrayOutputStream(96);
        data.writeBytes(LABEL);
        data.write(0);
        data.writeBytes(torrent.toBytes());
        byte[] a = bytes(from);
        data.write(a.length);
        data.writeBytes(a);
        byte[] b = bytes(to);
        data.write(b.length);
        data.writeBytes(b);
        data.writeBytes(rack.value().getBytes(StandardCharsets.UTF_8));
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(data.toByteArray());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256: " + e.getMessage(), e);
        }
    }

    /** An address's bytes, an IPv4-mapped IPv6 one (::ffff:a.b.c.d) as its IPv4 address: one end may see either. */
    static byte[] bytes(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length == 16) {
            boolean mapped = b[10] == (byte) 0xff && b[11] == (byte) 0xff;
            for (int i = 0; i < 10 && mapped; i++) {
                mapped = b[i] == 0;
            }
            if (mapped) {
                return Arrays.copyOfRange(b, 12, 16);
            }
        }
        return b;
    }

    /** Never the key. */
    @Override
    public String toString() {
        return "RackProofs[keyed]";
    }
}
