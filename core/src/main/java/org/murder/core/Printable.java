package org.murder.core;

/**
 * Text from outside (a torrent's name, comment or tracker URL, a peer's message) made safe for a
 * terminal or a log line: control characters (C0, DEL, C1) and the Unicode controls that reorder
 * what follows them (bidi overrides and isolates) are shown as escapes, so a name cannot move the
 * cursor, recolour, clear a screen, forge a line or reverse the text after it.
 */
public final class Printable {
    private Printable() {
    }

    /** Whether {@code text} holds nothing {@link #escape} would change. */
    public static boolean isPlain(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (unsafe(text.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** {@code text} with every unsafe character as {@code \xNN} or {@code \\uNNNN}. */
    /** {@link #escape} of at most {@code maxChars} of {@code text}, with {@code ...} when it was longer (names from the network). */
    public static String escape(String text, int maxChars) {
        return text == null || text.length() <= maxChars ? escape(text) : escape(text.substring(0, maxChars)) + "...";
    }

    public static String escape(String text) {
        if (text == null || isPlain(text)) {
            return text;
        }
        StringBuilder b = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!unsafe(c)) {
                b.append(c);
            } else if (c < 0x100) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(String.format("\\u%04x", (int) c));
            }
        }
        return b.toString();
    }

    private static boolean unsafe(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f)
                || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
    }
}
