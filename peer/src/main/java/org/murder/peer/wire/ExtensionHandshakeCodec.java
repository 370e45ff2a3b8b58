package org.murder.peer.wire;

import java.util.TreeMap;
import org.murder.core.bencode.BDict;
import org.murder.core.bencode.BInteger;
import org.murder.core.bencode.BValue;
import org.murder.core.bencode.Bencode;
import org.murder.core.bencode.BencodeDecoder;
import org.murder.core.bencode.BencodeException;
import org.murder.core.bencode.BencodeLimits;

/** The bencoded dictionary of a {@link PeerMessage.ExtensionHandshake}, both ways. */
final class ExtensionHandshakeCodec {
    /** Extended message id of the handshake. */
    static final int ID = 0;
    /** Larger handshakes are not read (libtorrent's are about 200 bytes). */
    static final int MAX_LENGTH = 16 * 1024;
    private static final BencodeLimits LIMITS = new BencodeLimits(8, 1_000, MAX_LENGTH);
    private static final String CLIENT = "murder";

    private ExtensionHandshakeCodec() {
    }

    /** {@code m} (empty: we offer no extension messages), {@code p} when known, {@code v}. */
    static byte[] payload(int listenPort) {
        BDict.Builder d = BDict.builder().put("m", new BDict(new TreeMap<>())).put("v", CLIENT);
        if (listenPort > 0) {
            d.put("p", listenPort);
        }
        return Bencode.encode(d.build());
    }

    /**
     * Reads a handshake's dictionary. Anything it cannot use (not bencode, too large, no {@code p}
     * or one out of range) yields a handshake with no port: what a peer says about itself here
     * only spares a dial, so an odd one is not worth closing the connection for.
     */
    static PeerMessage.ExtensionHandshake parse(byte[] payload) {
        if (payload.length > MAX_LENGTH) {
            return new PeerMessage.ExtensionHandshake(0);
        }
        try {
            BValue root = new BencodeDecoder(LIMITS).decode(payload);
            if (root instanceof BDict d && d.get("p").orElse(null) instanceof BInteger p && p.value() > 0 && p.value() <= 0xffff) {
                return new PeerMessage.ExtensionHandshake((int) p.value());
            }
        } catch (BencodeException e) {
            // an unreadable dictionary: no port
        }
        return new PeerMessage.ExtensionHandshake(0);
    }
}
