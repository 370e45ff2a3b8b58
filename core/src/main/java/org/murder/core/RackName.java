package org.murder.core;

import java.util.regex.Pattern;

/**
 * Where a host says it stands: a short name shared by the hosts behind one rack uplink (a rack, a
 * switch, a zone). Peers announce it to the tracker, which then hands out mostly same-rack peers.
 * At most {@value #MAX_LENGTH} characters of {@code A-Z a-z 0-9 . _ : -}.
 */
public record RackName(String value) {
    public static final int MAX_LENGTH = 64;
    public static final String EXPECTED = "1 to " + MAX_LENGTH + " letters, digits, '.', '_', ':' or '-'";
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._:-]{1," + MAX_LENGTH + "}");

    public RackName {
        if (value == null || !VALID.matcher(value).matches()) {
            String shown = value == null ? "" : value.length() > 80 ? value.substring(0, 80) + "..." : value;
            throw new IllegalArgumentException("rack: '" + Printable.escape(shown) + "' (expected: " + EXPECTED + ")");
        }
    }

    /** For picocli and the config file: the same as the constructor. */
    public static RackName parse(String text) {
        return new RackName(text);
    }

    @Override
    public String toString() {
        return value;
    }
}
