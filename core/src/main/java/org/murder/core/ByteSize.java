package org.murder.core;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A count of bytes, parsed from text like {@code 4MiB}, {@code 512k}, {@code 1.5GB} or
 * {@code 16384}. Binary units: {@code KiB MiB GiB TiB} and the short {@code K M G T};
 * decimal units: {@code KB MB GB TB}.
 */
public record ByteSize(long bytes) implements Comparable<ByteSize> {
    private static final Pattern FORM = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([a-zA-Z]*)");
    public static final String EXPECTED = "a size like 16384, 256KiB, 4MiB or 1.5GB";

    public ByteSize {
        if (bytes < 0) {
            throw new IllegalArgumentException("size: " + bytes + " (expected: >= 0 bytes)");
        }
    }

    public static ByteSize ofBytes(long bytes) {
        return new ByteSize(bytes);
    }

    public static ByteSize ofMiB(long mib) {
        return new ByteSize(Math.multiplyExact(mib, 1024L * 1024));
    }

    public static ByteSize parse(String text) {
        Matcher m = FORM.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("size '" + text + "' (expected: " + EXPECTED + ")");
        }
        long multiplier = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "", "b" -> 1L;
            case "k", "kib" -> 1L << 10;
            case "m", "mib" -> 1L << 20;
            case "g", "gib" -> 1L << 30;
            case "t", "tib" -> 1L << 40;
            case "kb" -> 1_000L;
            case "mb" -> 1_000_000L;
            case "gb" -> 1_000_000_000L;
            case "tb" -> 1_000_000_000_000L;
            default -> throw new IllegalArgumentException("size '" + text + "' has unknown unit '" + m.group(2)
                    + "' (expected: " + EXPECTED + ")");
        };
        double value = Double.parseDouble(m.group(1)) * multiplier;
        if (value > Long.MAX_VALUE) {
            throw new IllegalArgumentException("size '" + org.murder.core.Printable.escape(text, 60) + "' is too large (expected: at most"
                    + " 8 EiB, " + Long.MAX_VALUE + " bytes; " + EXPECTED + ")");
        }
        if (m.group(1).contains(".") && value != Math.rint(value)) {
            throw new IllegalArgumentException("size '" + text + "' is not a whole number of bytes");
        }
        return new ByteSize((long) value);
    }

    @Override
    public int compareTo(ByteSize o) {
        return Long.compare(bytes, o.bytes);
    }

    /** Human form with a binary unit and up to one decimal: {@code 1.5 GiB}, {@code 256 KiB}. */
    public static String format(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        String number = value == Math.rint(value) ? String.valueOf((long) value)
                : String.format(Locale.ROOT, "%.1f", value);
        return number + " " + units[unit];
    }

    @Override
    public String toString() {
        return format(bytes);
    }
}
