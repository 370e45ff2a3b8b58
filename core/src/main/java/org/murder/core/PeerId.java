package org.murder.core;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * A 20-byte BitTorrent peer id. Ours are Azureus-style: {@code -MU0100-} then 12 random
 * printable bytes, so trackers and logs can tell murder peers apart.
 */
public final class PeerId implements Comparable<PeerId> {
    public static final int LENGTH = 20;
    public static final String CLIENT_PREFIX = "-MU0100-";
    private static final byte[] ALPHABET =
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] bytes;

    private PeerId(byte[] bytes) {
        this.bytes = bytes;
    }

    public static PeerId of(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("peer id length: " + bytes.length + " (expected: " + LENGTH + " bytes)");
        }
        return new PeerId(bytes.clone());
    }

    /** A fresh random id with our client prefix. */
    public static PeerId random() {
        byte[] id = new byte[LENGTH];
        byte[] prefix = CLIENT_PREFIX.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(prefix, 0, id, 0, prefix.length);
        for (int i = prefix.length; i < LENGTH; i++) {
            id[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return new PeerId(id);
    }

    /** Made by murder, any version ({@code -MU} then four characters and {@code -}). */
    public boolean isMurder() {
        return bytes[0] == '-' && bytes[1] == 'M' && bytes[2] == 'U' && bytes[7] == '-';
    }

    public byte[] toBytes() {
        return bytes.clone();
    }

    /** Byte by byte, unsigned: the order both ends of a connection agree on. */
    @Override
    public int compareTo(PeerId other) {
        return Arrays.compareUnsigned(bytes, other.bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PeerId other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    /** Printable bytes as they are, the rest as {@code %XX}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(LENGTH);
        for (byte b : bytes) {
            if (b >= 0x20 && b < 0x7f && b != '%') {
                sb.append((char) b);
            } else {
                sb.append('%').append(Hex.encode(new byte[] {b}));
            }
        }
        return sb.toString();
    }
}
