package org.murder.peer.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Files;
import java.util.Locale;
import org.murder.core.Printable;
import org.murder.core.MurderException;
import org.murder.core.io.AtomicFiles;
import org.murder.peer.engine.Snapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a session's progress as one small JSON object, replaced atomically, for scripts and agents.
 * A path that cannot be a file is refused before the download starts ({@link #open}); a write that
 * fails later (the disk filled) is logged once and the download goes on.
 */
final class StatusFile {
    private static final Logger LOG = LoggerFactory.getLogger(StatusFile.class);
    private final Path path;
    private boolean failed;

    private StatusFile(Path path) {
        this.path = path;
    }

    /**
     * The status file at {@code path} (--json-status), checked: its directory exists, it is not a
     * directory itself, nor the torrent, nor a file of the download ({@code ours}: each rewrite
     * renames over it).
     */
    static StatusFile open(Path path, Path torrent, java.util.List<Path> ours) {
        AtomicFiles.checkTarget(path, "--json-status", "a file to write");
        Path mine = path.toAbsolutePath().normalize();
        String shown = "--json-status " + Printable.escape(path.toString());
        for (Path p : ours) {
            Path theirs = p.toAbsolutePath().normalize();
            if (mine.startsWith(theirs)) {
                throw MurderException.badInput(shown + ": " + (mine.equals(theirs) ? "is " : "is inside ") + "the download's own "
                        + Printable.escape(theirs.toString()) + " (expected: a file of its own, outside the download)");
            }
        }
        if (mine.equals(torrent.toAbsolutePath().normalize()) || sameFile(path, torrent)) {
            throw MurderException.badInput(shown + ": is the torrent being downloaded (expected: a file of its own)");
        }
        return new StatusFile(path);
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.exists(a) && Files.isSameFile(a, b);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    void write(Snapshot s) {
        try {
            AtomicFiles.write(path, json(s).getBytes(StandardCharsets.UTF_8), true);
        } catch (RuntimeException e) {
            if (!failed) {
                failed = true;
                LOG.warn("--json-status {}: not written, the download goes on (not told again): {}", Printable.escape(path.toString()),
                        e.getMessage());
            }
        }
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
