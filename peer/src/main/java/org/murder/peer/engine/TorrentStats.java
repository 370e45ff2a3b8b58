package org.murder.peer.engine;

import org.murder.core.InfoHash;

/**
 * One torrent's counters at a moment, for metrics. Counters count this session's run.
 *
 * @param infoHash       the torrent
 * @param name           its name (the file it makes)
 * @param state          lifecycle state
 * @param downloaded     payload bytes received and written
 * @param uploaded       payload bytes sent
 * @param verified       bytes verified (have)
 * @param total          torrent size
 * @param peers          connected peers
 * @param piecesVerified pieces that passed their SHA-1 check after a download
 * @param piecesFailed   pieces that failed it (fetched again)
 * @param peersBanned    peers (a peer id at an address) banned for sending corrupt data
 * @param downloadedFromOtherRacks of {@code downloaded}, what came from peers not of our rack (neither
 *                       named so by the tracker nor saying so): what crossed our rack's uplink on our
 *                       account (0 without {@code --rack}, and for a seed from the start)
 */
public record TorrentStats(InfoHash infoHash, String name, SessionState state, long downloaded, long uploaded, long verified,
        long total, int peers, long piecesVerified, long piecesFailed, long peersBanned, long downloadedFromOtherRacks) {
}
