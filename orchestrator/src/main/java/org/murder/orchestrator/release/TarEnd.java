package org.murder.orchestrator.release;

import java.io.InputStream;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * A tar reader that knows how its stream ended. A tar stream ends with zero records (its
 * end-of-archive marker); commons-compress also takes the stream's end, or a header record cut
 * short, for one, so an archive truncated between two entries or inside a header unpacked as a
 * smaller release with no error. Header records (never file data) pass {@link #isEOFRecord}: a
 * whole zero one there is the marker.
 *
 * <p>It also tells whether the entry it returned was named by an absolute path in a GNU long-name
 * entry or a PAX {@code path} record: commons-compress drops the leading {@code /} of those (not of
 * a name in the header itself), and the release's rule refuses every absolute name alike.
 *
 * <p>And whether that entry's name or link target, as its bytes stood in the archive, was UTF-8:
 * commons-compress reads the bytes that are not as '?', so 'a\xff' unpacked as 'a?' with no word
 * (and two such names as one file).
 */
final class TarEnd extends TarArchiveInputStream {
    /** The most of one PAX header's records looked at; a larger one is refused (see {@link #paxTooLarge}). */
    private static final int MAX_PAX_BYTES = 1 << 20;
    private boolean marker;
    private final java.io.ByteArrayOutputStream pax = new java.io.ByteArrayOutputStream();
    private boolean absoluteName;
    private boolean paxTooLarge;
    /** The records of a global PAX header read with the entry being returned. */
    private final java.io.ByteArrayOutputStream globalPax = new java.io.ByteArrayOutputStream();
    /** The global PAX headers' path is absolute: every entry without a path of its own has it. */
    private boolean globalAbsolute;
    /** Calls of {@link #getNextEntry} under way (commons-compress makes nested ones). */
    private int depth;
    /** The last header record read: the returned entry's own once {@link #getNextEntry} returns. */
    private byte[] header;
    /** The data of a GNU long-name and long-link entry before the returned entry; null when none. */
    private byte[] longName;
    private byte[] longLink;
    /** The global PAX headers' path and linkpath, as bytes; null when none gave one. */
    private byte[] globalPath;
    private byte[] globalLinkPath;
    /** What was not UTF-8 in the returned entry's name or link target, printable; null when both are. */
    private String notUtf8;

    TarEnd(InputStream in, String encoding) {
        super(in, encoding);
    }

    @Override
    public org.apache.commons.compress.archivers.tar.TarArchiveEntry getNextEntry() throws java.io.IOException {
        if (depth == 0) {
            pax.reset();
            absoluteName = false;
            paxTooLarge = false;
            longName = null;
            longLink = null;
            notUtf8 = null;
        }
        org.apache.commons.compress.archivers.tar.TarArchiveEntry entry;
        depth++; // commons-compress calls it again for the entry a PAX or long-name header is about
        try {
            entry = super.getNextEntry();
        } finally {
            depth--;
        }
        if (depth == 0 && entry != null) {
            if (globalPax.size() > 0) { // a global header's records add to those before it, for every entry after it
                byte[] path = paxBytes(globalPax.toByteArray(), "path");
                if (path != null) {
                    globalAbsolute = path.length > 0 && path[0] == '/';
                    globalPath = path;
                }
                byte[] link = paxBytes(globalPax.toByteArray(), "linkpath");
                globalLinkPath = link != null ? link : globalLinkPath;
                globalPax.reset();
            }
            byte[] path = pax.size() > 0 ? paxBytes(pax.toByteArray(), "path") : null;
            absoluteName |= path != null ? path.length > 0 && path[0] == '/' : globalAbsolute;
            byte[] link = pax.size() > 0 ? paxBytes(pax.toByteArray(), "linkpath") : null;
            notUtf8 = notUtf8(path != null ? path : longName != null ? longName : globalPath != null ? globalPath : headerName(),
                    "name");
            if (notUtf8 == null && (entry.isSymbolicLink() || entry.isLink())) {
                notUtf8 = notUtf8(link != null ? link : longLink != null ? longLink : globalLinkPath != null ? globalLinkPath
                        : field(header, 157, 100), "link target");
            }
        }
        return entry;
    }

    /**
     * What in the entry last returned was not UTF-8 as its bytes stood in the archive ("name 'a\xff'
     * is not UTF-8"), or empty when its name and link target are.
     */
    Optional<String> notUtf8() {
        return Optional.ofNullable(notUtf8);
    }

    /** The header's name: its name field, after a POSIX ustar header's prefix and a '/'. */
    private byte[] headerName() {
        byte[] name = field(header, 0, 100);
        boolean posix = header != null && new String(header, 257, 6, java.nio.charset.StandardCharsets.US_ASCII).equals("ustar\0");
        byte[] prefix = posix ? field(header, 345, 155) : new byte[0];
        if (prefix.length == 0) {
            return name;
        }
        byte[] joined = java.util.Arrays.copyOf(prefix, prefix.length + 1 + name.length);
        joined[prefix.length] = '/';
        System.arraycopy(name, 0, joined, prefix.length + 1, name.length);
        return joined;
    }

    /** A NUL-ended field of a header record, without its NUL. */
    private static byte[] field(byte[] record, int offset, int length) {
        if (record == null) {
            return new byte[0];
        }
        int end = offset;
        while (end < offset + length && record[end] != 0) {
            end++;
        }
        return java.util.Arrays.copyOfRange(record, offset, end);
    }

    /** Null when {@code bytes} are UTF-8; else what says so, the name's bytes outside printable ASCII as \xNN. */
    static String notUtf8(byte[] bytes, String what) {
        String shown = org.murder.core.io.FileNames.notUtf8(bytes);
        return shown == null ? null : what + " '" + shown + "' is not UTF-8";
    }

    /** Whether the entry last returned was named by an absolute path in a GNU long-name entry or a PAX header. */
    boolean namedAbsolute() {
        return absoluteName;
    }

    /** Whether the PAX header before the entry last returned held more than this reader looks at ({@link #MAX_PAX_BYTES}). */
    boolean paxTooLarge() {
        return paxTooLarge;
    }

    @Override
    protected byte[] getLongNameData() throws java.io.IOException {
        org.apache.commons.compress.archivers.tar.TarArchiveEntry current = getCurrentEntry();
        boolean name = current != null && current.isGNULongNameEntry(); // not a long link name
        byte[] data = super.getLongNameData();
        if (name && data != null && data.length > 0 && data[0] == '/') {
            absoluteName = true;
        }
        if (data != null && current != null) {
            if (name) {
                longName = data.clone();
            } else if (current.isGNULongLinkEntry()) {
                longLink = data.clone();
            }
        }
        return data;
    }

    @Override
    public int read(byte[] buf, int offset, int length) throws java.io.IOException {
        int n = super.read(buf, offset, length);
        org.apache.commons.compress.archivers.tar.TarArchiveEntry current = getCurrentEntry();
        if (n > 0 && current != null && (current.isPaxHeader() || current.isGlobalPaxHeader())) {
            java.io.ByteArrayOutputStream records = current.isGlobalPaxHeader() ? globalPax : pax;
            if (records.size() + n > MAX_PAX_BYTES) {
                paxTooLarge = true;
            } else {
                records.write(buf, offset, n);
            }
        }
        return n;
    }

    /**
     * The value PAX records ({@code LENGTH key=value\n} each) give {@code key}, the last one, as its bytes
     * stand in the records; null when none does.
     */
    static byte[] paxBytes(byte[] records, String key) {
        byte[] value = null;
        byte[] prefix = (key + "=").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int at = 0;
        while (at < records.length) {
            int space = at;
            while (space < records.length && records[space] != ' ') {
                space++;
            }
            int length;
            try {
                length = Integer.parseInt(new String(records, at, space - at, java.nio.charset.StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                return value; // commons-compress refuses such a header itself
            }
            if (length <= space - at + 1 || at + length > records.length) {
                return value;
            }
            int from = space + 1;
            int end = at + length;
            if (end - from >= prefix.length && java.util.Arrays.equals(records, from, from + prefix.length, prefix, 0, prefix.length)) {
                value = java.util.Arrays.copyOfRange(records, from + prefix.length, end - (records[end - 1] == '\n' ? 1 : 0));
            }
            at += length;
        }
        return value;
    }

    @Override
    protected boolean isEOFRecord(byte[] record) {
        boolean eof = super.isEOFRecord(record);
        if (eof && record != null) { // null: the stream ended, or a record was cut short
            marker = true;
        } else if (record != null) {
            header = record.clone();
        }
        return eof;
    }

    /** Once no next entry was found: what is wrong with how the stream ended, if anything. */
    Optional<String> problem() {
        if (marker) {
            return Optional.empty();
        }
        long cut = getBytesRead() % getRecordSize();
        if (cut != 0) {
            return Optional.of("the archive ends inside a tar record, " + cut + " bytes into it (expected: whole 512-byte records and"
                    + " tar's end-of-archive marker; truncated?)");
        }
        return Optional.of("the archive ends without tar's end-of-archive marker (expected: zero records after the last entry;"
                + " truncated?)");
    }
}
