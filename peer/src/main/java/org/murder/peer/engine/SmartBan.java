package org.murder.peer.engine;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who sent the bad data, and who is banned for it: bans hold for the torrent's life and are by
 * address, so a banned peer that reconnects (another port, another peer id) is neither asked nor
 * served. An honest peer is never banned for data another peer sent into the same piece.
 *
 * <p>The session tells it who wrote each block of a piece ({@link #wrote}). When a piece fails its
 * SHA-1, the hash of every block as it was on disk is kept with its writer. A failed piece written
 * by one address alone condemns that address. Otherwise the piece is fetched again (from one peer:
 * see {@link PiecePicker#suspect}), and once a copy passes, every address whose kept block differs
 * from the good block is banned (libtorrent's smart ban does the same). Block hashes are only
 * taken for failed pieces and for the good copies of pieces that failed before, so an honest
 * swarm pays nothing. Owned by the session's loop; no locking.
 */
final class SmartBan {
    /** One block of a failed piece as it was on disk: its writer and its hash. */
    private record Suspect(InetAddress writer, byte[] hash) {
    }

    private final int blocksPerPiece;
    private final Set<InetAddress> banned = new HashSet<>();
    /** Pieces being downloaded: the address that last wrote each block (the bytes on disk are its). */
    private final Map<Integer, InetAddress[]> writers = new HashMap<>();
    /** Pieces that failed: per block, every (writer, hash) seen in a failed copy. */
    private final Map<Integer, Map<Integer, Set<Suspect>>> failed = new HashMap<>();

    SmartBan(int blocksPerPiece) {
        this.blocksPerPiece = blocksPerPiece;
    }

    boolean isBanned(InetAddress address) {
        return banned.contains(address);
    }

    int bannedCount() {
        return banned.size();
    }

    /** {@code from} wrote blocks {@code [first, end)} of {@code piece}. */
    void wrote(int piece, int first, int end, InetAddress from) {
        InetAddress[] w = writers.computeIfAbsent(piece, k -> new InetAddress[blocksPerPiece]);
        for (int b = first; b < end && b < w.length; b++) {
            w[b] = from;
        }
    }

    /** Whether the good copy of {@code piece} must be hashed block by block (it failed before). */
    boolean wantsBlockHashes(int piece) {
        return failed.containsKey(piece);
    }

    /**
     * {@code piece} failed its SHA-1; {@code blockHashes} are its blocks as they were on disk.
     * Returns the addresses banned now: the writer of every block, when there was only one (and not banned yet).
     */
    Set<InetAddress> pieceFailed(int piece, List<byte[]> blockHashes) {
        InetAddress[] w = writers.remove(piece);
        if (w == null) {
            return Set.of();
        }
        Set<InetAddress> writersOfPiece = new LinkedHashSet<>();
        Map<Integer, Set<Suspect>> kept = failed.computeIfAbsent(piece, k -> new HashMap<>());
        for (int b = 0; b < blockHashes.size() && b < w.length; b++) {
            if (w[b] != null) {
                writersOfPiece.add(w[b]);
                kept.computeIfAbsent(b, k -> new HashSet<>()).add(new Suspect(w[b], blockHashes.get(b)));
            }
        }
        return writersOfPiece.size() == 1 ? banNew(writersOfPiece) : Set.of();
    }

    /**
     * {@code piece} passed its SHA-1; {@code blockHashes} are its good blocks (empty when it never
     * failed). Returns the addresses banned now: those that sent any block different from these (and were not banned yet).
     */
    Set<InetAddress> pieceVerified(int piece, List<byte[]> blockHashes) {
        writers.remove(piece);
        Map<Integer, Set<Suspect>> kept = failed.remove(piece);
        if (kept == null || blockHashes.isEmpty()) {
            return Set.of();
        }
        Set<InetAddress> guilty = new LinkedHashSet<>();
        kept.forEach((block, suspects) -> {
            for (Suspect s : suspects) {
                if (block < blockHashes.size() && !Arrays.equals(s.hash(), blockHashes.get(block))) {
                    guilty.add(s.writer());
                }
            }
        });
        return banNew(guilty);
    }

    /** Bans these addresses; returns those that were not banned yet. */
    private Set<InetAddress> banNew(Set<InetAddress> addresses) {
        Set<InetAddress> added = new LinkedHashSet<>();
        for (InetAddress a : addresses) {
            if (banned.add(a)) {
                added.add(a);
            }
        }
        return added;
    }
}
