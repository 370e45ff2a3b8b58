package org.murder.orchestrator.release;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * A decompressed stream that ends where its compressed stream's last whole member or frame ends when
 * bytes that are none follow (zeros a copy tool padded the file with, a stray line): gzip itself ignores
 * them, and commons-compress and zstd-jni failed the whole archive on them ("Unexpected data after a
 * valid .gz stream", "Unknown frame descriptor"). What came before was complete and passed its checksum;
 * a tar cut short by such an end is still refused by {@link TarEnd}. Anything else (a checksum that fails,
 * a stream cut inside a member) stays an error.
 */
final class TrailingData extends FilterInputStream {
    private static final List<String> NOT_A_MEMBER = List.of("after a valid .gz stream", "Unknown frame descriptor");
    private boolean ended;
    private volatile String seen;
    private final byte[] one = new byte[1];

    TrailingData(InputStream decompressed) {
        super(decompressed);
    }

    /** What was taken for bytes after the compressed stream, if anything (for a warning). */
    String seen() {
        return seen;
    }

    @Override
    public int read() throws IOException {
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (ended) {
            return -1;
        }
        try {
            return in.read(b, off, len);
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage());
            if (NOT_A_MEMBER.stream().anyMatch(m::contains)) {
                ended = true;
                seen = m;
                return -1;
            }
            throw e;
        }
    }
}
