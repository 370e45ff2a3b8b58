package org.murder.core.bencode;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A bencoded byte string. Holds a private copy of its bytes. */
public final class BString implements BValue {
    private final byte[] bytes;

    private BString(byte[] bytes) {
        this.bytes = bytes;
    }

    public static BString of(byte[] bytes) {
        return new BString(bytes.clone());
    }

    public static BString of(String utf8) {
        return new BString(utf8.getBytes(StandardCharsets.UTF_8));
    }

    /** Wraps without copying: for the decoder, which hands over a fresh array. */
    static BString wrap(byte[] bytes) {
        return new BString(bytes);
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    public int length() {
        return bytes.length;
    }

    byte[] unsafeBytes() {
        return bytes;
    }

    /** The bytes decoded as UTF-8 (malformed sequences become U+FFFD). */
    public String utf8() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public String typeName() {
        return "string";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BString other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return bytes.length <= 64 ? "\"" + utf8() + "\"" : "<" + bytes.length + " bytes>";
    }
}
