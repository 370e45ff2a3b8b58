package org.murder.core.cli;

import java.util.ArrayList;
import java.util.List;
import org.murder.core.MurderException;
import org.murder.core.Printable;

/**
 * The {@code key = value} format of murder.conf and murder.hooks: blank lines and lines starting
 * with {@code #} are skipped, keys and values are stripped, a line without a key and '=' is an
 * error naming the file and line.
 */
public final class KeyValueLines {
    /** One {@code key = value} line, with its 1-based line number. */
    public record Entry(String key, String value, int line) {
    }

    private KeyValueLines() {
    }

    /** The entries of {@code lines}; {@code origin} names the file in errors; {@code expected} says what a line should be. */
    public static List<Entry> parse(List<String> lines, String origin, String expected) {
        List<Entry> out = new ArrayList<>();
        int n = 0;
        for (String line : lines) {
            n++;
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            int eq = t.indexOf('=');
            if (eq <= 0) {
                throw MurderException.badInput(Printable.escape(origin + ":" + n + ": '" + t + "'") + " (expected: " + expected + ")");
            }
            out.add(new Entry(t.substring(0, eq).strip(), t.substring(eq + 1).strip(), n));
        }
        return out;
    }
}
