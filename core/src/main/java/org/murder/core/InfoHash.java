package org.murder.core;

import java.util.Arrays;

/** The 20-byte SHA-1 of a torrent's original {@code info} bytes: the identity of a swarm. */
public final class InfoHash {
    public static final int LENGTH = 20;

    private final byte[] bytes;

    private InfoHash(byte[] bytes) {
        this.bytes = bytes;
    }

    public static InfoHash of(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("info hash length: " + bytes.length + " (expected: " + LENGTH + " bytes)");
        }
        return new InfoHash(bytes.clone());
    }

    /** Parses 40 hex digits. */
    public static InfoHash fromHex(String hex) {
        if (hex.length() != 2 * LENGTH) {
            throw new IllegalArgumentException("info hash '" + hex + "' (expected: 40 hex digits)");
        }
        return new InfoHash(Hex.decode(hex));
    }

    public byte[] toBytes() {
        return bytes.clone();
    }

    public String toHex() {
        return Hex.encode(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InfoHash other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return toHex();
    }
}
