package org.murder.maker;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Locale;
import java.util.Optional;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.murder.core.MurderException;

/**
 * How a release tar is compressed. The archive is a sequence of independent frames (zstd frames or
 * gzip members; plain tar bytes for {@link #NONE}), which every standard tool reads as one stream
 * ({@code tar --zstd -xf}, {@code zstd -t}, {@code tar xzf}). A reader picks the codec from the
 * archive's first bytes ({@link #detect}), never from its name or a flag.
 */
public enum Compression {
    /** Fast and small: the default. Level 1 by default (as {@code zstd -1}). */
    ZSTD(".tar.zst", 1, 1, 19),
    /** Murder-style {@code .tar.gz}, for hosts that expect it. */
    GZIP(".tar.gz", 6, Deflater.BEST_SPEED, Deflater.BEST_COMPRESSION),
    /** The tar itself (already compressed content, or the fastest path on a fast network). */
    NONE(".tar", 0, 0, 0);

    private final String extension;
    private final int defaultLevel;
    private final int minLevel;
    private final int maxLevel;

    Compression(String extension, int defaultLevel, int minLevel, int maxLevel) {
        this.extension = extension;
        this.defaultLevel = defaultLevel;
        this.minLevel = minLevel;
        this.maxLevel = maxLevel;
    }

    /** The archive's file name ending: {@code .tar.zst}, {@code .tar.gz} or {@code .tar}. */
    public String extension() {
        return extension;
    }

    public int defaultLevel() {
        return defaultLevel;
    }

    /** The level to use: {@code requested} when given and in range, else the default; a bad one is bad usage. */
    public int level(Optional<Integer> requested) {
        int level = requested.orElse(defaultLevel);
        if (this != NONE && (level < minLevel || level > maxLevel)) {
            throw MurderException.badInput("--level: " + level + " (expected: " + minLevel + " to " + maxLevel + " for "
                    + name().toLowerCase(Locale.ROOT) + ")");
        }
        return level;
    }

    /** {@code zstd}, {@code gzip} or {@code none} (any case); anything else is bad usage. */
    public static Compression parse(String text) {
        for (Compression c : values()) {
            if (c.name().equalsIgnoreCase(text == null ? "" : text.trim())) {
                return c;
            }
        }
        throw MurderException.badInput("--compress: '" + text + "' (expected: zstd, gzip or none)");
    }

    /**
     * A compression context per thread, kept: making one per frame (zstd's tables, a few hundred KiB
     * each, zeroed on fresh pages) cost more CPU than compressing the frame at level 1.
     */
    private static final ThreadLocal<ZstdCompressCtx> ZSTD_CONTEXT = ThreadLocal.withInitial(ZstdCompressCtx::new);

    /** The most bytes {@link #compress} can make of {@code length} bytes. */
    long bound(int length) {
        return switch (this) {
            case ZSTD -> Zstd.compressBound(length);
            // zlib falls back to stored blocks (5 bytes per 16 KiB); zlib-ng's level 1 uses fixed Huffman
            // codes only and grows random bytes by up to about 12 %: room for that, header and trailer
            case GZIP -> length + (length >> 3) + 1024L;
            case NONE -> length;
        };
    }

    /**
     * Compresses {@code length} bytes of {@code src} from {@code offset} into one self-contained
     * frame (a whole zstd frame, a whole gzip member) at {@code dst[at]}, which has room for
     * {@link #bound}; returns the frame's length.
     */
    int compress(byte[] src, int offset, int length, int level, byte[] dst, int at) throws IOException {
        switch (this) {
            case ZSTD -> {
                ZstdCompressCtx ctx = ZSTD_CONTEXT.get();
                ctx.reset();
                ctx.setLevel(level);
                ctx.setContentSize(true);
                // each frame's XXH64, as the zstd command writes by default: raw blocks (incompressible
                // content: jars, images) are otherwise unchecked, and a flipped byte unpacks silently
                ctx.setChecksum(true);
                try {
                    return ctx.compressByteArray(dst, at, dst.length - at, src, offset, length);
                } catch (RuntimeException e) {
                    throw new IOException("zstd: " + e.getMessage(), e);
                }
            }
            case GZIP -> {
                ByteArrayOutputStream member = new ByteArrayOutputStream(length / 3 + 64);
                try (GZIPOutputStream gz = new LeveledGzip(member, level)) {
                    gz.write(src, offset, length);
                }
                if (member.size() > dst.length - at) {
                    throw new IOException("gzip: a member of " + member.size() + " bytes from " + length
                            + " (expected: at most " + bound(length) + ")");
                }
                byte[] bytes = member.toByteArray();
                System.arraycopy(bytes, 0, dst, at, bytes.length);
                return bytes.length;
            }
            case NONE -> {
                System.arraycopy(src, offset, dst, at, length);
                return length;
            }
            default -> throw new IllegalStateException(name());
        }
    }

