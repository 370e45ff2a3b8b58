package org.murder.peer.engine;

import java.time.Duration;
import java.time.Instant;

/**
 * The origin seed (it started complete) sends each piece's first copy to one peer at a time:
 * until {@link #WINDOW} after that peer's last ask for it (or until it is gone), another peer
 * asking for it is to be refused, and fetches it from that peer once it has it; the window also
 * covers the time the first peer takes to verify and announce it. The origin's uplink is the only
 * way new pieces enter the swarm, and two hosts picking the same new piece at once (neither can
 * know of the other yet) halve what it delivers.
 *
 * <p>The session applies it only to fast-extension murder peers: they leave a rejected piece alone
 * for a second and take it from the first peer. aria2c leechers made the origin send more with
 * rejects (1.75 x the file against 1.36 without, 16 hosts at 50 Mbit/s), so other clients are
 * served as usual. Owned by one thread; {@code P} stands for a peer.
 */
final class FirstCopy<P> {
    /**
     * How long a piece's first copy stays its first peer's after that peer's last ask. 2 s was too
     * short behind a 50 Mbit/s uplink shared by 16 hosts: the last blocks of a piece could take
     * longer to arrive (TCP recovering from drops at the shaper), and the origin sent 4-6 % of the
     * file twice; with 4 s, 1.00 x the file.
     */
    static final Duration WINDOW = Duration.ofSeconds(4);

    private final int pieces;
    private Object[] to;
    private Instant[] since;

    /** Holds nothing until asked first (only an origin seed asks). */
    FirstCopy(int pieces) {
        this.pieces = pieces;
    }

    /**
     * Whether {@code asker}, asking for {@code piece} at {@code now}, is to get it elsewhere; if
     * not, the piece's first copy is its own from now.
     */
    boolean goesElsewhere(int piece, P asker, Instant now) {
        if (to == null) {
            to = new Object[pieces];
            since = new Instant[pieces];
        }
        Object first = to[piece];
        if (first == null || first == asker) {
            to[piece] = asker;
            since[piece] = now;
            return false;
        }
        return !now.isBefore(since[piece]) && now.isBefore(since[piece].plus(WINDOW));
    }

    /** The peer is gone: the first copies it was getting are lost, and the next peer to ask gets each. */
    void gone(P peer) {
        for (int i = 0; to != null && i < to.length; i++) {
            if (to[i] == peer) {
                to[i] = null;
            }
        }
    }
}
