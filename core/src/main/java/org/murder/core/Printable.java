package org.murder.core;

/**
 * Text from outside (a torrent's name, comment or tracker URL, a peer's message) made safe for a
 * terminal or a log line: control characters (C0, DEL, C1) and the Unicode controls that reorder
 * what follows them (bidi overrides and isolates) or hide in it (zero-width characters, and every
 * other Unicode format character), and the line and paragraph separators, are shown as escapes, so a
 * name cannot move the cursor, recolour, clear a screen, forge a line, reverse the text after it or
 * pass for another name.
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

    /** {@link #escape} of at most {@code maxChars} of {@code text}, with {@code ...} when it was longer (names from the network). */
    public static String escape(String text, int maxChars) {
        return text == null || text.length() <= maxChars ? escape(text) : escape(text.substring(0, maxChars)) + "...";
    }

    /** {@code text} with every unsafe character as {@code \xNN} or {@code \\uNNNN}. */
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
        if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
            return true;
        }
        if (c < 0xa0) {
            return false;
        }
        int type = Character.getType(c);
        // format characters: the bidi marks, overrides and isolates, zero-width spaces and joiners, the BOM (a name that
        // looks like another); line and paragraph separators (a line break to some terminals and log viewers)
        return type == Character.FORMAT || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
    }
}
