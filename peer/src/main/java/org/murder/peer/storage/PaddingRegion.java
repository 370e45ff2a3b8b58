package org.murder.peer.storage;

import io.netty.channel.FileRegion;
import io.netty.util.AbstractReferenceCounted;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * The zeros of a BEP 47 padding file in an upload: they are on no disk, so instead of
 * {@code sendfile(2)} both transports have it write them from one shared read-only buffer
 * ({@link #transferTo}, which Netty calls for a region that is not a {@code DefaultFileRegion}).
 */
public final class PaddingRegion extends AbstractReferenceCounted implements FileRegion {
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 * 1024).asReadOnlyBuffer();

    private final long count;
    private long transferred;

    public PaddingRegion(long count) {
        if (count < 0) {
            throw new IllegalArgumentException("count: " + count + " (expected: >= 0)");
        }
        this.count = count;
    }

    @Override
    public long position() {
        return 0;
    }

    @Override
    @Deprecated
    public long transfered() {
        return transferred;
    }

    @Override
    public long transferred() {
        return transferred;
    }

    @Override
    public long count() {
        return count;
    }

    /** Writes zeros from {@code position} on, as many as the target takes at once; returns how many. */
    @Override
    public long transferTo(WritableByteChannel target, long position) throws IOException {
        if (position < 0 || position > count) {
            throw new IllegalArgumentException("position: " + position + " (expected: 0 to " + count + ")");
        }
        long left = count - position;
        if (left == 0) {
            return 0;
        }
        ByteBuffer zeros = ZEROS.duplicate();
        zeros.limit((int) Math.min(zeros.capacity(), left));
        int written = target.write(zeros);
        transferred += written;
        return written;
    }

    @Override
    public PaddingRegion retain() {
        super.retain();
        return this;
    }

    @Override
    public PaddingRegion retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public PaddingRegion touch() {
        return this;
    }

    @Override
    public PaddingRegion touch(Object hint) {
        return this;
    }

    @Override
    protected void deallocate() {
        // nothing held: the zeros are shared
    }
}
