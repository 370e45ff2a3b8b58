package org.murder.orchestrator.release;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * Watches a tar stream's bytes for how it ends. A tar stream ends with zero records (its
 * end-of-archive marker); commons-compress also takes the stream's end, or a record cut short, for
 * one, so an archive truncated between two entries or inside a header unpacked as a smaller release
 * with no error. Keeps the last record's worth of bytes (a copy of at most 512 bytes a read, nothing
 * per byte) and the count.
 */
final class TarEnd extends FilterInputStream {
    static final int RECORD = 512;

    private final byte[] last = new byte[RECORD];
    private long count;
    private boolean ended;

    TarEnd(InputStream in) {
        super(in);
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b < 0) {
            ended = true;
        } else {
            last[(int) (count % RECORD)] = (byte) b;
            count++;
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n < 0) {
            ended = true;
            return n;
        }
        // the last RECORD bytes of this read, each at its position in the record ring
        for (int i = Math.max(0, n - RECORD); i < n; i++) {
            last[(int) ((count + i) % RECORD)] = b[off + i];
        }
        count += n;
        return n;
    }

    /** Skips by reading, so that what it skips is watched too. */
    @Override
    public long skip(long n) throws IOException {
        byte[] scratch = new byte[(int) Math.min(n, 64 * 1024)];
        long skipped = 0;
        while (skipped < n) {
            int r = read(scratch, 0, (int) Math.min(scratch.length, n - skipped));
            if (r < 0) {
                break;
            }
            skipped += r;
        }
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    /**
     * Once the tar reader found no next entry: what is wrong with how the stream ended, if anything.
     * The reader stops at a zero record before the stream's end (then the marker was there) or at the
     * stream's end, where the last whole record read must be zeros.
     */
    Optional<String> problem() {
        if (!ended) {
            return Optional.empty(); // it stopped at a zero record with more to come: the marker
        }
        if (count % RECORD != 0) {
            return Optional.of("the archive ends inside a tar record, " + count % RECORD + " bytes into it (expected: whole 512-byte"
                    + " records and tar's end-of-archive marker; truncated?)");
        }
        for (byte b : last) {
            if (b != 0 || count == 0) {
                return Optional.of("the archive ends without tar's end-of-archive marker (expected: zero records after the last"
                        + " entry; truncated?)");
            }
        }
        return Optional.empty();
    }
}
