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
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            if (unsafe(cp)) {
                return false;
            }
            i += Character.charCount(cp);
        }
        return true;
    }

    /**
     * {@link #escape} of at most {@code maxChars} of {@code text}, with {@code ...} when it was longer
     * (names from the network); never cut inside a surrogate pair.
     */
    public static String escape(String text, int maxChars) {
        if (text == null || text.length() <= maxChars) {
            return escape(text);
        }
        int end = maxChars > 0 && Character.isHighSurrogate(text.charAt(maxChars - 1)) ? maxChars - 1 : maxChars;
        return escape(text.substring(0, end)) + "...";
    }

    /**
     * {@code text} with every unsafe character as {@code \xNN}, {@code \\uNNNN} or, beyond the
     * Basic Multilingual Plane (the invisible tag characters U+E0000-E007F), {@code \\U+NNNNN}; a
     * lone surrogate is escaped too.
     */
    public static String escape(String text) {
        if (text == null || isPlain(text)) {
            return text;
        }
        StringBuilder b = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (!unsafe(cp)) {
                b.appendCodePoint(cp);
            } else if (cp < 0x100) {
                b.append(String.format("\\x%02x", cp));
            } else if (cp < 0x10000) {
                b.append(String.format("\\u%04x", cp));
            } else {
                b.append(String.format("\\U+%05X", cp));
            }
        }
        return b.toString();
    }

    /**
     * {@code bytes} as UTF-8 text, {@link #escape}d, with each byte that is not part of a valid UTF-8 sequence shown as
     * {@code \xNN}: two names that differ only in bytes that are not UTF-8 are shown apart (a decoder's U+FFFD showed both
     * alike), and such a name shows what it holds.
     */
    public static String escapeBytes(byte[] bytes) {
        java.nio.charset.CharsetDecoder decoder = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(bytes.length + 1);
        StringBuilder b = new StringBuilder(bytes.length + 16);
        while (true) {
            java.nio.charset.CoderResult r = decoder.decode(in, out, true);
            out.flip();
            b.append(escape(out.toString()));
            out.clear();
            if (r.isError()) {
                for (int i = 0; i < r.length(); i++) {
                    b.append(String.format("\\x%02x", in.get() & 0xff));
                }
            } else if (r.isUnderflow()) {
                break;
            }
        }
        return b.toString();
    }

    /**
     * {@code json} (a JSON document, or a line of one, whose C0 controls its encoder escaped) with every other character
     * {@link #escape} escapes written as a {@code \\uNNNN} escape: the same value to a JSON reader, but a bidi override, a
     * line separator or a C1 control (U+009B, a terminal's CSI) from a torrent's comment, a tracker or ZooKeeper no longer
     * reaches a terminal that shows the raw line (Jackson and logback escape only C0). Such characters can stand only
     * inside JSON strings, where the escape means the same.
     */
    public static String jsonSafe(String json) {
        StringBuilder safe = null;
        for (int i = 0; i < json.length(); ) {
            int cp = json.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (cp >= 0x7f && unsafe(cp)) {
                if (safe == null) {
                    safe = new StringBuilder(json.length() + 16).append(json, 0, i);
                }
                for (int k = i; k < next; k++) {
                    safe.append(String.format("\\u%04x", (int) json.charAt(k)));
                }
            } else if (safe != null) {
                safe.append(json, i, next);
            }
            i = next;
        }
        return safe == null ? json : safe.toString();
    }

    /** Whether {@link #escape} shows code point {@code cp} as an escape. */
    public static boolean isUnsafe(int cp) {
        return unsafe(cp);
    }

    private static boolean unsafe(int cp) {
        if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
            return true;
        }
        if (cp < 0xa0) {
            return false;
        }
        if (cp == 0x034f || cp == 0x115f || cp == 0x1160 || cp == 0x3164 || cp == 0xffa0) {
            return true; // blank, though a mark or a letter: the combining grapheme joiner, the Hangul fillers
        }
        int type = Character.getType(cp);
        // format characters: the bidi marks, overrides and isolates, zero-width spaces and joiners, the BOM, the tag
        // characters (a name that looks like another, or hides text); line and paragraph separators (a line break to some
        // terminals and log viewers); a surrogate here stands alone (a pair is one code point)
        return type == Character.FORMAT || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
                || type == Character.SURROGATE;
    }
}
