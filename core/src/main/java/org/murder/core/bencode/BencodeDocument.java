package org.murder.core.bencode;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * A decoded document that remembers where each value of its top-level dictionary lies in the
 * original bytes: the infohash must be the SHA-1 of the original {@code info} bytes, never of a
 * re-encoding.
 */
public final class BencodeDocument {
    private final byte[] source;
    private final BValue root;
    private final Map<String, int[]> topLevelSpans;

    BencodeDocument(byte[] source, BValue root, Map<String, int[]> topLevelSpans) {
        this.source = source;
        this.root = root;
        this.topLevelSpans = Map.copyOf(topLevelSpans);
    }

    public BValue root() {
        return root;
    }

    /** The original bytes of the value under {@code asciiKey} in the top-level dictionary. */
    public Optional<byte[]> rawValue(String asciiKey) {
        int[] span = topLevelSpans.get(asciiKey);
        return span == null ? Optional.empty() : Optional.of(Arrays.copyOfRange(source, span[0], span[1]));
    }
}
