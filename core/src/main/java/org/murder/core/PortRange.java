package org.murder.core;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** An inclusive range of TCP ports, parsed from {@code 6881-6889} or a single {@code 6881}. */
public record PortRange(int first, int last) {
    private static final Pattern FORM = Pattern.compile("(\\d{1,5})(?:\\s*-\\s*(\\d{1,5}))?");
    public static final String EXPECTED = "FIRST-LAST with 1 <= FIRST <= LAST <= 65535, like 6881-6889";

    public PortRange {
        if (first < 1 || last > 65535 || first > last) {
            throw new IllegalArgumentException("port range " + first + "-" + last + " (expected: " + EXPECTED + ")");
        }
    }

    public static PortRange parse(String text) {
        Matcher m = FORM.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("port range '" + text + "' (expected: " + EXPECTED + ")");
        }
        int first = Integer.parseInt(m.group(1));
        int last = m.group(2) == null ? first : Integer.parseInt(m.group(2));
        if (first < 1 || last > 65535 || first > last) {
            throw new IllegalArgumentException("port range '" + text + "' (expected: " + EXPECTED + ")");
        }
        return new PortRange(first, last);
    }

    public int size() {
        return last - first + 1;
    }

    public boolean contains(int port) {
        return port >= first && port <= last;
    }

    @Override
    public String toString() {
        return first == last ? String.valueOf(first) : first + "-" + last;
    }
}
