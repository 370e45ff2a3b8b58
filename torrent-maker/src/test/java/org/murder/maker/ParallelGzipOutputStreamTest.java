package org.murder.maker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ParallelGzipOutputStreamTest {
    private final ExecutorService pool = Executors.newFixedThreadPool(3);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void concatenatedMembersDecodeToTheInputInOrder() throws Exception {
        byte[] input = new byte[5 * 4096 + 123];
        Random random = new Random(7);
        for (int i = 0; i < input.length; i++) {
            input[i] = (byte) (random.nextInt(16) + 'a'); // compressible, and every block differs
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ParallelGzipOutputStream gz = new ParallelGzipOutputStream(out, pool, 3, 6, 4096)) {
            // odd write sizes straddle block boundaries
            for (int off = 0; off < input.length; ) {
                int n = Math.min(1000 + off % 777, input.length - off);
                gz.write(input, off, n);
                off += n;
            }
        }
        byte[] compressed = out.toByteArray();
        assertEquals(6, countMembers(compressed), "one gzip member per 4096-byte block");
        assertTrue(compressed.length < input.length);
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed))) {
            assertArrayEquals(input, in.readAllBytes());
        }
    }

    /** Walks the members: a 10-byte header (what GZIPOutputStream writes), raw deflate data, an 8-byte trailer. */
    private static int countMembers(byte[] gz) throws Exception {
        int members = 0;
        int pos = 0;
        while (pos < gz.length) {
            assertEquals(0x1f, gz[pos] & 0xff);
            assertEquals(0x8b, gz[pos + 1] & 0xff);
            java.util.zip.Inflater inflater = new java.util.zip.Inflater(true);
            inflater.setInput(gz, pos + 10, gz.length - pos - 10);
            byte[] sink = new byte[8192];
            while (!inflater.finished()) {
                inflater.inflate(sink);
            }
            pos = gz.length - inflater.getRemaining() + 8;
            inflater.end();
            members++;
        }
        return members;
    }
}
