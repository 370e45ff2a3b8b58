package org.murder.maker;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The frames of a packed release, in archive order: each frame's length and a CRC-32C of its bytes.
 * Frames are cut where the content says (see {@link FrameWriter}), so a frame whose content did not
 * change between two releases has the same bytes in both, usually at another offset; with the new
 * release's index a host finds those frames in the archive it already holds and copies them into
 * place instead of downloading them (see {@link ReleaseDelta}). The CRC only proposes a match: every
 * piece built from copied frames is still checked against its SHA-1 before it counts.
 *
 * <p>Stored in the torrent's info dictionary under {@link #INFO_KEY} (clients that do not know the
 * key ignore it; the torrent stays a standard v1 torrent) as 8 bytes per frame: length, CRC-32C,
 * both big-endian unsigned 32-bit.
 */
public record FrameIndex(List<Frame> frames) {
    public static final String INFO_KEY = "murder frames";
    /** Frames are at most a few MiB; an index claiming more per frame is not ours. */
    static final long MAX_FRAME = 64L << 20;
    /**
     * The most frames an index lists: 32,768 (256 KiB in the torrent, about 8 GiB of release). A
     * bigger release is packed the same way but its torrent lists no frames (no deltas): the
     * torrent travels in the job, and a ZooKeeper node holds at most 1 MB.
     */
    public static final int MAX_FRAMES = 32_768;

    /** One frame: its length in the archive and the CRC-32C of those bytes. */
    public record Frame(long length, int crc) {
        public Frame {
            if (length <= 0 || length > MAX_FRAME) {
                throw new IllegalArgumentException("frame length " + length + " (expected: 1 to " + MAX_FRAME + ")");
            }
        }
    }

    public FrameIndex {
        frames = List.copyOf(frames);
    }

    /** The archive's length: the frames laid end to end. */
    public long totalLength() {
        long n = 0;
        for (Frame f : frames) {
            n += f.length();
        }
        return n;
    }

    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(frames.size() * 8);
        for (Frame f : frames) {
            b.putInt((int) f.length());
            b.putInt(f.crc());
        }
        return b.array();
    }

    /** Reads an encoded index; a malformed one is an IllegalArgumentException naming what is wrong. */
    public static FrameIndex decode(byte[] bytes) {
        if (bytes.length % 8 != 0) {
            throw new IllegalArgumentException(INFO_KEY + ": " + bytes.length + " bytes (expected: a multiple of 8)");
        }
        if (bytes.length / 8 > MAX_FRAMES) {
            throw new IllegalArgumentException(INFO_KEY + ": " + bytes.length / 8 + " frames (expected: at most " + MAX_FRAMES + ")");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        List<Frame> frames = new ArrayList<>(bytes.length / 8);
        while (b.hasRemaining()) {
            frames.add(new Frame(Integer.toUnsignedLong(b.getInt()), b.getInt()));
        }
        return new FrameIndex(frames);
    }

    static int crc(byte[] data, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(data, offset, length);
        return (int) crc.getValue();
    }
}
