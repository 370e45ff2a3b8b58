package org.murder.peer.engine;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.murder.core.PeerId;

/**
 * Who sent the bad data, and who is banned for it, for the torrent's life. A sender ({@link Sender}) is a peer id at
 * an address, and for a peer we dialled the port we dialled: several peers may share an address (NAT, a host running
 * two clients, every test and the demo on 127.0.0.1), and a ban of the address took the honest ones with the liar; a
 * peer id is only what a peer claims, and a liar that dialled us under an honest peer's id must not get the peer we
 * dial at its port banned. A banned sender that comes back the way it came is neither asked nor served (one we had
 * dialled, also when it dials us under its peer id), and an address:port we dialled a banned sender at is not dialled
 * again; a liar that dialled us, dialled later at a port the tracker names, is another sender until it lies again. Once {@link #ADDRESS_AFTER} senders of one address were banned (a liar
 * coming back under new peer ids, each costing a piece), connections from that address are refused, but for its senders
 * whose data passed; peers there that we dial are not (a seed that starts or restarts after the liar came is reached
 * that way). An honest peer is never banned for data another peer sent into the same piece.
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
    /** Senders banned at one address before connections from it are refused (but for senders whose data passed). */
    static final int ADDRESS_AFTER = 3;
    /** Senders whose data passed, kept at most (one whose data passed only escapes its address's ban). */
    static final int MAX_KEPT = 4096;

    /**
     * A writer of blocks: its peer id, its address, and the port we dialled it at (0 for a peer that dialled us: its
     * port is a passing one, and the one it says it listens on may be another peer's).
     */
    record Sender(PeerId peerId, InetAddress address, int dialledPort) {
        static Sender of(PeerSet.Member peer) {
            return new Sender(peer.peerId(), peer.remote().getAddress(), peer.outgoing() ? peer.remote().getPort() : 0);
        }

        boolean dialled() {
            return dialledPort != 0;
        }

        PeerConnection.Identity identity() {
            return new PeerConnection.Identity(peerId, address);
        }
    }

    /** One block of a failed piece as it was on disk: its writer and its hash (compared by content: one writer's same bytes are one suspect). */
    private record Suspect(Sender writer, java.nio.ByteBuffer hash) {
    }

    private final int blocksPerPiece;
    private final Set<Sender> banned = new HashSet<>();
    private final Map<InetAddress, Integer> bannedAt = new HashMap<>();
    private final Set<InetAddress> bannedAddresses = new HashSet<>();
    private final Set<Sender> vouched = new HashSet<>();
    /** Where banned senders we dialled were dialled, and who they said they were (one each: bounded by {@link #banned}). */
    private final Set<InetSocketAddress> bannedDialled = new HashSet<>();
    private final Set<PeerConnection.Identity> bannedDialledIds = new HashSet<>();
    /** Pieces being downloaded: the sender that last wrote each block (the bytes on disk are its). */
    private final Map<Integer, Sender[]> writers = new HashMap<>();
    /** Pieces that failed: per block, every (writer, hash) seen in a failed copy. */
    private final Map<Integer, Map<Integer, Set<Suspect>>> failed = new HashMap<>();

    SmartBan(int blocksPerPiece) {
        this.blocksPerPiece = blocksPerPiece;
    }

    /**
     * Whether {@code sender} may be neither asked nor served: it is banned; or it dialled us under the peer id of a
     * sender banned at its address that we had dialled (that is the peer, or one that claims to be it); or it dialled
     * us from an address whose connections are refused, and its data never passed.
     */
    boolean isBanned(Sender sender) {
        return banned.contains(sender) || !sender.dialled() && (bannedDialledIds.contains(sender.identity())
                || bannedAddresses.contains(sender.address()) && !vouched.contains(sender));
    }

    /** Whether {@code address} is not to be dialled: a sender banned since was dialled there. */
    boolean isBanned(InetSocketAddress address) {
        return bannedDialled.contains(address);
    }

    /** Whether connections from {@code address} are refused (but for its senders whose data passed). */
    boolean addressBanned(InetAddress address) {
        return bannedAddresses.contains(address);
    }

    /** Whether some sender at {@code address} is banned. */
    boolean anyBannedAt(InetAddress address) {
        return bannedAt.containsKey(address);
    }

    /** Senders banned. */
    int bannedCount() {
        return banned.size();
    }

    /** {@code from} wrote blocks {@code [first, end)} of {@code piece}. */
    void wrote(int piece, int first, int end, Sender from) {
        Sender[] w = writers.computeIfAbsent(piece, k -> new Sender[blocksPerPiece]);
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
    Set<Sender> pieceFailed(int piece, List<byte[]> blockHashes) {
        Sender[] w = writers.remove(piece);
        if (w == null) {
            return Set.of();
        }
        Set<Sender> writersOfPiece = new LinkedHashSet<>();
        Map<Integer, Set<Suspect>> kept = failed.computeIfAbsent(piece, k -> new HashMap<>());
        for (int b = 0; b < blockHashes.size() && b < w.length; b++) {
            if (w[b] != null) {
                writersOfPiece.add(w[b]);
                kept.computeIfAbsent(b, k -> new HashSet<>()).add(new Suspect(w[b], java.nio.ByteBuffer.wrap(blockHashes.get(b))));
            }
        }
        return writersOfPiece.size() == 1 ? banNew(writersOfPiece) : Set.of();
    }

    /**
     * {@code piece} passed its SHA-1; {@code blockHashes} are its good blocks (empty when it never
     * failed). Returns the senders banned now: those that sent any block different from these (and were not banned yet).
     * Its writers' data passed: an address's ban spares them.
     */
    Set<Sender> pieceVerified(int piece, List<byte[]> blockHashes) {
        Sender[] w = writers.remove(piece);
        if (w != null) {
            for (Sender sender : w) {
                if (sender != null && vouched.size() < MAX_KEPT && !banned.contains(sender)) {
                    vouched.add(sender);
                }
            }
        }
        Map<Integer, Set<Suspect>> kept = failed.remove(piece);
        if (kept == null || blockHashes.isEmpty()) {
            return Set.of();
        }
        Set<Sender> guilty = new LinkedHashSet<>();
        kept.forEach((block, suspects) -> {
            for (Suspect s : suspects) {
                if (block < blockHashes.size() && !s.hash().equals(java.nio.ByteBuffer.wrap(blockHashes.get(block)))) {
                    guilty.add(s.writer());
                }
            }
        });
        return banNew(guilty);
    }

    /** Bans these senders (and an address with {@link #ADDRESS_AFTER} of them); returns those that were not banned yet. */
    private Set<Sender> banNew(Set<Sender> senders) {
        Set<Sender> added = new LinkedHashSet<>();
        for (Sender s : senders) {
            if (banned.add(s)) {
                vouched.remove(s);
                added.add(s);
                if (s.dialled()) {
                    bannedDialled.add(new InetSocketAddress(s.address(), s.dialledPort()));
                    bannedDialledIds.add(s.identity());
                }
                if (bannedAt.merge(s.address(), 1, Integer::sum) >= ADDRESS_AFTER) {
                    bannedAddresses.add(s.address());
                }
            }
        }
        return added;
    }
}
