package org.murder.core.metainfo;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.murder.core.bencode.BDict;
import org.murder.core.bencode.BInteger;
import org.murder.core.bencode.BList;
import org.murder.core.bencode.BString;
import org.murder.core.bencode.BValue;
import org.murder.core.bencode.BencodeDocument;

/** Turns a decoded document into a {@link MetaInfo}, naming the field in every error. */
final class MetaInfoParser {
    /** The largest piece we accept from anyone: libtorrent refuses above 128 MiB too. */
    static final long MAX_PIECE_LENGTH = 128L << 20;

    private MetaInfoParser() {
    }

    static MetaInfo parse(BencodeDocument doc) {
        BDict root = as(doc.root(), BDict.class, "torrent");
        BDict info = as(required(root, "info", "torrent"), BDict.class, "info");
        byte[] infoBytes = doc.rawValue("info").orElseThrow();

        String name = fileName(utf8Name(required(info, "name", "info"), "info.name"), "info.name");
        long pieceLength = integer(required(info, "piece length", "info"), "info.piece length");
        if (pieceLength <= 0 || pieceLength > MAX_PIECE_LENGTH) {
            throw new MetaInfoException("info.piece length: " + pieceLength + " (expected: 1 to " + MAX_PIECE_LENGTH + ")");
        }
        BValue piecesValue = info.get("pieces").orElseThrow(() -> new MetaInfoException(
                "info.pieces: missing (expected: the SHA-1 piece hashes of a BitTorrent v1 torrent)"));
        byte[] pieces = as(piecesValue, BString.class, "info.pieces").bytes();
        if (pieces.length % 20 != 0) {
            throw new MetaInfoException("info.pieces: " + pieces.length + " bytes (expected: a multiple of 20)");
        }

        boolean hasLength = info.containsKey("length");
        boolean hasFiles = info.containsKey("files");
        if (hasLength == hasFiles) {
            throw new MetaInfoException("info: " + (hasLength ? "both 'length' and 'files'" : "neither 'length' nor 'files'")
                    + " (expected: exactly one)");
        }
        List<TorrentFile> files;
        if (hasLength) {
            long length = integer(info.get("length").get(), "info.length");
            if (length < 0) {
                throw new MetaInfoException("info.length: " + length + " (expected: >= 0)");
            }
            files = MetaInfo.withOffsets(List.of(List.of(name)), List.of(length));
        } else {
            files = files(as(info.get("files").get(), BList.class, "info.files"), pieceLength);
        }
        long total = files.get(files.size() - 1).offset() + files.get(files.size() - 1).length();
        if (total == 0) {
            throw new MetaInfoException("info: total length 0 (expected: at least one byte of content)");
        }
        long expectedPieces = total / pieceLength + (total % pieceLength == 0 ? 0 : 1);
        if (pieces.length / 20 != expectedPieces) {
            throw new MetaInfoException("info.pieces: " + pieces.length / 20 + " hashes (expected: " + expectedPieces
                    + " for " + total + " bytes in pieces of " + pieceLength + ")");
        }
        boolean isPrivate = info.get("private").map(v -> integer(v, "info.private") != 0).orElse(false);

        Optional<String> announce = root.get("announce").map(v -> string(v, "announce"));
        List<List<String>> announceList = root.get("announce-list").map(MetaInfoParser::announceList).orElse(List.of());
        Optional<Instant> created = root.get("creation date").map(v -> integer(v, "creation date"))
                .filter(MetaInfoParser::aDate).map(Instant::ofEpochSecond);
        Optional<String> createdBy = root.get("created by").map(v -> string(v, "created by"));
        Optional<String> comment = root.get("comment").map(v -> string(v, "comment"));
        return new MetaInfo(infoBytes, name, pieceLength, pieces, files, hasFiles, isPrivate, announce, announceList,
                created, createdBy, comment);
    }

    private static List<TorrentFile> files(BList list, long pieceLength) {
        if (list.items().isEmpty()) {
            throw new MetaInfoException("info.files: empty list (expected: at least one file)");
        }
        List<List<String>> paths = new ArrayList<>();
        List<Long> lengths = new ArrayList<>();
        java.util.BitSet padding = new java.util.BitSet();
        Layout layout = new Layout();
        long total = 0;
        long content = 0; // bytes of files that are not padding
        for (int i = 0; i < list.items().size(); i++) {
            String field = "info.files[" + i + "]";
            BDict file = as(list.items().get(i), BDict.class, field);
            long length = integer(required(file, "length", field), field + ".length");
            if (length < 0) {
                throw new MetaInfoException(field + ".length: " + length + " (expected: >= 0)");
            }
            if (length > Long.MAX_VALUE - total) {
                throw new MetaInfoException(field + ".length: " + length + " after " + total
                        + " bytes of earlier files (expected: a total length of at most " + Long.MAX_VALUE + " bytes)");
            }
            total += length;
            BList path = as(required(file, "path", field), BList.class, field + ".path");
            if (path.items().isEmpty()) {
                throw new MetaInfoException(field + ".path: empty list (expected: at least one component)");
            }
            List<String> components = new ArrayList<>();
            for (int c = 0; c < path.items().size(); c++) {
                String cf = field + ".path[" + c + "]";
                components.add(fileName(utf8Name(path.items().get(c), cf), cf));
            }
            paths.add(components);
            lengths.add(length);
            if (isPadding(file)) {
                if (length >= pieceLength) { // zeros no disk holds, yet downloaded and hashed: 100 KB of torrent, TiB of work
                    throw new MetaInfoException(field + ".length: " + length + " for a BEP 47 padding file (expected: less than the"
                            + " piece length, " + pieceLength + ")");
                }
                padding.set(i); // never on disk: libtorrent's hybrid torrents name many alike (.pad/12768 twice)
            } else {
                layout.add(components, field);
                content += length;
            }
        }
        if (content == 0 && !padding.isEmpty()) {
            throw new MetaInfoException("info.files: nothing but BEP 47 padding (expected: at least one byte in a file that is not"
                    + " padding)");
        }
        return MetaInfo.withOffsets(paths, lengths, padding);
    }

