package org.murder.peer.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import org.murder.peer.wire.PeerMessage;

/**
 * The order in which a host's uplink sends the blocks it was asked for, when it was asked for more
 * than its uplink can carry at once: the rarest first, none waiting for good. A block is due at the
 * uplink's clock (the bytes sent so far) when its piece was first asked by that peer, plus one piece
 * for each connected peer that had the piece then (at most {@link #AGING_LIMIT}): a piece few peers
 * have overtakes common ones, so that it spreads while the common ones can come from elsewhere;
 * among equals, the order asked. The blocks of one piece for one peer share the due of the first
 * asked while any of them waits, so that the piece is whole (and can be passed on) sooner.
 *
 * <p>Counting in bytes sent rather than seconds, the order does not depend on the uplink's rate,
 * which the engine does not know. Used by the torrent session ({@link TorrentSession}, which hands
 * its connections only as much as keeps the uplink busy) and by the swarm simulator. Owned by one
 * thread.
 *
 * @param <P> a peer (its connection)
 */
final class SendOrder<P> {
    /** Peers counted in a block's wait, at most: its wait stays well inside a requester's timeout. */
    static final int AGING_LIMIT = 16;

    /** A block to send {@code to} a peer. */
    record Send<P>(P to, PeerMessage.Request request, long due, long order) implements Comparable<Send<P>> {
        @Override
        public int compareTo(Send<P> o) {
            return due != o.due ? Long.compare(due, o.due) : Long.compare(order, o.order);
        }
    }

    /** The due of the pieces a peer has blocks waiting for, and how many wait. */
    private static final class Due {
        final long due;
        int waiting;

        Due(long due) {
            this.due = due;
        }
    }

    private final long pieceBytes;
    /** Every block added, waiting or taken back (taken back ones are skipped when they come up). */
    private final PriorityQueue<Send<P>> heap = new PriorityQueue<>();
    /** The blocks waiting, by peer and block key: a cancel or a peer's leaving takes them back without a scan. */
    private final Map<P, Map<Long, Send<P>>> waiting = new HashMap<>();
    private final Map<P, Map<Integer, Due>> dues = new HashMap<>();
    private int size;
    private long sent;
    private long order;

    /** Orders the blocks of a torrent whose pieces are {@code pieceBytes} long (its last may be shorter). */
    SendOrder(long pieceBytes) {
        if (pieceBytes <= 0) {
            throw new IllegalArgumentException("piece length " + pieceBytes + " (expected: > 0)");
        }
        this.pieceBytes = pieceBytes;
    }

    /**
     * {@code to} asked for {@code r}; {@code availability}: how many connected peers have its piece.
     * Returns false (and adds nothing) when the same block already waits for it: it is sent once.
     */
    boolean add(P to, PeerMessage.Request r, int availability) {
        Map<Long, Send<P>> of = waiting.computeIfAbsent(to, k -> new HashMap<>());
        long key = Block.key(r.piece(), r.begin());
        if (of.containsKey(key)) {
            return false;
        }
        Due d = dues.computeIfAbsent(to, k -> new HashMap<>()).computeIfAbsent(r.piece(),
                k -> new Due(sent + Math.min(Math.max(availability, 0), AGING_LIMIT) * pieceBytes));
        d.waiting++;
        Send<P> s = new Send<>(to, r, d.due, order++);
        of.put(key, s);
        heap.add(s);
        size++;
        return true;
    }

    /** The block to send next, taken from the queue; null when none waits. */
    Send<P> poll() {
        for (Send<P> s = heap.poll(); s != null; s = heap.poll()) {
            if (waiting.getOrDefault(s.to(), Map.of()).get(Block.key(s.request().piece(), s.request().begin())) == s) {
                takeBack(s.to(), s.request());
                return s;
            } // else taken back (cancelled, or its peer left) since: skipped
        }
        return null;
    }

    /** {@code bytes} left the uplink: the clock the dues count in. */
    void sent(long bytes) {
        sent += bytes;
    }

    /** Takes back {@code to}'s waiting request for exactly {@code r} (a cancel); whether one waited. */
    boolean cancel(P to, PeerMessage.Request r) {
        Send<P> s = waiting.getOrDefault(to, Map.of()).get(Block.key(r.piece(), r.begin()));
        if (s == null || !s.request().equals(r)) {
            return false;
        }
        takeBack(to, r);
        return true;
    }

    /** Takes back every block waiting for {@code to} (it left); returns them. */
    List<Send<P>> remove(P to) {
        Map<Long, Send<P>> of = waiting.remove(to);
        dues.remove(to);
        if (of == null) {
            return List.of();
        }
        size -= of.size();
        return new ArrayList<>(of.values());
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Blocks waiting. */
    int size() {
        return size;
    }

    /** Drops the waiting block of {@code to} at {@code r}'s key from the books; returns it (null: none waits). */
    private Send<P> takeBack(P to, PeerMessage.Request r) {
        Map<Long, Send<P>> of = waiting.get(to);
        Send<P> s = of == null ? null : of.remove(Block.key(r.piece(), r.begin()));
        if (s == null) {
            return null;
        }
        size--;
        if (of.isEmpty()) {
            waiting.remove(to);
        }
        Map<Integer, Due> piecesOf = dues.get(to);
        Due d = piecesOf.get(r.piece());
        if (--d.waiting == 0) {
            piecesOf.remove(r.piece());
            if (piecesOf.isEmpty()) {
                dues.remove(to);
            }
        }
        return s;
    }
}
