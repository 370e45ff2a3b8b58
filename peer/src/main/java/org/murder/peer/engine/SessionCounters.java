package org.murder.peer.engine;

import java.util.Optional;
import org.murder.core.metainfo.MetaInfo;

/**
 * A torrent's counters and state as other threads read them: written on the torrent's loop only,
 * volatile so that a scrape or an agent's job thread reads recent values without touching the
 * loop's collections (a view may be a moment behind).
 */
final class SessionCounters {
    volatile SessionState state = SessionState.CHECKING;
    volatile Optional<String> error = Optional.empty();
    volatile long downloaded;
    /** Of {@link #downloaded}, what came from peers not of our rack (TorrentSession.isRackMate; only when we are in one). */
    volatile long downloadedFromOtherRacks;
    volatile long uploaded;
    volatile long verified;
    volatile long downRate;
    volatile long upRate;
    volatile int peers;
    volatile int seeds;
    volatile long piecesVerified;
    volatile long piecesFailed;
    volatile long peersBanned;
    private long lastDownloaded;
    private long lastUploaded;

    /** Called once a second: the rates over the last second. */
    void tick() {
        downRate = downloaded - lastDownloaded;
        upRate = uploaded - lastUploaded;
        lastDownloaded = downloaded;
        lastUploaded = uploaded;
    }

    Snapshot snapshot(long total) {
        return new Snapshot(state, verified, total, downloaded, uploaded, downRate, upRate, peers, seeds, error);
    }

    TorrentStats stats(MetaInfo meta) {
        return new TorrentStats(meta.infoHash(), meta.name(), state, downloaded, uploaded, verified, meta.totalLength(), peers,
                piecesVerified, piecesFailed, peersBanned, downloadedFromOtherRacks);
    }
}
