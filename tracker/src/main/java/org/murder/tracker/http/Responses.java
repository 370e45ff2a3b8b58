package org.murder.tracker.http;

import io.netty.buffer.ByteBuf;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.murder.core.InfoHash;
import org.murder.tracker.swarm.AnnounceResult;
import org.murder.tracker.swarm.PeerEntry;
import org.murder.tracker.swarm.ScrapeStats;

/** The bencoded bodies the tracker sends, keys in raw byte order as BEP 3 requires. */
final class Responses {
    private Responses() {
    }

    /**
     * An announce answer. Compact (BEP 23): IPv4 peers in {@code peers} (6 bytes each), IPv6
     * peers in {@code peers6} (18 bytes each, BEP 7). Otherwise the dictionary model: a list of
     * {@code {ip, peer id, port}}, without {@code peer id} when the client asked {@code no_peer_id}.
     */
    static void announce(ByteBuf out, AnnounceResult r, int intervalSeconds, int minIntervalSeconds,
                         boolean compact, boolean noPeerId) {
        BencodeWriter w = new BencodeWriter(out).beginDict()
                .entry("complete", r.complete())
                .entry("downloaded", r.downloaded())
                .entry("incomplete", r.incomplete())
                .entry("interval", intervalSeconds)
                .entry("min interval", minIntervalSeconds);
        if (r.gateway().isGateway()) {
            w.entry("murder gateway", r.gateway().index()).entry("murder gateways", r.gateway().of());
        }
        rackMates(w, r.rackMates());
        List<PeerEntry> peers = r.peers();
        if (compact) {
            int v4 = 0;
            for (PeerEntry p : peers) {
                v4 += p.isIpv4() ? 1 : 0;
            }
            w.ascii("peers").stringHeader(6 * v4);
            for (PeerEntry p : peers) {
                if (p.isIpv4()) {
                    w.raw(p.compactUnsafe());
                }
            }
            int v6 = peers.size() - v4;
            if (v6 > 0) {
                w.ascii("peers6").stringHeader(18 * v6);
                for (PeerEntry p : peers) {
                    if (!p.isIpv4()) {
                        w.raw(p.compactUnsafe());
                    }
                }
            }
        } else {
            w.ascii("peers").beginList();
            for (PeerEntry p : peers) {
                w.beginDict().ascii("ip").ascii(p.address().getHostAddress());
                if (!noPeerId) {
                    w.ascii("peer id").bytes(p.peerId().toBytes());
                }
                w.entry("port", p.port()).end();
            }
            w.end();
        }
        w.end();
    }

    /**
     * murder's own keys, for a requester that gave a rack (after {@code murder gateway} and
     * {@code murder gateways} for one of its gateways): the addresses of its rack's other live
     * peers, 4 bytes each in {@code murder rack}, 16 each in {@code murder rack6} (as BEP 23 and 7
     * without the port). Other clients ignore keys they do not know.
     */
    private static void rackMates(BencodeWriter w, List<InetAddress> mates) {
        if (mates.isEmpty()) {
            return;
        }
        for (int length : new int[] {4, 16}) {
            int n = 0;
            for (InetAddress a : mates) {
                n += a.getAddress().length == length ? 1 : 0;
            }
            if (n > 0) {
                w.ascii(length == 4 ? "murder rack" : "murder rack6").stringHeader(length * n);
                for (InetAddress a : mates) {
                    if (a.getAddress().length == length) {
                        w.raw(a.getAddress());
                    }
                }
            }
        }
    }

    /** BEP 48: {@code files} maps each raw infohash to its counts; infohashes in raw byte order. */
    static void scrape(ByteBuf out, Map<InfoHash, ScrapeStats> files) {
        BencodeWriter w = new BencodeWriter(out).beginDict().ascii("files").beginDict();
        files.entrySet().stream()
                .sorted(Map.Entry.comparingByKey((a, b) -> java.util.Arrays.compareUnsigned(a.toBytes(), b.toBytes())))
                .forEach(e -> w.bytes(e.getKey().toBytes()).beginDict()
                        .entry("complete", e.getValue().complete())
                        .entry("downloaded", e.getValue().downloaded())
                        .entry("incomplete", e.getValue().incomplete())
                        .end());
        w.end().end();
    }

    /** {@code d14:failure reason...e}: what every BitTorrent client shows the operator. */
    static void failure(ByteBuf out, String reason) {
        new BencodeWriter(out).beginDict().ascii("failure reason").utf8(reason).end();
    }
}
