package org.murder.orchestrator.job;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;

/** The one JSON mapping for ZooKeeper node data: properties in sorted order, so the same value always gives the same bytes. */
public final class Json {
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private Json() {
    }

    public static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new IllegalStateException("encode " + value.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code data} (a JSON object) as the bytes its signature covers: without its {@code signature}
     * property, properties sorted at every level. Not an object: an IllegalArgumentException.
     */
    static byte[] withoutSignature(byte[] data) {
        try {
            if (!(MAPPER.readTree(data) instanceof com.fasterxml.jackson.databind.node.ObjectNode o)) {
                throw new IllegalArgumentException("not a JSON object");
            }
            o.remove("signature");
            return MAPPER.writeValueAsBytes(MAPPER.convertValue(o, Object.class));
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON (" + firstLine(e.getMessage()) + ")", e);
        }
    }

    /** Decodes node data; malformed data is an {@link IllegalArgumentException} naming what was expected. */
    public static <T> T read(byte[] data, Class<T> type) {
        try {
            T value = MAPPER.readValue(data, type);
            if (value == null) {
                throw new IllegalArgumentException("empty node (expected: a " + type.getSimpleName() + " as JSON)");
            }
            return value;
        } catch (IOException e) {
            throw new IllegalArgumentException("not a " + type.getSimpleName() + " (" + firstLine(e.getMessage()) + ")", e);
        }
    }

    /**
     * Counts {@code data}'s JSON tokens with the streaming parser (no objects made) and throws
     * IllegalArgumentException past {@code max}, or when it is not JSON.
     */
    static void requireTokensAtMost(byte[] data, int max, String what) {
        try (com.fasterxml.jackson.core.JsonParser p = MAPPER.getFactory().createParser(data)) {
            int tokens = 0;
            while (p.nextToken() != null) {
                if (++tokens > max) {
                    throw new IllegalArgumentException("a " + what + " of more than " + max + " JSON values (expected: at most that)");
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("not a " + what + " (" + firstLine(e.getMessage()) + ")", e);
        }
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }
}
