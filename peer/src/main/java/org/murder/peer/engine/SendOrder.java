package org.murder.peer.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
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
    private final PriorityQueue<Send<P>> waiting = new PriorityQueue<>();
    private final Map<P, Map<Integer, Due>> dues = new HashMap<>();
    private long sent;
    private long order;

    /** Orders the blocks of a torrent whose pieces are {@code pieceBytes} long (its last may be shorter). */
    SendOrder(long pieceBytes) {
        if (pieceBytes <= 0) {
            throw new IllegalArgumentException("piece length " + pieceBytes + " (expected: > 0)");
        }
        this.pieceBytes = pieceBytes;
    }

    /** {@code to} asked for {@code r}; {@code availability}: how many connected peers have its piece. */
    void add(P to, PeerMessage.Request r, int availability) {
        Due d = dues.computeIfAbsent(to, k -> new HashMap<>()).computeIfAbsent(r.piece(),
                k -> new Due(sent + Math.min(Math.max(availability, 0), AGING_LIMIT) * pieceBytes));
        d.waiting++;
        waiting.add(new Send<>(to, r, d.due, order++));
    }

    /** The block to send next, taken from the queue; null when none waits. */
    Send<P> poll() {
        Send<P> s = waiting.poll();
        if (s != null) {
            done(s);
        }
        return s;
    }

    /** {@code bytes} left the uplink: the clock the dues count in. */
    void sent(long bytes) {
        sent += bytes;
    }

    /** Takes back {@code to}'s waiting request for exactly {@code r} (a cancel); whether one waited. */
    boolean cancel(P to, PeerMessage.Request r) {
        for (Iterator<Send<P>> it = waiting.iterator(); it.hasNext(); ) {
            Send<P> s = it.next();
            if (s.to() == to && s.request().equals(r)) {
                it.remove();
                done(s);
                return true;
            }
        }
        return false;
    }

    /** Takes back every block waiting for {@code to} (it left); returns them. */
    List<Send<P>> remove(P to) {
        List<Send<P>> removed = new ArrayList<>();
        if (dues.remove(to) == null) {
            return removed;
        }
        for (Iterator<Send<P>> it = waiting.iterator(); it.hasNext(); ) {
            Send<P> s = it.next();
            if (s.to() == to) {
                it.remove();
                removed.add(s);
            }
        }
        return removed;
    }

    boolean isEmpty() {
        return waiting.isEmpty();
    }

    /** Blocks waiting. */
    int size() {
        return waiting.size();
    }

    private void done(Send<P> s) {
        Map<Integer, Due> of = dues.get(s.to());
        Due d = of.get(s.request().piece());
        if (--d.waiting == 0) {
            of.remove(s.request().piece());
            if (of.isEmpty()) {
                dues.remove(s.to());
            }
        }
    }
}
