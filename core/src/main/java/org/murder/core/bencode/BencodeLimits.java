package org.murder.core.bencode;

/**
 * Caps that keep a hostile document from exhausting the stack or memory.
 *
 * @param maxDepth        deepest nesting of lists and dictionaries (libtorrent uses 100)
 * @param maxItems        most values in one document, all levels counted (libtorrent: 2,000,000 tokens)
 * @param maxStringLength longest byte string
 */
public record BencodeLimits(int maxDepth, int maxItems, int maxStringLength) {
    public static final BencodeLimits DEFAULT = new BencodeLimits(100, 2_000_000, 64 << 20);

    public BencodeLimits {
        if (maxDepth < 1) {
            throw new IllegalArgumentException("maxDepth: " + maxDepth + " (expected: >= 1)");
        }
        if (maxItems < 1) {
            throw new IllegalArgumentException("maxItems: " + maxItems + " (expected: >= 1)");
        }
        if (maxStringLength < 0) {
            throw new IllegalArgumentException("maxStringLength: " + maxStringLength + " (expected: >= 0)");
        }
    }
}
