package org.murder.peer.engine;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.murder.core.InfoHash;
import org.murder.core.metainfo.MetaInfo;

/**
 * A torrent running in an {@link Engine}: what a caller holds. Every method is safe from any
 * thread; the machinery behind it stays on the torrent's event loop.
 */
public final class Torrent {
    private final TorrentSession session;

    Torrent(TorrentSession session) {
        this.session = session;
    }

    public InfoHash infoHash() {
        return session.infoHash();
    }

    public MetaInfo meta() {
        return session.meta();
    }

    /** Completes when every piece is verified (and the md5, when given) and the files are in place; fails if it stops first. */
    public CompletableFuture<Void> completed() {
        return session.completed();
    }

    /** Completes when the torrent stopped (seed time over, {@link #stop()}) or failed, with its last snapshot. */
    public CompletableFuture<Snapshot> finished() {
        return session.finished();
    }

    /** Announces {@code stopped}, closes every connection; the future is {@link #finished()}. */
    public CompletableFuture<Snapshot> stop() {
        return session.stop();
    }

    /** Peers learned some other way than the tracker (tests, agents that know their neighbours). */
    public void addPeers(List<InetSocketAddress> peers) {
        session.learn(List.copyOf(peers));
    }

    /** A view from volatile counters: never blocks, may be a moment behind the loop. */
    public Snapshot snapshot() {
        return session.snapshot();
    }

    /** A view taken on the torrent's loop: consistent with everything it did before. */
    public CompletableFuture<Snapshot> snapshotAsync() {
        return onLoop(session::snapshot);
    }

    /**
     * Where its data could come from, in words: peers known and connected, the tracker's failure,
     * bans, and how long since the last data when that was a while (for a download stopped
     * unfinished, so its report says why).
     */
    public CompletableFuture<String> situation() {
        return onLoop(session::situation);
    }

    /** Counters for metrics (as {@link #snapshot()}). */
    public TorrentStats stats() {
        return session.stats();
    }

    public SessionState state() {
        return session.state();
    }

    /** The piece buffers its checks hold (for tests: read on the loop). */
    CompletableFuture<Integer> pieceBuffersHeld() {
        return onLoop(session::pieceBuffersHeld);
    }

    /** Whether {@code address} is banned from this torrent (for tests: read on the loop). */
    CompletableFuture<Boolean> isBanned(java.net.InetAddress address) {
        return onLoop(() -> session.banned(address));
    }

    private <T> CompletableFuture<T> onLoop(java.util.function.Supplier<T> read) {
        CompletableFuture<T> f = new CompletableFuture<>();
        session.run(() -> f.complete(read.get()));
        return f;
    }

    @Override
    public String toString() {
        return "Torrent[" + session.meta().name() + " " + session.infoHash().toHex().substring(0, 8) + "]";
    }
}
