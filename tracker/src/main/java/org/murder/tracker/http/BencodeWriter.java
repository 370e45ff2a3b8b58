package org.murder.tracker.http;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Writes bencode straight into a {@link ByteBuf}: the hot path (announce) builds no tree.
 * Callers write dictionary keys in raw byte order themselves; {@link Responses} does.
 */
final class BencodeWriter {
    private final ByteBuf out;

    BencodeWriter(ByteBuf out) {
        this.out = out;
    }

    BencodeWriter beginDict() {
        out.writeByte('d');
        return this;
    }

    BencodeWriter beginList() {
        out.writeByte('l');
        return this;
    }

    BencodeWriter end() {
        out.writeByte('e');
        return this;
    }

    BencodeWriter integer(long value) {
        out.writeByte('i');
        writeDecimal(value);
        out.writeByte('e');
        return this;
    }

    /** A string of ASCII (or ISO-8859-1) characters, one byte each. */
    BencodeWriter ascii(String s) {
        writeDecimal(s.length());
        out.writeByte(':');
        out.writeCharSequence(s, StandardCharsets.ISO_8859_1);
        return this;
    }

    BencodeWriter utf8(String s) {
        return bytes(s.getBytes(StandardCharsets.UTF_8));
    }

    BencodeWriter bytes(byte[] b) {
        writeDecimal(b.length);
        out.writeByte(':');
        out.writeBytes(b);
        return this;
    }

    /** The header of a byte string of {@code length} bytes; the caller writes the bytes. */
    BencodeWriter stringHeader(int length) {
        writeDecimal(length);
        out.writeByte(':');
        return this;
    }

    BencodeWriter raw(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    BencodeWriter entry(String key, long value) {
        return ascii(key).integer(value);
    }

    private void writeDecimal(long v) {
        if (v >= 0 && v < 10) {
            out.writeByte('0' + (int) v);
        } else {
            out.writeCharSequence(Long.toString(v), StandardCharsets.US_ASCII);
        }
    }
}
