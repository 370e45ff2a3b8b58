package org.murder.peer.wire;

import io.netty.channel.FileRegion;
import java.util.List;

/**
 * A block we send, as runs of files rather than bytes: the encoder writes the 13-byte piece header
 * and then the regions, which the transport sends with {@code sendfile(2)}, never copied. Outbound
 * only; the regions (one per file the block spans) are released by the transport once written.
 */
public record BlockUpload(int piece, int begin, int length, List<? extends FileRegion> regions) {
    public BlockUpload {
        regions = List.copyOf(regions);
        long total = 0;
        for (FileRegion r : regions) {
            total += r.count();
        }
        if (total != length) {
            throw new IllegalArgumentException("block " + piece + "/" + begin + " of " + length + " bytes in regions of "
                    + total + " (expected: the same)");
        }
    }
}