    /** Whether a file entry is BEP 47 padding: its {@code attr} string holds {@code p} (an {@code attr} of another type is ignored, as libtorrent does). */
    private static boolean isPadding(BDict file) {
        return file.get("attr").filter(v -> v instanceof BString).map(v -> ((BString) v).utf8().indexOf('p') >= 0).orElse(false);
    }

    /**
     * The files of a multi-file torrent as a tree: a path given twice, or a file that is also a
     * directory of another ({@code a} and {@code a/b}), is refused: a download would write two files
     * into one, or fail at its very end.
     */
    private static final class Layout {
        private final java.util.Map<String, String> files = new java.util.HashMap<>();
        private final java.util.Map<String, String> directories = new java.util.HashMap<>();

        void add(List<String> components, String field) {
            String joined = String.join("/", components);
            String shown = "'" + org.murder.core.Printable.escape(joined) + "'";
            if (files.containsKey(joined)) {
                throw new MetaInfoException(field + ".path: " + shown + " is also " + files.get(joined) + " (expected: each path once)");
            }
            if (directories.containsKey(joined)) {
                throw new MetaInfoException(field + ".path: " + shown + " is a directory of " + directories.get(joined)
                        + " (expected: a path that is not also a directory)");
            }
            StringBuilder prefix = new StringBuilder();
            for (int c = 0; c < components.size() - 1; c++) {
                prefix.append(c == 0 ? "" : "/").append(components.get(c));
                String dir = prefix.toString();
                if (files.containsKey(dir)) {
                    throw new MetaInfoException(field + ".path: " + shown + " is below '" + org.murder.core.Printable.escape(dir)
                            + "', the file " + files.get(dir) + " (expected: a path that is not below a file)");
                }
                directories.putIfAbsent(dir, field);
            }
            files.put(joined, field);
        }
    }

    private static List<List<String>> announceList(BValue value) {
        BList tiers = as(value, BList.class, "announce-list");
        List<List<String>> out = new ArrayList<>();
        for (int t = 0; t < tiers.items().size(); t++) {
            BList tier = as(tiers.items().get(t), BList.class, "announce-list[" + t + "]");
            List<String> urls = new ArrayList<>();
            for (int u = 0; u < tier.items().size(); u++) {
                urls.add(string(tier.items().get(u), "announce-list[" + t + "][" + u + "]"));
            }
            if (!urls.isEmpty()) {
                out.add(urls);
            }
        }
        return out;
    }

    /** A single path component that cannot climb out of or escape the download directory. */
    static String fileName(String value, String field) {
        if (value.isEmpty() || value.equals(".") || value.equals("..") || value.contains("/") || value.contains("\\")
                || value.indexOf('\0') >= 0) {
            throw new MetaInfoException(field + ": '" + value.replace("\0", "\\0")
                    + "' (expected: a file name, not empty, '.' or '..', without '/', '\\' or NUL)");
        }
        if (!org.murder.core.Printable.isPlain(value)) {
            // it would be a file's name on every host and reach terminals and logs: no escape sequences, no forged lines
            throw new MetaInfoException(field + ": '" + org.murder.core.Printable.escape(value)
                    + "' (expected: a file name without control characters)");
        }
        return value;
    }

    private static BValue required(BDict dict, String key, String field) {
        return dict.get(key).orElseThrow(() -> new MetaInfoException(field + "." + key + ": missing"));
    }

    /**
     * A file name as BEP 3 has it, UTF-8; one that is not is refused: decoded, its bytes became U+FFFD, a name on disk
     * other than the torrent's (other clients make yet another), and two names that differ only there the same file.
     */
    private static String utf8Name(BValue value, String field) {
        byte[] bytes = as(value, BString.class, field).bytes();
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new MetaInfoException(field + ": '" + org.murder.core.Printable.escapeBytes(bytes) + "' is not UTF-8 (expected: a file"
                    + " name in UTF-8, as BEP 3 has it)");
        }
    }

    private static String string(BValue value, String field) {
        return new String(as(value, BString.class, field).bytes(), StandardCharsets.UTF_8);
    }

    /**
     * Whether {@code seconds} since the epoch is a date we show (years 0 to 9999): an optional field of
     * information only, so one out of that range (milliseconds written as seconds, or 2^62) is left out,
     * as other clients do, rather than making the torrent unreadable.
     */
    private static boolean aDate(long seconds) {
        return seconds >= EARLIEST_DATE_SECONDS && seconds <= LATEST_DATE_SECONDS;
    }

    /** 0000-01-01T00:00:00Z. */
    private static final long EARLIEST_DATE_SECONDS = -62_167_219_200L;
    /** 9999-12-31T23:59:59Z. */
    private static final long LATEST_DATE_SECONDS = 253_402_300_799L;

    private static long integer(BValue value, String field) {
        return as(value, BInteger.class, field).value();
    }

    private static <T extends BValue> T as(BValue value, Class<T> type, String field) {
        if (!type.isInstance(value)) {
            String expected = type == BDict.class ? "dictionary" : type == BList.class ? "list"
                    : type == BInteger.class ? "integer" : "string";
            throw new MetaInfoException(field + ": " + value.typeName() + " (expected: " + expected + ")");
        }
        return type.cast(value);
    }
}
