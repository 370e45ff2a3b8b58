package org.murder.maker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Frames cut by content: standard streams, and an edit that changes only the frames around it. */
class FrameWriterTest {
    private final ExecutorService pool = Executors.newFixedThreadPool(3);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    /** Half random (incompressible), half text-like (compressible), so every codec has work. */
    private static byte[] content(int size, long seed) {
        byte[] data = new byte[size];
        Random r = new Random(seed);
        r.nextBytes(data);
        for (int i = 0; i < size; i += 2) {
            data[i] = (byte) ('a' + (i / 7) % 26);
        }
        return data;
    }

    private byte[] write(Compression codec, byte[] data, List<FrameIndex.Frame> frames) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FrameWriter w = new FrameWriter(out, pool, 3, codec, codec.defaultLevel());
        // in uneven writes, as a tar stream comes
        Random r = new Random(7);
        for (int off = 0; off < data.length; ) {
            int n = Math.min(data.length - off, 1 + r.nextInt(300_000));
            w.write(data, off, n);
            off += n;
        }
        w.close();
        frames.addAll(w.index().frames());
        return out.toByteArray();
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void theFramesReadBackAsOneStreamAndTheIndexDescribesThem(Compression codec) throws Exception {
        byte[] data = content(5_000_000, 1);
        List<FrameIndex.Frame> frames = new java.util.ArrayList<>();
        byte[] archive = write(codec, data, frames);
        assertEquals(archive.length, new FrameIndex(frames).totalLength());
        assertTrue(frames.size() >= 5_000_000 / FrameWriter.MAX_FRAME, "frames: " + frames.size());
        byte[] head = java.util.Arrays.copyOf(archive, 512);
        assertEquals(codec == Compression.NONE ? java.util.Optional.empty() : java.util.Optional.of(codec),
                Compression.detect(head, head.length), "a tar is detected by its header, these bytes are not one");
        try (var in = codec.decompress(new ByteArrayInputStream(archive))) {
            assertArrayEquals(data, in.readAllBytes());
        }
        long at = 0;
        for (FrameIndex.Frame f : frames) {
            assertEquals(f.crc(), FrameIndex.crc(archive, (int) at, (int) f.length()));
            at += f.length();
        }
        assertEquals(new FrameIndex(frames), FrameIndex.decode(new FrameIndex(frames).encode()));
    }

    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"ZSTD", "GZIP"})
    void anInsertionChangesOnlyTheFramesAroundIt(Compression codec) throws Exception {
        byte[] v1 = content(8_000_000, 2);
        byte[] v2 = new byte[v1.length + 1000];
        int at = 3_000_000;
        System.arraycopy(v1, 0, v2, 0, at);
        new Random(3).nextBytes(java.util.Arrays.copyOfRange(v2, at, at + 1000));
        for (int i = 0; i < 1000; i++) {
            v2[at + i] = (byte) i;
        }
        System.arraycopy(v1, at, v2, at + 1000, v1.length - at);
        List<FrameIndex.Frame> f1 = new java.util.ArrayList<>();
        List<FrameIndex.Frame> f2 = new java.util.ArrayList<>();
        write(codec, v1, f1);
        write(codec, v2, f2);
        Set<FrameIndex.Frame> old = new HashSet<>(f1);
        long newBytes = f2.stream().filter(f -> !old.contains(f)).mapToLong(FrameIndex.Frame::length).sum();
        long total = f2.stream().mapToLong(FrameIndex.Frame::length).sum();
        assertTrue(newBytes <= 3L * FrameWriter.MAX_FRAME, "bytes in frames that changed: " + newBytes + " of " + total);
        assertTrue(f2.size() - f2.stream().filter(old::contains).count() <= 3, "frames that changed");
    }

    /**
     * The cuts, written out plainly: a release made by another version must cut the same frames, or
     * hosts would rebuild nothing from it. Gear values as in FrameWriter (splitmix64).
     */
    private static List<Integer> referenceCuts(byte[] data) {
        long[] gear = new long[256];
        long x = 0x6d75726465720001L;
        for (int i = 0; i < 256; i++) {
            x += 0x9E3779B97F4A7C15L;
            long z = x;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            gear[i] = z ^ (z >>> 31);
        }
        List<Integer> lengths = new java.util.ArrayList<>();
        int start = 0;
        long h = 0;
        for (int i = 0; i < data.length; i++) {
            int inFrame = i - start + 1;
            if (inFrame > FrameWriter.MIN_FRAME) {
                h = (h << 1) + gear[data[i] & 0xFF];
            }
            if ((inFrame > FrameWriter.MIN_FRAME && (h >>> (64 - FrameWriter.CUT_BITS)) == 0) || inFrame == FrameWriter.MAX_FRAME) {
                lengths.add(inFrame);
                start = i + 1;
                h = 0;
            }
        }
        if (start < data.length) {
            lengths.add(data.length - start);
        }
        return lengths;
    }

    @org.junit.jupiter.api.Test
    void framesAreCutWhereTheReferenceCutsThemWhateverTheWriteSizes() throws Exception {
        // long runs of one byte never cut by content: frames of MAX_FRAME; random bytes: about 128 KiB
        byte[] data = content(20_000_000, 4);
        java.util.Arrays.fill(data, 6_000_000, 9_500_000, (byte) 0);
        List<FrameIndex.Frame> frames = new java.util.ArrayList<>();
        write(Compression.NONE, data, frames);
        List<Integer> lengths = frames.stream().map(f -> (int) f.length()).toList();
        assertEquals(referenceCuts(data), lengths);
        assertTrue(lengths.contains(FrameWriter.MAX_FRAME), "a run of zeros is cut at the maximum");
    }
}
