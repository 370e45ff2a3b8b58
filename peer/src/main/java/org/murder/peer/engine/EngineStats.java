package org.murder.peer.engine;

import java.util.List;

/**
 * An engine's counters at a moment, for metrics: totals since the engine started (torrents that
 * ended included, so they only grow) and the torrents running now.
 *
 * @param downloadedBytes payload bytes received and written
 * @param uploadedBytes   payload bytes sent
 * @param piecesVerified  pieces downloaded that passed their SHA-1 check
 * @param piecesFailed    pieces downloaded that failed it
 * @param peersBanned     peers (a peer id at an address) banned from a torrent for corrupt data
 * @param connectedPeers  peers connected now, over every torrent
 * @param running         the torrents running now
 */
public record EngineStats(long downloadedBytes, long uploadedBytes, long piecesVerified, long piecesFailed, long peersBanned,
        int connectedPeers, List<TorrentStats> running) {

    /** An engine that has not started yet. */
    public static final EngineStats NONE = new EngineStats(0, 0, 0, 0, 0, 0, List.of());

    public EngineStats {
        running = List.copyOf(running);
    }
}
