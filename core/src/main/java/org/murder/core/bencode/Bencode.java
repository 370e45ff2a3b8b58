package org.murder.core.bencode;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Canonical bencode output: dictionary keys in raw byte order, integers without leading zeros. */
public final class Bencode {
    private Bencode() {
    }

    public static byte[] encode(BValue value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(value, out);
        return out.toByteArray();
    }

    /** Decodes with the default {@link BencodeLimits}. */
    public static BValue decode(byte[] input) {
        return new BencodeDecoder(BencodeLimits.DEFAULT).decode(input);
    }

    private static void write(BValue value, ByteArrayOutputStream out) {
        if (value instanceof BString s) {
            writeString(s.unsafeBytes(), out);
        } else if (value instanceof BInteger i) {
            out.writeBytes(("i" + i.value() + "e").getBytes(StandardCharsets.US_ASCII));
        } else if (value instanceof BList l) {
            out.write('l');
            l.items().forEach(item -> write(item, out));
            out.write('e');
        } else {
            out.write('d');
            for (Map.Entry<String, BValue> e : ((BDict) value).entries().entrySet()) {
                writeString(e.getKey().getBytes(StandardCharsets.ISO_8859_1), out);
                write(e.getValue(), out);
            }
            out.write('e');
        }
    }

    private static void writeString(byte[] bytes, ByteArrayOutputStream out) {
        out.writeBytes((bytes.length + ":").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(bytes);
    }
}