    /** zstd frame magic (RFC 8878), little-endian 0xFD2FB528. */
    private static final byte[] ZSTD_MAGIC = {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD};
    private static final int TAR_MAGIC_AT = 257;

    /**
     * The codec of an archive from its first bytes (at least 262 of them for a plain tar), or empty
     * when they are none of ours: zstd frame magic, gzip's {@code 1f 8b}, or a tar header ("ustar" at 257).
     */
    public static Optional<Compression> detect(byte[] head, int length) {
        if (length >= 4 && head[0] == ZSTD_MAGIC[0] && head[1] == ZSTD_MAGIC[1] && head[2] == ZSTD_MAGIC[2]
                && head[3] == ZSTD_MAGIC[3]) {
            return Optional.of(ZSTD);
        }
        if (length >= 4 && (head[0] & 0xF0) == 0x50 && head[1] == 0x2A && head[2] == 0x4D && head[3] == 0x18) {
            return Optional.of(ZSTD); // a skippable frame first
        }
        if (length >= 2 && (head[0] & 0xFF) == 0x1F && (head[1] & 0xFF) == 0x8B) {
            return Optional.of(GZIP);
        }
        if (length >= TAR_MAGIC_AT + 5 && head[TAR_MAGIC_AT] == 'u' && head[TAR_MAGIC_AT + 1] == 's'
                && head[TAR_MAGIC_AT + 2] == 't' && head[TAR_MAGIC_AT + 3] == 'a' && head[TAR_MAGIC_AT + 4] == 'r') {
            return Optional.of(NONE);
        }
        return Optional.empty();
    }

    /** The tar bytes of an archive compressed with this codec (every frame or member, in order). */
    public InputStream decompress(InputStream archive) throws IOException {
        return switch (this) {
            case ZSTD -> new ZstdInputStream(archive).setContinuous(false);
            case GZIP -> new GzipMembers(archive);
            case NONE -> archive;
        };
    }

    /**
     * The gzip members of an archive one after the other (RFC 1952 allows several, as {@code cat a.gz b.gz}
     * makes). Bytes after the last member that start no other (zeros a copy tool padded it with) end the
     * stream with an IOException that says "after a valid .gz stream", once every byte of the members
     * was returned: commons-compress's own concatenated reading threw it from the read that inflated the
     * last member's last bytes, and those were lost (a tar.gz with 512 zeros after it failed as a truncated
     * tar, where gzip and GNU tar take it).
     */
    static final class GzipMembers extends InputStream {
        private final InputStream source;
        private InputStream member;
        private boolean ended;
        private final byte[] one = new byte[1];

        GzipMembers(InputStream archive) throws IOException {
            // marks: a member's reader leaves the source just after its trailer (it reads ahead, then resets)
            this.source = archive.markSupported() ? archive : new java.io.BufferedInputStream(archive);
            this.member = nextMember();
        }

        private InputStream nextMember() throws IOException {
            return GzipCompressorInputStream.builder().setInputStream(source).setDecompressConcatenated(false).get();
        }

        @Override
        public int read() throws IOException {
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            while (!ended) {
                int n = member.read(b, off, len);
                if (n != -1) {
                    return n;
                }
                source.mark(2);
                int first = source.read();
                int second = first < 0 ? -1 : source.read();
                source.reset();
                if (first < 0) {
                    ended = true;
                } else if (first == 0x1f && second == 0x8b) {
                    member = nextMember(); // the member before ended its inflater; closing it would close the source
                } else {
                    ended = true;
                    throw new IOException(String.format(Locale.ROOT, "Unexpected data after a valid .gz stream (starting 0x%02x)", first));
                }
            }
            return -1;
        }

        @Override
        public void close() throws IOException {
            source.close();
        }
    }

    private static final class LeveledGzip extends GZIPOutputStream {
        LeveledGzip(OutputStream out, int level) throws IOException {
            super(out, 64 * 1024);
            def.setLevel(level);
        }
    }
}
