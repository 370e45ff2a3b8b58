package org.murder.core;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A transfer rate in bytes per second, parsed from text like {@code 50MB/s}, {@code 400Mbit/s},
 * {@code 10MiB/s} or {@code unlimited}. Zero means unlimited.
 */
public record Rate(long bytesPerSecond) {
    public static final Rate UNLIMITED = new Rate(0);
    private static final Pattern FORM = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([a-zA-Z]*)(?:/s|ps)?");
    public static final String EXPECTED = "a rate like 50MB/s, 10MiB/s, 400Mbit/s or unlimited";
    /** The most a rate may say: 1 TB/s (8 Tbit/s). */
    static final double MAX_BYTES_PER_SECOND = 1e12;

    public Rate {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("rate: " + bytesPerSecond + " (expected: >= 0 bytes/s)");
        }
    }

    public boolean isUnlimited() {
        return bytesPerSecond == 0;
    }

    public static Rate parse(String text) {
        String t = text.trim();
        if (t.equalsIgnoreCase("unlimited") || t.equals("0")) {
            return UNLIMITED;
        }
        Matcher m = FORM.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException("rate '" + org.murder.core.Printable.escape(text, 60) + "' (expected: " + EXPECTED + ")");
        }
        String unit = m.group(2);
        double multiplier;
        if (unit.toLowerCase(Locale.ROOT).endsWith("bit")) {
            multiplier = switch (unit.toLowerCase(Locale.ROOT)) {
                case "bit" -> 1.0 / 8;
                case "kbit" -> 1_000.0 / 8;
                case "mbit" -> 1_000_000.0 / 8;
                case "gbit" -> 1_000_000_000.0 / 8;
                default -> throw unknownUnit(text, unit);
            };
        } else {
            try {
                multiplier = ByteSize.parse("1" + unit).bytes();
            } catch (IllegalArgumentException e) {
                throw unknownUnit(text, unit);
            }
        }
        double exact = Double.parseDouble(m.group(1)) * multiplier;
        if (exact > MAX_BYTES_PER_SECOND) { // rounded, 1e20 read as Long.MAX_VALUE bytes/s: no limit, without a word
            throw new IllegalArgumentException("rate '" + org.murder.core.Printable.escape(text, 60) + "' is over 1 TB/s, more than"
                    + " any link carries (expected: " + EXPECTED + ")");
        }
        long value = Math.round(exact);
        if (value <= 0) { // 0MB/s read as unlimited, the opposite of what it says
            throw new IllegalArgumentException("rate '" + org.murder.core.Printable.escape(text) + "' is under 1 byte/s (expected: "
                    + EXPECTED + ")");
        }
        return new Rate(value);
    }

    private static IllegalArgumentException unknownUnit(String text, String unit) {
        return new IllegalArgumentException("rate '" + org.murder.core.Printable.escape(text, 60) + "' has unknown unit '"
                + org.murder.core.Printable.escape(unit, 20) + "' (expected: " + EXPECTED + ")");
    }

    @Override
    public String toString() {
        return isUnlimited() ? "unlimited" : ByteSize.format(bytesPerSecond) + "/s";
    }
}
