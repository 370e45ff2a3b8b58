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
    /**
     * Pieces' worth of blocks waiting beyond which a request for a piece that two or more other
     * peers of ours have (not counting seeds: the origin refuses pieces already spreading; never
     * where racks are said: see TorrentSession.onRequest) is refused ({@link #deeperThanWorthFor}): the asker gets it from one of
     * them sooner than from the back of our queue. A new piece reaches a host, its peers all ask it,
     * and those that asked last wait for the others' copies while the hosts that got it first sit
     * idle. Simulated 200-host fleet (1 Mbit/s, 16 MiB, 128 KiB pieces), seeds 1-4: last host
     * 1.25-1.26 x F/c without; 1.17-1.21 at 2 pieces, 1.18-1.20 at 3, 1.19-1.22 at 4, 1.21-1.24 at 6.
     * 1,000 hosts (50 Mbit/s, 256 KiB pieces): 1.21 without; 1.74 at 1, 1.27 at 2, 1.18 at 3, 1.16 at
     * 4, 1.17 at 6 (at 50 Mbit/s a short queue is milliseconds, less than a request's round trip).
     */
    static final int DEEP_PIECES = 3;

    /** A block to send {@code to} a peer. */
    record Send<P>(P to, PeerMessage.Request request, long due, long order) implements Comparable<Send<P>> {
        @Override
        public int compareTo(Send<P> o) {
            return due != o.due ? Long.compare(due, o.due) : Long.compare(order, o.order);
        }
    }

    /** The due a peer's blocks of one piece share, how many of them wait, and how many bytes took it. */
    private static final class Due {
        final long due;
        int waiting;
        long bytes;

        Due(long due) {
            this.due = due;
        }
    }

    /** A waiting block and the due it took. */
    private record Waiting<P>(Send<P> send, Due due) {
    }

    private final long pieceBytes;
    /** Every block added, waiting or taken back (taken back ones are skipped when they come up, or swept). */
    private final PriorityQueue<Send<P>> heap = new PriorityQueue<>();
    /** The blocks waiting, by peer and request: a cancel or a peer's leaving takes them back without a scan. */
    private final Map<P, Map<PeerMessage.Request, Waiting<P>>> waiting = new HashMap<>();
    /** Blocks of peers that could take no more when they came up: back in the heap when {@link #release}d. */
    private final Map<P, List<Send<P>>> held = new HashMap<>();
    /** Per peer, the due of each piece it has blocks waiting for. */
    private final Map<P, Map<Integer, Due>> dues = new HashMap<>();
    private int size;
    /** The bytes of the blocks waiting. */
    private long waitingBytes;
    private long sent;
    private long order;

    /** Orders the blocks of a torrent whose pieces are {@code pieceBytes} long (its last may be shorter). */
    SendOrder(long pieceBytes) {
        if (pieceBytes <= 0) {
            throw new IllegalArgumentException("piece length " + pieceBytes + " (expected: > 0)");
        }
        this.pieceBytes = pieceBytes;
    }

    /** Whether {@code to}'s request {@code r} waits. */
    boolean waits(P to, PeerMessage.Request r) {
        return waiting.getOrDefault(to, Map.of()).containsKey(r);
    }

    /**
     * {@code to} asked for {@code r}; {@code availability}: how many connected peers have its piece.
     * Returns false (and adds nothing) when the same request already waits for it: it is sent once.
     */
    boolean add(P to, PeerMessage.Request r, int availability) {
        Map<PeerMessage.Request, Waiting<P>> of = waiting.computeIfAbsent(to, k -> new HashMap<>());
        if (of.containsKey(r)) {
            return false;
        }
        Map<Integer, Due> piecesOf = dues.computeIfAbsent(to, k -> new HashMap<>());
        Due d = piecesOf.get(r.piece());
        if (d == null || d.bytes + r.length() > pieceBytes) {
            // a new piece, or more asked of it than a piece holds (blocks asked again): a due of its own,
            // so that asking again and again does not keep an old due for good
            d = new Due(sent + Math.min(Math.max(availability, 0), AGING_LIMIT) * pieceBytes);
            piecesOf.put(r.piece(), d);
        }
        d.waiting++;
        d.bytes += r.length();
        Send<P> s = new Send<>(to, r, d.due, order++);
        of.put(r, new Waiting<>(s, d));
        heap.add(s);
        size++;
        waitingBytes += r.length();
        return true;
    }

    /** The block to send next, taken from the queue; null when none waits. */
    Send<P> poll() {
        return poll(p -> true);
    }

    /**
     * The block to send next to a peer that can take one ({@code ready}), taken from the queue; null
     * when none waits. The blocks of the others that come up first are held aside, in order, until
     * {@link #release} of their peer: a slow reader does not hold the uplink, nor its place.
     */
    Send<P> poll(java.util.function.Predicate<P> ready) {
        for (Send<P> s = heap.poll(); s != null; s = heap.poll()) {
            if (!live(s)) {
                continue; // taken back (cancelled, or its peer left or was choked) since: skipped
            }
            if (!ready.test(s.to())) {
                held.computeIfAbsent(s.to(), k -> new ArrayList<>()).add(s);
                continue;
            }
            takeBack(s.to(), s.request());
            return s;
        }
        return null;
    }

    /** {@code to} can take blocks again: those held aside go back in line, where they were. */
    void release(P to) {
        List<Send<P>> back = held.remove(to);
        if (back != null) {
            heap.addAll(back);
        }
    }

    /** {@code bytes} left the uplink: the clock the dues count in. */
    void sent(long bytes) {
        sent += bytes;
    }

    /** Takes back {@code to}'s waiting request {@code r} (a cancel); whether it waited. */
    boolean cancel(P to, PeerMessage.Request r) {
        if (!waits(to, r)) {
            return false;
        }
        takeBack(to, r);
        sweep();
        List<Send<P>> aside = held.get(to);
        if (aside != null && aside.size() > 2 * waiting.getOrDefault(to, Map.of()).size() + 16) {
            aside.removeIf(x -> !live(x)); // a peer that asks and cancels while it reads nothing
        }
        return true;
    }

    /** Whether {@code s} still waits (it was not taken back since it was added). */
    private boolean live(Send<P> s) {
        Waiting<P> w = waiting.getOrDefault(s.to(), Map.of()).get(s.request());
        return w != null && w.send() == s;
    }

    /**
     * Takes back the blocks waiting for {@code to} but those {@code keep} keeps (we choked it, and a
     * first copy of the origin's stays on its way); returns the requests taken back.
     */
    List<PeerMessage.Request> removeUnless(P to, java.util.function.Predicate<PeerMessage.Request> keep) {
        Map<PeerMessage.Request, Waiting<P>> of = waiting.getOrDefault(to, Map.of());
        List<PeerMessage.Request> taken = new ArrayList<>();
        for (PeerMessage.Request r : new ArrayList<>(of.keySet())) {
            if (!keep.test(r)) {
                takeBack(to, r);
                taken.add(r);
            }
        }
        if (!waiting.containsKey(to)) {
            held.remove(to); // (it may hold taken-back blocks aside though none waits)
        }
        sweep();
        return taken;
    }

    /** Takes back every block waiting for {@code to} (it left); returns their requests. */
    List<PeerMessage.Request> remove(P to) {
        return removeUnless(to, r -> false);
    }

    /** Whether no block waits (held aside or not). */
    boolean isEmpty() {
        return size == 0;
    }

    /** Blocks waiting. */
    int size() {
        return size;
    }

    /** The bytes of the blocks waiting. */
    long waitingBytes() {
        return waitingBytes;
    }

    /**
     * Whether a request for a piece that {@code othersHaving} other connected peers have is better
     * refused, so that the asker gets it from one of them: two or more have it, and more than
     * {@link #DEEP_PIECES} pieces' worth of blocks wait here already.
     */
    boolean deeperThanWorthFor(int othersHaving) {
        return othersHaving >= 2 && waitingBytes > DEEP_PIECES * pieceBytes;
    }

    /** Drops {@code to}'s waiting request {@code r} from the books (it waits). */
    private void takeBack(P to, PeerMessage.Request r) {
        Map<PeerMessage.Request, Waiting<P>> of = waiting.get(to);
        Waiting<P> w = of.remove(r);
        size--;
        waitingBytes -= r.length();
        if (of.isEmpty()) {
            waiting.remove(to);
        }
        if (--w.due().waiting == 0) {
            Map<Integer, Due> piecesOf = dues.get(to);
            if (piecesOf != null && piecesOf.get(r.piece()) == w.due()) {
                piecesOf.remove(r.piece());
                if (piecesOf.isEmpty()) {
                    dues.remove(to);
                }
            }
        }
    }

    /** Drops the taken-back blocks from the heap once they outnumber the waiting ones: memory stays bounded by what waits. */
    private void sweep() {
        if (heap.size() > 2 * size + 1024) { // (held blocks are not in the heap: they count in size only)
            heap.removeIf(s -> !live(s));
        }
    }

    /** Entries held aside, waiting or taken back (for tests). */
    int heldSize() {
        return held.values().stream().mapToInt(List::size).sum();
    }

    /** Entries in the heap, waiting or taken back (for tests). */
    int heapSize() {
        return heap.size();
    }
}
