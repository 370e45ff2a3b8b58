package org.murder.core;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses and prints durations the way operators write them: {@code 30s}, {@code 10m}, {@code 1h30m}, {@code 500ms}. */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");
    public static final String EXPECTED = "a duration like 500ms, 30s, 10m, 1h30m or 2d, at most 3650d";
    /**
     * The longest duration any option takes: ten years. Longer ones overflowed where they were
     * counted in milliseconds or nanoseconds ({@code --peer-timeout 99999999999999d}: "unexpected
     * error", and a peer's {@code --seed-time} failed after its download was done).
     */
    public static final Duration MAX = Duration.ofDays(3650);

    private Durations() {
    }

    public static Duration parse(String text) {
        String t = text.trim();
        Duration total = Duration.ZERO;
        int end = 0;
        try {
            if (t.matches("\\d+")) {
                total = Duration.ofSeconds(Long.parseLong(t));
                end = t.length();
            } else {
                Matcher m = PART.matcher(t);
                while (m.find() && m.start() == end) {
                    long n = Long.parseLong(m.group(1));
                    total = total.plus(switch (m.group(2)) {
                        case "ms" -> Duration.ofMillis(n);
                        case "s" -> Duration.ofSeconds(n);
                        case "m" -> Duration.ofMinutes(n);
                        case "h" -> Duration.ofHours(n);
                        default -> Duration.ofDays(n);
                    });
                    end = m.end();
                }
            }
        } catch (ArithmeticException | NumberFormatException e) { // more digits than a long, or past Duration's range
            end = -1;
        }
        if (end <= 0 || end != t.length() || total.compareTo(MAX) > 0) {
            throw new IllegalArgumentException("duration '" + org.murder.core.Printable.escape(text) + "' (expected: " + EXPECTED + ")");
        }
        return total;
    }

    /** Short human form: {@code 1h30m}, {@code 45s}, {@code 2.5s}, {@code 120ms}. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + "ms";
        }
        if (ms < 60_000) {
            return ms % 1000 == 0 ? (ms / 1000) + "s" : String.format(java.util.Locale.ROOT, "%.1fs", ms / 1000.0);
        }
        StringBuilder sb = new StringBuilder();
        long s = d.toSeconds();
        if (s >= 86_400) { // as written: 7d, not 168h
            sb.append(s / 86_400).append('d');
        }
        if (s % 86_400 >= 3600) {
            sb.append(s % 86_400 / 3600).append('h');
        }
        if (s % 3600 >= 60) {
            sb.append(s % 3600 / 60).append('m');
        }
        if (s % 60 != 0) {
            sb.append(s % 60).append('s');
        }
        return sb.toString();
    }
}
