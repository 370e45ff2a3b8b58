package org.murder.peer.wire;

import io.netty.channel.FileRegion;
import io.netty.util.AbstractReferenceCounted;
import java.util.List;

/**
 * A block we send, as runs of files rather than bytes: the encoder writes the 13-byte piece header
 * and then the regions, which the transport sends with {@code sendfile(2)}, never copied. Outbound
 * only. It owns its regions (one per file the block spans): released with it when it never reaches
 * the encoder (a closed channel), handed on to the transport when it does.
 */
public final class BlockUpload extends AbstractReferenceCounted {
    private final int piece;
    private final int begin;
    private final int length;
    private final List<FileRegion> regions;

    public BlockUpload(int piece, int begin, int length, List<? extends FileRegion> regions) {
        this.piece = piece;
        this.begin = begin;
        this.length = length;
        this.regions = List.copyOf(regions);
        long total = 0;
        for (FileRegion r : this.regions) {
            total += r.count();
        }
        if (total != length) {
            throw new IllegalArgumentException("block " + piece + "/" + begin + " of " + length + " bytes in regions of "
                    + total + " (expected: the same)");
        }
    }

    public int piece() {
        return piece;
    }

    public int begin() {
        return begin;
    }

    public int length() {
        return length;
    }

    public List<FileRegion> regions() {
        return regions;
    }

    @Override
    protected void deallocate() {
        regions.forEach(FileRegion::release);
    }

    @Override
    public BlockUpload touch(Object hint) {
        return this;
    }
}
