package org.murder.peer.engine;

import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import org.murder.core.PeerId;

/** What a torrent needs from the engine it runs in, and no more. */
interface SessionContext {
    EngineConfig config();

    PeerId peerId();

    /** The port we listen on (announced to trackers). */
    int port();

    /** Whether an address is this engine's own listener. */
    boolean isSelf(InetSocketAddress address);

    /** Dials a peer for the torrent, on its loop. */
    ChannelFuture connect(PeerConnection.Events torrent, InetSocketAddress address, EventLoop loop);

    /** SHA-1 checks and commits. */
    ExecutorService hashPool();

    /** The direct memory the engine's torrents share for piece buffers. */
    org.murder.peer.storage.BufferBudget pieceBuffers();

    /** Whole-file md5s, one thread, in order. */
    ExecutorService md5Executor();

    /** Flushes of downloads to disk, one thread. */
    ExecutorService syncExecutor();

    /** The torrent stopped or failed: its counters join the engine's totals. */
    void ended(TorrentSession session);
}
