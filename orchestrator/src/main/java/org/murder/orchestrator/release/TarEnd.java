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
 */
final class TarEnd extends TarArchiveInputStream {
    private boolean marker;

    TarEnd(InputStream in, String encoding) {
        super(in, encoding);
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
