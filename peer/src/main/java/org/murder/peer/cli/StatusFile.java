package org.murder.peer.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import org.murder.core.io.AtomicFiles;
import org.murder.peer.engine.Snapshot;

/** Writes a session's progress as one small JSON object, replaced atomically, for scripts and agents. */
final class StatusFile {
    private final Path path;

    StatusFile(Path path) {
        this.path = path;
    }

    void write(Snapshot s) {
        AtomicFiles.write(path, json(s).getBytes(StandardCharsets.UTF_8), true);
    }

    static String json(Snapshot s) {
        return String.format(Locale.ROOT,
                "{\"state\":\"%s\",\"bytes\":%d,\"total\":%d,\"percent\":%d,\"downloaded\":%d,\"uploaded\":%d,"
                        + "\"downRate\":%d,\"upRate\":%d,\"peers\":%d,\"seeds\":%d,\"error\":%s}%n",
                s.state().name().toLowerCase(Locale.ROOT), s.verified(), s.total(), s.percent(), s.downloaded(), s.uploaded(),
                s.downRate(), s.upRate(), s.peers(), s.seeds(), s.error().map(StatusFile::quote).orElse("null"));
    }

    static String quote(String text) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
