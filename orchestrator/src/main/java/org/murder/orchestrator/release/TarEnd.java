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

    TarEnd(InputStream in, String encoding) {
        super(in, encoding);
    }

    @Override
    public org.apache.commons.compress.archivers.tar.TarArchiveEntry getNextEntry() throws java.io.IOException {
        if (depth == 0) {
            pax.reset();
            absoluteName = false;
            paxTooLarge = false;
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
                String path = paxValue(globalPax.toByteArray(), "path");
                if (path != null) {
                    globalAbsolute = path.startsWith("/");
                }
                globalPax.reset();
            }
            String path = pax.size() > 0 ? paxValue(pax.toByteArray(), "path") : null;
            absoluteName |= path != null ? path.startsWith("/") : globalAbsolute;
        }
        return entry;
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
        boolean longName = getCurrentEntry() != null && getCurrentEntry().isGNULongNameEntry(); // not a long link name
        byte[] data = super.getLongNameData();
        if (longName && data != null && data.length > 0 && data[0] == '/') {
            absoluteName = true;
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

    /** The value PAX records ({@code LENGTH key=value\n} each) give {@code key}, the last one; null when none does. */
    static String paxValue(byte[] records, String key) {
        String value = null;
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
            String record = new String(records, space + 1, at + length - space - 1, java.nio.charset.StandardCharsets.UTF_8);
            if (record.startsWith(key + "=")) {
                value = record.substring(key.length() + 1, record.length() - (record.endsWith("\n") ? 1 : 0));
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
