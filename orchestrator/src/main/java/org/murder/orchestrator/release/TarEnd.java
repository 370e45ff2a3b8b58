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
    /** The most of one PAX header's records looked at (a PAX header larger than that is read, not searched). */
    private static final int MAX_PAX_BYTES = 1 << 20;
    private boolean marker;
    private final java.io.ByteArrayOutputStream pax = new java.io.ByteArrayOutputStream();
    private boolean absoluteName;
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
        }
        org.apache.commons.compress.archivers.tar.TarArchiveEntry entry;
        depth++; // commons-compress calls it again for the entry a PAX or long-name header is about
        try {
            entry = super.getNextEntry();
        } finally {
            depth--;
        }
        if (depth == 0 && entry != null && pax.size() > 0) {
            absoluteName |= paxPathIsAbsolute(pax.toByteArray());
        }
        return entry;
    }

    /** Whether the entry last returned was named by an absolute path in a GNU long-name entry or a PAX header. */
    boolean namedAbsolute() {
        return absoluteName;
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
        if (n > 0 && current != null && current.isPaxHeader() && pax.size() < MAX_PAX_BYTES) {
            pax.write(buf, offset, Math.min(n, MAX_PAX_BYTES - pax.size()));
        }
        return n;
    }

    /** Whether PAX records ({@code LENGTH key=value\n} each) give a {@code path} that starts with {@code /}. */
    static boolean paxPathIsAbsolute(byte[] records) {
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
                return false; // commons-compress refuses such a header itself
            }
            if (length <= space - at + 1 || at + length > records.length) {
                return false;
            }
            String record = new String(records, space + 1, at + length - space - 1, java.nio.charset.StandardCharsets.UTF_8);
            if (record.startsWith("path=/")) {
                return true;
            }
            at += length;
        }
        return false;
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
