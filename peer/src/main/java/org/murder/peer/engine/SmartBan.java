package org.murder.peer.engine;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who sent the bad data, and who is banned for it, for the torrent's life. A sender is a peer id
 * at an address ({@link PeerConnection.Identity}): several peers may share an address (NAT, a host
 * running two clients, every test and the demo on 127.0.0.1), and a ban of the address took the
 * honest ones with the liar. A banned sender that comes back under its peer id is neither asked
 * nor served, and the address it was dialled at is not dialled again; once {@link #ADDRESS_AFTER}
 * senders of one address were banned (a liar coming back under new peer ids, each costing a
 * piece), the address is banned too, but for its senders whose data passed its check. An honest
 * peer is never banned for data another peer sent into the same piece.
 *
 * <p>The session tells it who wrote each block of a piece ({@link #wrote}). When a piece fails its
 * SHA-1, the hash of every block as it was on disk is kept with its writer. A failed piece written
 * by one sender alone condemns that sender. Otherwise the piece is fetched again (from one peer:
 * see {@link PiecePicker#suspect}), and once a copy passes, every sender whose kept block differs
 * from the good block is banned (libtorrent's smart ban does the same). Block hashes are only
 * taken for failed pieces and for the good copies of pieces that failed before, so an honest
 * swarm pays nothing. Owned by the session's loop; no locking.
 */
final class SmartBan {
    /** Senders banned at one address before the address is banned (but for those whose data passed). */
    static final int ADDRESS_AFTER = 3;
    /**
     * Senders whose data passed, and addresses banned senders listen at, kept at most each (a sender whose data passed
     * only escapes its address's ban; an unknown listening address is refused at the handshake, after a dial).
     */
    static final int MAX_KEPT = 4096;

    /** One block of a failed piece as it was on disk: its writer and its hash. */
    private record Suspect(PeerConnection.Identity writer, byte[] hash) {
    }

    private final int blocksPerPiece;
    private final Set<PeerConnection.Identity> banned = new HashSet<>();
    private final Map<InetAddress, Integer> bannedAt = new HashMap<>();
    private final Set<InetAddress> bannedAddresses = new HashSet<>();
    private final Set<InetSocketAddress> bannedListeners = new HashSet<>();
    private final Set<PeerConnection.Identity> vouched = new HashSet<>();
    /** Pieces being downloaded: the sender that last wrote each block (the bytes on disk are its). */
    private final Map<Integer, PeerConnection.Identity[]> writers = new HashMap<>();
    /** Pieces that failed: per block, every (writer, hash) seen in a failed copy. */
    private final Map<Integer, Map<Integer, Set<Suspect>>> failed = new HashMap<>();

    SmartBan(int blocksPerPiece) {
        this.blocksPerPiece = blocksPerPiece;
    }

    /** Whether {@code sender} may be neither asked nor served. */
    boolean isBanned(PeerConnection.Identity sender) {
        return banned.contains(sender) || bannedAddresses.contains(sender.address()) && !vouched.contains(sender);
    }

    /** Whether {@code listener} is not to be dialled: a banned sender listens there, or its address is banned. */
    boolean isBanned(InetSocketAddress listener) {
        return bannedListeners.contains(listener) || bannedAddresses.contains(listener.getAddress());
    }

    /** Whether {@code address} is banned (its senders whose data passed excepted). */
    boolean addressBanned(InetAddress address) {
        return bannedAddresses.contains(address);
    }

    /** Whether some sender at {@code address}, or the address itself, is banned. */
    boolean anyBannedAt(InetAddress address) {
        return bannedAt.containsKey(address) || bannedAddresses.contains(address);
    }

    /** Senders banned. */
    int bannedCount() {
        return banned.size();
    }

    /** The banned {@code sender} listens at {@code listener}: it is not dialled there again. */
    void listensAt(PeerConnection.Identity sender, InetSocketAddress listener) {
        if (listener != null && banned.contains(sender) && bannedListeners.size() < MAX_KEPT) {
            bannedListeners.add(listener);
        }
    }

    /** {@code from} wrote blocks {@code [first, end)} of {@code piece}. */
    void wrote(int piece, int first, int end, PeerConnection.Identity from) {
        PeerConnection.Identity[] w = writers.computeIfAbsent(piece, k -> new PeerConnection.Identity[blocksPerPiece]);
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
     * Returns the senders banned now: the writer of every block, when there was only one (and not banned yet).
     */
    Set<PeerConnection.Identity> pieceFailed(int piece, List<byte[]> blockHashes) {
        PeerConnection.Identity[] w = writers.remove(piece);
        if (w == null) {
            return Set.of();
        }
        Set<PeerConnection.Identity> writersOfPiece = new LinkedHashSet<>();
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
     * failed). Returns the senders banned now: those that sent any block different from these (and were not banned yet).
     * Its writers' data passed: an address's ban spares them.
     */
    Set<PeerConnection.Identity> pieceVerified(int piece, List<byte[]> blockHashes) {
        PeerConnection.Identity[] w = writers.remove(piece);
        if (w != null) {
            for (PeerConnection.Identity sender : w) {
                if (sender != null && vouched.size() < MAX_KEPT) {
                    vouched.add(sender);
                }
            }
        }
        Map<Integer, Set<Suspect>> kept = failed.remove(piece);
        if (kept == null || blockHashes.isEmpty()) {
            return Set.of();
        }
        Set<PeerConnection.Identity> guilty = new LinkedHashSet<>();
        kept.forEach((block, suspects) -> {
            for (Suspect s : suspects) {
                if (block < blockHashes.size() && !Arrays.equals(s.hash(), blockHashes.get(block))) {
                    guilty.add(s.writer());
                }
            }
        });
        return banNew(guilty);
    }

    /** Bans these senders (and an address with {@link #ADDRESS_AFTER} of them); returns those that were not banned yet. */
    private Set<PeerConnection.Identity> banNew(Set<PeerConnection.Identity> senders) {
        Set<PeerConnection.Identity> added = new LinkedHashSet<>();
        for (PeerConnection.Identity s : senders) {
            if (banned.add(s)) {
                vouched.remove(s);
                added.add(s);
                if (bannedAt.merge(s.address(), 1, Integer::sum) >= ADDRESS_AFTER) {
                    bannedAddresses.add(s.address());
                }
            }
        }
        return added;
    }
}
