package org.murder.core.metainfo;

import java.util.List;

/**
 * One file of a torrent.
 *
 * @param path   path components below the torrent's name (for a single-file torrent: just the name)
 * @param length size in bytes
 * @param offset where the file starts in the torrent's concatenated byte stream
 * @param padding a BEP 47 padding file ({@code attr} holds {@code p}): zeros that align the next
 *     file to a piece, never written to disk nor read from it
 */
public record TorrentFile(List<String> path, long length, long offset, boolean padding) {
    /** A file that is not padding. */
    public TorrentFile(List<String> path, long length, long offset) {
        this(path, length, offset, false);
    }

    public TorrentFile {
        path = List.copyOf(path);
        if (path.isEmpty()) {
            throw new IllegalArgumentException("path: empty (expected: at least one component)");
        }
        if (length < 0 || offset < 0) {
            throw new IllegalArgumentException("length/offset: " + length + "/" + offset + " (expected: >= 0)");
        }
    }

    /** The components joined with {@code /}. */
    public String joinedPath() {
        return String.join("/", path);
    }
}
