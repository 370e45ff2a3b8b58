package org.murder.core.bencode;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A bencoded dictionary with keys in raw byte order. Keys are ISO-8859-1 strings (one char per
 * byte); {@link #key(String)} turns a UTF-8 key into that form.
 */
public record BDict(SortedMap<String, BValue> entries) implements BValue {
    public BDict {
        entries = Collections.unmodifiableSortedMap(new TreeMap<>(entries));
    }

    /** The key form used in {@link #entries()} for a UTF-8 text key. */
    public static String key(String utf8) {
        return new String(utf8.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    public Optional<BValue> get(String asciiKey) {
        return Optional.ofNullable(entries.get(asciiKey));
    }

    public boolean containsKey(String asciiKey) {
        return entries.containsKey(asciiKey);
    }

    @Override
    public String typeName() {
        return "dictionary";
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Collects entries; later puts of a key replace earlier ones. */
    public static final class Builder {
        private final TreeMap<String, BValue> entries = new TreeMap<>();

        public Builder put(String utf8Key, BValue value) {
            entries.put(key(utf8Key), value);
            return this;
        }

        public Builder put(String utf8Key, String utf8Value) {
            return put(utf8Key, BString.of(utf8Value));
        }

        public Builder put(String utf8Key, long value) {
            return put(utf8Key, new BInteger(value));
        }

        public Builder putAll(Map<String, BValue> rawKeyed) {
            entries.putAll(rawKeyed);
            return this;
        }

        public BDict build() {
            return new BDict(entries);
        }
    }
}
