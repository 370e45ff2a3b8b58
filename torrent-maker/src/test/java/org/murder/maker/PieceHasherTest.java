package org.murder.maker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PieceHasherTest {
    private final ExecutorService pool = Executors.newFixedThreadPool(2);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    /** Sizes around piece boundaries: short last piece, exact multiple, a single partial piece. */
    @ParameterizedTest
    @ValueSource(ints = {1, 16383, 16384, 16385, 5 * 16384, 5 * 16384 + 7})
    void sameDigestsAsHashingEachPieceByItself(int size) throws Exception {
        byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        byte[] expectedPieces = expectedPieces(data, 16384);

        PieceHasher fromChannel = new PieceHasher(16384, pool, 3);
        AtomicLong counted = new AtomicLong();
        fromChannel.readFully(Channels.newChannel(new ByteArrayInputStream(data)), counted::addAndGet);
        PieceHasher.Hashes a = fromChannel.finish();

        PieceHasher fromBuffers = new PieceHasher(16384, pool, 3);
        for (int off = 0; off < size; off += 5000) {
            fromBuffers.update(ByteBuffer.wrap(data, off, Math.min(5000, size - off)));
        }
        PieceHasher.Hashes b = fromBuffers.finish();

        assertEquals(size, counted.get());
        assertEquals(size, a.length());
        assertArrayEquals(expectedPieces, a.pieces());
        assertArrayEquals(MessageDigest.getInstance("MD5").digest(data), a.md5());
        assertEquals(a, b);
    }

    /** Many small pieces read from a file's channel straight into piece buffers. */
    @org.junit.jupiter.api.Test
    void aFileReadThroughItsChannelGivesTheSameDigests(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        byte[] data = new byte[3 * 1024 * 1024 + 5];
        new Random(9).nextBytes(data);
        java.nio.file.Path file = tmp.resolve("data.bin");
        java.nio.file.Files.write(file, data);
        PieceHasher read = new PieceHasher(16384, pool, 3);
        AtomicLong counted = new AtomicLong();
        try (var ch = java.nio.channels.FileChannel.open(file)) {
            read.readFully(ch, counted::addAndGet);
        }
        PieceHasher.Hashes h = read.finish();
        assertEquals(data.length, counted.get());
        assertArrayEquals(MessageDigest.getInstance("MD5").digest(data), h.md5());
        assertArrayEquals(expectedPieces(data, 16384), h.pieces());
    }

    private static byte[] expectedPieces(byte[] data, int pieceLength) throws Exception {
        int count = (data.length + pieceLength - 1) / pieceLength;
        byte[] out = new byte[count * 20];
        for (int i = 0; i < count; i++) {
            byte[] piece = Arrays.copyOfRange(data, i * pieceLength, Math.min(data.length, (i + 1) * pieceLength));
            System.arraycopy(MessageDigest.getInstance("SHA-1").digest(piece), 0, out, i * 20, 20);
        }
        return out;
    }
}
