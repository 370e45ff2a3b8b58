package org.murder.core.bencode;

import static org.murder.core.bencode.BencodeException.Reason.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Strict bencode decoder. Rejects leading zeros, {@code -0}, truncated input, trailing data,
 * duplicate keys, non-string keys, and anything past its {@link BencodeLimits}; every error names
 * the reason and the byte offset. Dictionary keys out of order are accepted, as libtorrent does,
 * since the infohash is taken from the original bytes anyway.
 */
public final class BencodeDecoder {
    private final BencodeLimits limits;
    private byte[] in;
    private int pos;
    private int items;
    private Map<String, int[]> topLevelSpans;

    public BencodeDecoder(BencodeLimits limits) {
        this.limits = limits;
    }

    /** Decodes exactly one value that spans the whole input. */
    public BValue decode(byte[] input) {
        return decodeDocument(input).root();
    }

    /** Like {@link #decode} and also records where the top-level dictionary's values lie. */
    public synchronized BencodeDocument decodeDocument(byte[] input) {
        in = input;
        pos = 0;
        items = 0;
        topLevelSpans = new HashMap<>();
        try {
            if (input.length == 0) {
                throw new BencodeException(EMPTY_INPUT, 0, "");
            }
            BValue root = value(0);
            if (pos != in.length) {
                throw new BencodeException(TRAILING_DATA, pos, (in.length - pos) + " bytes");
            }
            return new BencodeDocument(input, root, topLevelSpans);
        } finally {
            in = null;
            topLevelSpans = null;
        }
    }

    private BValue value(int depth) {
        if (++items > limits.maxItems()) {
            throw new BencodeException(TOO_MANY_ITEMS, pos, "limit " + limits.maxItems());
        }
        int b = peek();
        if (b == 'i') {
            pos++;
            long v = integer('e');
            return new BInteger(v);
        }
        if (b == 'l') {
            checkDepth(depth);
            pos++;
            List<BValue> list = new ArrayList<>();
            while (peek() != 'e') {
                list.add(value(depth + 1));
            }
            pos++;
            return new BList(list);
        }
        if (b == 'd') {
            checkDepth(depth);
            pos++;
            TreeMap<String, BValue> map = new TreeMap<>();
            while (peek() != 'e') {
                int keyAt = pos;
                if (!isDigit(peek())) {
                    throw new BencodeException(KEY_NOT_STRING, pos, "found '" + (char) peek() + "'");
                }
                items++;
                String key = new String(stringBytes(), StandardCharsets.ISO_8859_1);
                if (map.containsKey(key)) {
                    throw new BencodeException(DUPLICATE_KEY, keyAt, "'" + printable(key) + "'");
                }
                int valueAt = pos;
                map.put(key, value(depth + 1));
                if (depth == 0) {
                    topLevelSpans.put(key, new int[] {valueAt, pos});
                }
            }
            pos++;
            return new BDict(map);
        }
        if (isDigit(b)) {
            return BString.wrap(stringBytes());
        }
        throw new BencodeException(UNEXPECTED_BYTE, pos, describe(b));
    }

    private void checkDepth(int depth) {
        if (depth >= limits.maxDepth()) {
            throw new BencodeException(DEPTH_EXCEEDED, pos, "limit " + limits.maxDepth());
        }
    }

    private byte[] stringBytes() {
        int at = pos;
        long length = integer(':');
        if (length > limits.maxStringLength()) {
            throw new BencodeException(STRING_TOO_LONG, at, length + " bytes, limit " + limits.maxStringLength());
        }
        if (length > in.length - pos) {
            throw new BencodeException(UNEXPECTED_END, in.length, "string of " + length + " bytes at byte " + at);
        }
        byte[] bytes = new byte[(int) length];
        System.arraycopy(in, pos, bytes, 0, bytes.length);
        pos += bytes.length;
        return bytes;
    }

    /** Reads a decimal integer up to {@code terminator}; a negative sign only for 'e'-terminated integers. */
    private long integer(char terminator) {
        int start = pos;
        boolean negative = false;
        if (terminator == 'e' && peek() == '-') {
            negative = true;
            pos++;
        }
        int digitsAt = pos;
        long value = 0;
        while (peek() != terminator) {
            int b = in[pos];
            if (!isDigit(b)) {
                throw new BencodeException(EXPECTED_DIGIT, pos, describe(b));
            }
            int digit = b - '0';
            if (value > (Long.MAX_VALUE - digit) / 10) {
                throw new BencodeException(INTEGER_OVERFLOW, start, "");
            }
            value = value * 10 + digit;
            pos++;
        }
        int digits = pos - digitsAt;
        if (digits == 0) {
            throw new BencodeException(EXPECTED_DIGIT, pos, describe(in[pos]));
        }
        if (digits > 1 && in[digitsAt] == '0') {
            throw new BencodeException(LEADING_ZERO, digitsAt, "");
        }
        if (negative && value == 0) {
            throw new BencodeException(NEGATIVE_ZERO, start, "");
        }
        pos++;
        return negative ? -value : value;
    }

    private int peek() {
        if (pos >= in.length) {
            throw new BencodeException(UNEXPECTED_END, pos, "");
        }
        return in[pos];
    }

    private static boolean isDigit(int b) {
        return b >= '0' && b <= '9';
    }

    private static String describe(int b) {
        int u = b & 0xff;
        return u >= 0x20 && u < 0x7f ? "found '" + (char) u + "'" : String.format("found 0x%02x", u);
    }

    private static String printable(String latin1) {
        String s = new String(latin1.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
