package org.murder.core.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/**
 * {@code --json}, shared through {@code @Mixin} by the commands whose result a script reads: the
 * result is then one JSON document on stdout (an object, fields in a fixed order, names in
 * camelCase), and nothing else is printed there. Names from torrents or ZooKeeper are JSON-escaped
 * by the encoder, so no name can forge output.
 */
public final class JsonOutput {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .build();

    @Option(names = "--json", description = "Print the result as one JSON document on stdout (for scripts).")
    boolean json;

    public boolean enabled() {
        return json;
    }

    /** Writes {@code value} (records, maps, lists, strings, numbers) as one JSON document and a newline. */
    public static void print(PrintWriter out, Object value) {
        out.println(write(value));
        out.flush();
    }

    public static String write(Object value) {
        try {
            return org.murder.core.Printable.jsonSafe(MAPPER.writeValueAsString(value)); // Jackson escapes C0 only
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("encode " + value.getClass().getSimpleName() + " as JSON: " + e.getMessage(), e);
        }
    }
}
