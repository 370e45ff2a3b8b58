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
        String safe = Printable.jsonSafe(line); // C0 (the record's own newline too) is logback's
        return safe == line ? encoded : safe.getBytes(StandardCharsets.UTF_8);
    }
}
