package org.murder.peer.storage;

import io.netty.channel.DefaultFileRegion;
import java.nio.channels.FileChannel;

/**
 * A zero-copy upload of a run of a file that, unlike a plain {@link DefaultFileRegion}, does not
 * close the file when released: one open file serves every block. Being a {@code DefaultFileRegion}
 * it is {@code sendfile(2)} on both transports: the native epoll one sends it by the file's
 * descriptor, NIO through {@link FileChannel#transferTo} to the socket.
 */
public final class SharedFileRegion extends DefaultFileRegion {
    public SharedFileRegion(FileChannel file, long position, long count) {
        super(file, position, count);
    }

    @Override
    protected void deallocate() {
        // the file stays open for the next block; Storage closes it
    }
}
