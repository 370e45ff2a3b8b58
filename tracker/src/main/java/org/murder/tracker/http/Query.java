package org.murder.tracker.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A query string decoded to bytes. {@code info_hash} and {@code peer_id} are raw binary,
 * percent-encoded, so values stay bytes and text is read as ISO-8859-1, never UTF-8. {@code +}
 * is a literal plus (RFC 3986), and a {@code %} must be followed by two hex digits.
 */
public final class Query {
    private final List<String> names;
    private final List<byte[]> values;

    private Query(List<String> names, List<byte[]> values) {
        this.names = names;
        this.values = values;
    }

    /**
     * Parses the part of a request target after {@code ?} (the target as Netty hands it: one char
     * per received byte).
     *
     * @throws HttpError 400 on malformed percent-encoding or more than {@code maxParameters} parameters
     */
    public static Query parse(CharSequence query, int maxParameters) {
        List<String> names = new ArrayList<>();
        List<byte[]> values = new ArrayList<>();
        int length = query.length();
        int start = 0;
        while (start <= length) {
            int end = start;
            while (end < length && query.charAt(end) != '&') {
                end++;
            }
            if (end > start) {
                if (names.size() == maxParameters) {
                    throw HttpError.badRequest("query has more than " + maxParameters + " parameters");
                }
                int eq = start;
                while (eq < end && query.charAt(eq) != '=') {
                    eq++;
                }
                names.add(new String(decode(query, start, eq), StandardCharsets.ISO_8859_1));
                values.add(eq < end ? decode(query, eq + 1, end) : new byte[0]);
            }
            start = end + 1;
        }
        return new Query(names, values);
    }

    /** Percent-decodes {@code s[from, to)} to bytes. */
    static byte[] decode(CharSequence s, int from, int to) {
        byte[] out = new byte[to - from];
        int n = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c == '%') {
                int hi = i + 1 < to ? Character.digit(s.charAt(i + 1), 16) : -1;
                int lo = i + 2 < to ? Character.digit(s.charAt(i + 2), 16) : -1;
                if (hi < 0 || lo < 0) {
                    throw HttpError.badRequest("malformed percent-encoding at query offset " + i
                            + " (expected: % and two hex digits)");
                }
                out[n++] = (byte) (hi << 4 | lo);
                i += 2;
            } else if (c > 0xff) {
                throw HttpError.badRequest("query has a non-byte character at offset " + i);
            } else {
                out[n++] = (byte) c;
            }
        }
        return n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }

    /** The first value of {@code name}, or null. */
    public byte[] first(String name) {
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equals(name)) {
                return values.get(i);
            }
        }
        return null;
    }

    /** How many times {@code name} is given. */
    public int count(String name) {
        int n = 0;
        for (String given : names) {
            n += given.equals(name) ? 1 : 0;
        }
        return n;
    }

    /** Every value of {@code name}, in order. */
    public List<byte[]> all(String name) {
        List<byte[]> out = new ArrayList<>(2);
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equals(name)) {
                out.add(values.get(i));
            }
        }
        return out;
    }

    /** The first value of {@code name} as ISO-8859-1 text, or null. */
    public String text(String name) {
        byte[] v = first(name);
        return v == null ? null : new String(v, StandardCharsets.ISO_8859_1);
    }

    public int size() {
        return names.size();
    }
}
