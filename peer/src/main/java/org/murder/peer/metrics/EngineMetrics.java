package org.murder.peer.metrics;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.murder.peer.engine.EngineStats;
import org.murder.peer.engine.TorrentStats;

/**
 * The peer engine's metrics ({@code murder_peer_*}), read from {@link EngineStats} at scrape time:
 * nothing is counted on the event loops for them (the engine keeps its counters anyway).
 */
public final class EngineMetrics {
    private EngineMetrics() {
    }

    /**
     * Registers the engine totals on {@code registry}; with {@code perTorrent}, also one series per
     * running torrent, labelled {@code info_hash} and {@code torrent} (its name): only where the
     * torrents are few and long-lived (a seeder), not where every deploy brings a new one (an agent).
     */
    public static void register(PrometheusRegistry registry, Supplier<EngineStats> stats, boolean perTorrent) {
        counter(registry, "murder_peer_downloaded_bytes_total", "Payload bytes downloaded and written, over every torrent.", stats,
                EngineStats::downloadedBytes);
        counter(registry, "murder_peer_uploaded_bytes_total", "Payload bytes uploaded to peers, over every torrent.", stats,
                EngineStats::uploadedBytes);
        counter(registry, "murder_peer_pieces_verified_total", "Pieces downloaded that passed their SHA-1 check.", stats,
                EngineStats::piecesVerified);
        counter(registry, "murder_peer_pieces_failed_total", "Pieces downloaded that failed their SHA-1 check (fetched again).",
                stats, EngineStats::piecesFailed);
        counter(registry, "murder_peer_peers_banned_total", "Peers (a peer id at an address) banned from a torrent for sending corrupt data.", stats,
                EngineStats::peersBanned);
        gauge(registry, "murder_peer_connected_peers", "Peers connected now, over every torrent.", stats,
                EngineStats::connectedPeers);
        gauge(registry, "murder_peer_torrents", "Torrents running now (downloading, finishing or seeding).", stats,
                s -> s.running().size());
        if (perTorrent) {
            torrentCounter(registry, "murder_peer_torrent_uploaded_bytes_total", "Payload bytes uploaded, by torrent (this run).",
                    stats, TorrentStats::uploaded);
            torrentCounter(registry, "murder_peer_torrent_downloaded_bytes_total",
                    "Payload bytes downloaded, by torrent (this run).", stats, TorrentStats::downloaded);
            torrentCounter(registry, "murder_peer_torrent_downloaded_other_racks_bytes_total",
                    "Of the payload bytes downloaded, those from peers not of our rack (the origin included), by torrent"
                            + " (this run; 0 without a rack).", stats, TorrentStats::downloadedFromOtherRacks);
            torrentGauge(registry, "murder_peer_torrent_connected_peers", "Peers connected now, by torrent.", stats,
                    TorrentStats::peers);
            torrentGauge(registry, "murder_peer_torrent_verified_bytes",
                    "Bytes of the torrent verified on disk (equal to its size once checked and seeding).", stats,
                    TorrentStats::verified);
            torrentGauge(registry, "murder_peer_torrent_size_bytes", "Size of the torrent's data.", stats, TorrentStats::total);
        }
    }

    private static void counter(PrometheusRegistry registry, String name, String help, Supplier<EngineStats> stats,
            ToDoubleFunction<EngineStats> value) {
        CounterWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.applyAsDouble(stats.get())))
                .register(registry);
    }

    private static void gauge(PrometheusRegistry registry, String name, String help, Supplier<EngineStats> stats,
            ToDoubleFunction<EngineStats> value) {
        GaugeWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.applyAsDouble(stats.get())))
                .register(registry);
    }

    private static void torrentCounter(PrometheusRegistry registry, String name, String help, Supplier<EngineStats> stats,
            ToDoubleFunction<TorrentStats> value) {
        CounterWithCallback.builder().name(name).help(help).labelNames("info_hash", "torrent")
                .callback(cb -> forEachTorrent(stats, t -> cb.call(value.applyAsDouble(t), t.infoHash().toHex(), t.name())))
                .register(registry);
    }

    private static void torrentGauge(PrometheusRegistry registry, String name, String help, Supplier<EngineStats> stats,
            ToDoubleFunction<TorrentStats> value) {
        GaugeWithCallback.builder().name(name).help(help).labelNames("info_hash", "torrent")
                .callback(cb -> forEachTorrent(stats, t -> cb.call(value.applyAsDouble(t), t.infoHash().toHex(), t.name())))
                .register(registry);
    }

    private static void forEachTorrent(Supplier<EngineStats> stats, Consumer<TorrentStats> each) {
        stats.get().running().forEach(each); // one per info hash: the engine runs a torrent once
    }
}
