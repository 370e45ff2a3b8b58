package org.murder.peer.wire;

import java.util.Optional;
import java.util.TreeMap;
import org.murder.core.RackName;
import org.murder.core.bencode.BDict;
import org.murder.core.bencode.BInteger;
import org.murder.core.bencode.BString;
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

    /** murder's own key: the rack the peer said it is in (see {@link PeerMessage.ExtensionHandshake}). */
    static final String RACK = "murder rack";
    /** murder's own key: the proof of that rack (see {@link PeerMessage.ExtensionHandshake}). */
    static final String RACK_PROOF = "murder rack proof";
    private static final int PROOF_LENGTH = 32;

    /** {@code m} (empty: we offer no extension messages), {@code p} when known, {@code v}, and our rack and its proof if we have them. */
    static byte[] payload(PeerMessage.ExtensionHandshake h) {
        BDict.Builder d = BDict.builder().put("m", new BDict(new TreeMap<>())).put("v", CLIENT);
        if (h.listenPort() > 0) {
            d.put("p", h.listenPort());
        }
        h.rack().ifPresent(r -> d.put(RACK, r.value()));
        h.rackProof().ifPresent(p -> d.put(RACK_PROOF, p));
        return Bencode.encode(d.build());
    }

    /**
     * Reads a handshake's dictionary. What it cannot use is left out: not bencode or too large (then
     * nothing), a {@code p} that is no port, a rack that is no rack name. What a peer says about
     * itself here only spares a dial or tells a rack-mate early, so an odd one is not worth closing
     * the connection for.
     */
    static PeerMessage.ExtensionHandshake parse(byte[] payload) {
        PeerMessage.ExtensionHandshake none = new PeerMessage.ExtensionHandshake(0, Optional.empty());
        if (payload.length > MAX_LENGTH) {
            return none;
        }
        BDict d;
        try {
            if (!(new BencodeDecoder(LIMITS).decode(payload) instanceof BDict dict)) {
                return none;
            }
            d = dict;
        } catch (BencodeException e) {
            return none; // an unreadable dictionary
        }
        int port = d.get("p").orElse(null) instanceof BInteger p && p.value() > 0 && p.value() <= 0xffff ? (int) p.value() : 0;
        Optional<RackName> rack = Optional.empty();
        if (d.get(RACK).orElse(null) instanceof BString r && r.length() <= RackName.MAX_LENGTH) {
            try {
                rack = Optional.of(new RackName(r.utf8()));
            } catch (IllegalArgumentException notARackName) {
                // left out
            }
        }
        Optional<String> proof = Optional.empty();
        if (rack.isPresent() && d.get(RACK_PROOF).orElse(null) instanceof BString p && p.length() == PROOF_LENGTH && lowerHex(p.utf8())) {
            proof = Optional.of(p.utf8());
        }
        return new PeerMessage.ExtensionHandshake(port, rack, proof);
    }

    private static boolean lowerHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }
}
