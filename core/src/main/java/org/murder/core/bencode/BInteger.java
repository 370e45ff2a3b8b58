package org.murder.core.bencode;

/** A bencoded integer; bencode allows any size, we accept what fits a {@code long}. */
public record BInteger(long value) implements BValue {
    @Override
    public String typeName() {
        return "integer";
    }

    @Override
    public String toString() {
        return Long.toString(value);
    }
}
