package org.murder.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;

/**
 * What the command line writes to stderr itself (its last line, {@code murder: WHY}; a stack trace with --verbose), one
 * JSON object a line like the log lines around it once {@code --log-format json} is on: the one line that mattered was
 * the only one a JSON log shipper could not read. {@code murder: } is left out of the message; the level is ERROR for it
 * and what follows it, INFO for what a command writes there before (a deploy's progress and table with {@code --json}).
 */
final class JsonErrLines extends Writer {
    private static final com.fasterxml.jackson.core.JsonFactory JSON = new com.fasterxml.jackson.core.JsonFactory();
    private final PrintWriter target;
    private final StringBuilder line = new StringBuilder();
    /** A {@code murder: } line was written: what follows (its stack trace) is the failure's too. */
    private boolean sawFailure;

    JsonErrLines(PrintWriter target) {
        this.target = target;
    }

    @Override
    public synchronized void write(char[] chars, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            char c = chars[i];
            if (c == '\n') {
                emit();
            } else if (c != '\r') {
                line.append(c);
            }
        }
    }

    private void emit() {
        String text = line.toString();
        line.setLength(0);
        StringWriter out = new StringWriter();
        try (com.fasterxml.jackson.core.JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("timestamp", System.currentTimeMillis());
            // the last line, and a --verbose stack trace after it, are the failure; a deploy's progress and table are not
            boolean failure = text.startsWith("murder: ") || sawFailure || isTraceLine(text);
            sawFailure = failure;
            g.writeStringField("level", failure ? "ERROR" : "INFO");
            g.writeStringField("threadName", Thread.currentThread().getName());
            g.writeStringField("loggerName", "murder");
            g.writeStringField("formattedMessage", text.startsWith("murder: ") ? text.substring("murder: ".length()) : text);
            g.writeNullField("throwable");
            g.writeEndObject();
        } catch (IOException e) { // a StringWriter does not fail
            throw new java.io.UncheckedIOException(e);
        }
        target.println(org.murder.core.Printable.jsonSafe(out.toString())); // a --verbose trace quotes names as they are
        target.flush();
    }

    /** A --verbose trace's exception line ({@code org.murder.core.MurderException: ...}) or one of its frames. */
    private static final java.util.regex.Pattern TRACE_LINE = java.util.regex.Pattern.compile(
            "(?:[a-z][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error|Throwable)(?::.*)?|\t(?:at |\\.\\.\\. \\d+ more).*|(?:Caused by|Suppressed): .*");

    /** A --verbose trace comes before the last line and is the failure too (it was INFO). */
    static boolean isTraceLine(String text) {
        return TRACE_LINE.matcher(text).matches();
    }

    @Override
    public synchronized void flush() {
        target.flush();
    }

    @Override
    public synchronized void close() {
        if (line.length() > 0) {
            emit();
        }
        target.flush();
    }
}
