package org.murder.tracker.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.socket.DuplexChannel;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection after its last response without losing that response: closing a socket
 * whose client is still sending makes the kernel reset the connection, and a reset can destroy
 * the answer before the client reads it. So: flush, half-close our side, let the client finish,
 * and close for good when it does or after a short linger.
 */
final class Closer {
    static final long LINGER_MILLIS = 2000;

    private Closer() {
    }

    static void afterFlush(ChannelFuture written) {
        written.addListener((ChannelFutureListener) f -> {
            Channel ch = f.channel();
            if (f.isSuccess() && ch instanceof DuplexChannel duplex && ch.isActive()) {
                duplex.shutdownOutput();
                ch.eventLoop().schedule(() -> {
                    ch.close();
                }, LINGER_MILLIS, TimeUnit.MILLISECONDS);
            } else {
                ch.close();
            }
        });
    }
}
