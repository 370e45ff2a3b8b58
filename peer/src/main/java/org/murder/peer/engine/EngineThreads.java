package org.murder.peer.engine;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.Closeable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The threads an engine runs on: the Netty event loops, the pool that verifies pieces, the md5
 * thread and the thread that syncs files. {@link Engine#start(EngineConfig, java.time.Clock)} makes
 * a set of its own and closes it with the engine; a process that runs many engines (a bench of
 * hundreds of hosts in a few JVMs) shares one set through
 * {@link Engine#start(EngineConfig, java.time.Clock, EngineThreads)} and closes it after them, so
 * it has two event loops instead of hundreds and each wake-up serves many connections.
 */
public final class EngineThreads implements Closeable {
    final EventLoopGroup group;
    final Class<? extends ServerChannel> serverChannel;
    final Class<? extends SocketChannel> socketChannel;
    final ExecutorService hashPool;
    final ExecutorService md5Executor;
    final ExecutorService syncExecutor;

    private EngineThreads(int ioThreads, int hashThreads) {
        // Netty's native epoll where it loads (less work per wake-up than NIO's selector: many peers on
        // shaped links wake the loop for little data); NIO elsewhere, or with -Dmurder.transport=nio
        boolean epoll = !"nio".equals(System.getProperty("murder.transport")) && Epoll.isAvailable();
        DefaultThreadFactory threads = new DefaultThreadFactory("murder-io", true);
        this.group = epoll ? new EpollEventLoopGroup(ioThreads, threads) : new NioEventLoopGroup(ioThreads, threads);
        this.serverChannel = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        this.socketChannel = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        this.hashPool = Executors.newFixedThreadPool(hashThreads, new DefaultThreadFactory("murder-hash", true));
        this.md5Executor = Executors.newSingleThreadExecutor(new DefaultThreadFactory("murder-md5", true));
        this.syncExecutor = Executors.newSingleThreadExecutor(new DefaultThreadFactory("murder-sync", true));
    }

    /** A set of threads: {@code ioThreads} event loops and {@code hashThreads} verifying pieces. */
    public static EngineThreads create(int ioThreads, int hashThreads) {
        if (ioThreads < 1 || hashThreads < 1) {
            throw new IllegalArgumentException("ioThreads " + ioThreads + ", hashThreads " + hashThreads + " (expected: >= 1 each)");
        }
        return new EngineThreads(ioThreads, hashThreads);
    }

    /** Stops the threads; the engines on them must be closed first. */
    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        hashPool.shutdownNow();
        md5Executor.shutdownNow();
        syncExecutor.shutdown(); // an interrupted force() would close the file's channel for everyone
    }
}
