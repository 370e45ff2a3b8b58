package org.murder.cli;

import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.nio.charset.StandardCharsets;
import org.murder.core.Printable;

/**
 * logback's {@link JsonEncoder} with every character {@link Printable} escapes in text logs written
 * as a JSON {@code \\uNNNN} escape: the same text to a JSON reader, but a bidi override or a line
 * separator from a tracker, a peer or a file name no longer reaches a terminal that shows the raw
 * line (logback escapes only the C0 controls).
 */
final class PrintableJsonEncoder extends JsonEncoder {
    @Override
    public byte[] encode(ILoggingEvent event) {
        byte[] encoded = super.encode(event);
        String line = new String(encoded, StandardCharsets.UTF_8);
        StringBuilder safe = null;
        for (int i = 0; i < line.length(); ) {
            int cp = line.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (cp >= 0x7f && Printable.isUnsafe(cp)) { // C0 (the record's own newline too) is logback's
                if (safe == null) {
                    safe = new StringBuilder(line.length() + 16).append(line, 0, i);
                }
                for (int k = i; k < next; k++) {
                    safe.append(String.format("\\u%04x", (int) line.charAt(k)));
                }
            } else if (safe != null) {
                safe.append(line, i, next);
            }
            i = next;
        }
        return safe == null ? encoded : safe.toString().getBytes(StandardCharsets.UTF_8);
    }
}
