package org.murder.peer.engine;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Who may download from us: at most {@code max} interested peers are unchoked at once (a seed from
 * the start whose uplink has room: up to twice that, see {@link #tick(UplinkRoom.Verdict)}). A free slot
 * goes to the waiting peer that has the fewest pieces (the one furthest behind; among equals, the
 * one that has waited longest), unless a peer has waited {@link #ROTATE}: those go first. In a
 * deploy the last host sets the time, and slots given in the order peers connected went to the
 * earliest ones: hosts that announced first know each other, hold the origin's first copies and
 * shared them among themselves, while the hosts that announced last got pieces late and had no
 * peer left that needed them (bench/swarm-sim.sh 1,000 hosts, 32 MiB at 50 Mbit/s: their uplinks
 * did half the work of the first hosts'; last host 2.23 -> 1.81 x F/c, p99 2.05 -> 1.64 x; 10,000
 * hosts, 64 MiB: p99 1.98 -> 1.45 x). Peers' piece counts come from their Haves, which murder
 * peers send to every peer. When peers wait for a slot, an unchoked peer that asked for nothing since
 * {@link IdleSlots#GRACE} after its unchoke, or for nothing at all within
 * {@link IdleSlots#ASK_GRACE} of it, gives its slot up (a peer that says it is interested
 * and never asks must not keep one from a peer that wants data); such a peer gets a slot again
 * only after the peers that wait. A slot held {@link #ROTATE} goes to a peer that waits. No
 * tit-for-tat: in a deploy every host wants every other to finish. Where racks are said, peers of
 * our rack and the others each hold at most half the slots while the other side waits (see
 * {@link #halfForEachSide}).
 *
 * <p>Owned by one thread; decisions go out to the {@link Peer}s, which also tell what the policy
 * needs to know about their uploads (a connection, or a simulated host).
 */
final class UploadSlots<P extends UploadSlots.Peer> {
    /** A peer the policy decides for. */
    interface Peer {
        void choke();

        void unchoke();

        /** Blocks queued for sending to it now. */
        int queuedUploads();

        /** When data last moved between us and it (or it connected). */
        Instant usefulAt();

        /** How many pieces it says it has. */
        int pieces();

        /** Whether it shares our rack (see {@link UploadSlots#halfForEachSide}). */
        default boolean rackMate() {
            return false;
        }
    }

    private static final class Slot {
        boolean choking = true;
        boolean interested;
        /** Choked for holding a slot idle: unchoked again only after peers that wait. */
        boolean idleChoked;
        Instant unchokedAt = Instant.EPOCH;
        /** Since when it wants a slot (it said it is interested, or was choked while it was). */
        Instant waitingSince = Instant.EPOCH;
        /** When it said it is not interested while it waited (choked); null: it did not, or came back since. */
        Instant leftQueueAt;
    }

    /**
     * A waiting peer that says it is interested again within this of saying it was not keeps its
     * place: it may have taken elsewhere every piece it knew we had while our newer Haves waited for
     * a flush (TorrentSession.checked holds them for peers that wait for a slot), and the flush that
     * reading its Not Interested causes makes it interested again.
     */
    static final java.time.Duration INTEREST_FLAP = java.time.Duration.ofSeconds(2);

    private final int max;
    private final Clock clock;
    private final Map<P, Slot> slots = new LinkedHashMap<>();
    private int unchoked;
    /** Slots opened past {@code max} while our uplink had room and peers waited (see {@link #tick(UplinkRoom.Verdict)}). */
    private int extra;

    UploadSlots(int max, Clock clock) {
        this.max = max;
        this.clock = clock;
    }

    void add(P peer) {
        slots.putIfAbsent(peer, new Slot());
    }

    /** The peer is gone: its slot, if it had one, goes to a peer that waits. */
    void remove(P peer) {
        Slot s = slots.remove(peer);
        if (s != null && !s.choking) {
            unchoked--;
            unchokeWaiting(true, null);
        }
    }

    /** Whether we choke it (a request from a choked peer is not served). */
    boolean choking(P peer) {
        Slot s = slots.get(peer);
        return s == null || s.choking;
    }

    /**
     * Whether it waits for one of our slots: interested in us, and choked. News of a piece we got
     * changes nothing for it until it is unchoked (it cannot ask, and is interested already).
     */
    boolean waitsForSlot(P peer) {
        Slot s = slots.get(peer);
        return s != null && s.choking && s.interested;
    }

    int unchoked() {
        return unchoked;
    }

    void interested(P peer) {
        Slot s = slots.get(peer);
        if (s == null) {
            return;
        }
        if (!s.interested) {
            s.interested = true;
            Instant now = clock.instant();
            if (s.leftQueueAt == null || now.isAfter(s.leftQueueAt.plus(INTEREST_FLAP))) {
                s.waitingSince = now;
            }
            s.leftQueueAt = null;
        }
        if (s.choking && unchoked < limit()) {
            unchoke(peer, s);
        }
    }

    void notInterested(P peer) {
        Slot s = slots.get(peer);
        if (s == null) {
            return;
        }
        if (s.interested && s.choking) {
            s.leftQueueAt = clock.instant();
        }
        s.interested = false;
        if (!s.choking) {
            choke(peer, s);
            unchokeWaiting(true, null);
        }
    }

    /**
     * A busy slot held this long goes to a peer that waits (the one held longest, one a tick): with
     * a few slots and peers that know no one else (only the origin, given with --peer), a peer
     * left waiting would otherwise get nothing until some other finished, and time out.
     */
    static final java.time.Duration ROTATE = java.time.Duration.ofSeconds(30);

    /** Called about once a second: idle slots go to peers that wait, then a slot held {@link #ROTATE}, then free slots are filled. */
    void tick() {
        tick(UplinkRoom.Verdict.UNKNOWN);
    }

    /**
     * As {@link #tick()}; {@code uplink}: whether our uplink carried well under what it can in the last
     * tick (see {@link UplinkRoom}; a seed's only, see TorrentSession.tick). While it has room and peers
     * still wait with every slot held once idle and long-held slots have moved, one more slot opens a
     * tick, up to twice {@code max}; once it has none, one closes a tick (as its holder is rotated or
     * goes idle); a tick that says nothing changes nothing. An extra slot goes to the peer that waited
     * longest, not to the one furthest behind: slow peers are always furthest behind, and the first extra
     * slots went to them too (in the scenario below, 1.80 -> 1.71 x F/c). Slots held by peers on slow links
     * hold little of the uplink, and a seed whose first peers were such kept the rest of it from everyone
     * for {@link #ROTATE}, then gave the freed slots to them again, furthest behind as they were: ten
     * hosts of 200 at 5 % of the rate both ways, the first to ask, made the others' median 3.66 x F/c
     * (1.28 without them); with the extra slots 1.88 (bench/swarm-sim.sh 200 --file 16 --piece 128
     * --up 1 --down 1 --max-peers 20 --slow 10 --slow-factor 0.05).
     */
    void tick(UplinkRoom.Verdict uplink) {
        Instant now = clock.instant();
        rotateIdle(now);
        rotateLongest(now);
        rebalanceRacks();
        boolean[] waitingSides = waitingBySide(false, null);
        if (uplink == UplinkRoom.Verdict.ROOM && (waitingSides[0] || waitingSides[1]) && unchoked >= limit() && extra < max) {
            extra++;
        } else if (uplink == UplinkRoom.Verdict.NO_ROOM && extra > 0) {
            extra--;
        }
        unchokeWaiting(true, null);
    }

    /**
     * The slots either side may hold while the other side waits (half, rounded up): peers of our rack
     * on one side, all others on the other. A rack's hosts get what their rack has from inside it, and what only one
     * of them has (a gateway's share, fetched from other racks) only from that one: its slots held by
     * other racks' gateways, which have other sources, left seven hosts of its rack waiting for the
     * last pieces (bench/swarm-sim.sh 32 --racks 4 --rack-hints: the last host 3-4 s after the
     * others). Without racks every peer is on the one side and nothing changes.
     */
    private int halfForEachSide() {
        return (limit() + 1) / 2;
    }

    /** The slots there are now. */
    private int limit() {
        return max + extra;
    }

    /** A peer's side: 1 for our rack's, 0 for the others. */
    private static int side(Peer p) {
        return p.rackMate() ? 1 : 0;
    }

    /** Unchoked peers of our rack, and of other racks or none. */
    private int[] unchokedBySide() {
        int[] sides = new int[2];
        for (Map.Entry<P, Slot> e : slots.entrySet()) {
            if (!e.getValue().choking) {
                sides[side(e.getKey())]++;
            }
        }
        return sides;
    }

    /** The unchoked peer of {@code side} (-1: either) that has held its slot longest, or null. */
    private P longestHeld(int side) {
        P longest = null;
        Instant since = null;
        for (Map.Entry<P, Slot> e : slots.entrySet()) {
            Slot s = e.getValue();
            if (!s.choking && (side < 0 || side(e.getKey()) == side) && (since == null || s.unchokedAt.isBefore(since))) {
                longest = e.getKey();
                since = s.unchokedAt;
            }
        }
        return longest;
    }

    /** Chokes a peer that held a slot and puts it behind those that wait. */
    private void chokeToTheBack(P peer, Slot s) {
        choke(peer, s);
        slots.remove(peer);
        slots.put(peer, s);
    }

    /** Whether a peer of each side waits for a slot (not one choked for holding its slot idle, unless {@code idleToo}). */
    private boolean[] waitingBySide(boolean idleToo, P except) {
        boolean[] sides = new boolean[2];
        for (Map.Entry<P, Slot> e : slots.entrySet()) {
            Slot s = e.getValue();
            if (s.interested && s.choking && (idleToo || !s.idleChoked) && e.getKey() != except) {
                sides[side(e.getKey())] = true;
            }
        }
        return sides;
    }

    /** A side holding more than its half while the other waits gives up the slot it held longest. */
    private void rebalanceRacks() {
        if (unchoked < limit()) {
            return;
        }
        int[] held = unchokedBySide();
        boolean[] waiting = waitingBySide(false, null);
        for (int side = 0; side < 2; side++) {
            if (held[side] > halfForEachSide() && waiting[1 - side]) {
                P longest = longestHeld(side); // not null: this side holds more than half
                chokeToTheBack(longest, slots.get(longest));
                return;
            }
        }
    }

    private void rotateLongest(Instant now) {
        if (unchoked < limit()) {
            return;
        }
        boolean[] waitingSides = waitingBySide(false, null);
        boolean waiting = waitingSides[0] || waitingSides[1];
        // Racks: when only one side waits, the slot comes from that side if it holds its half already (it
        // rotates within it), else from the other; taken from the other side's longest while the waiting side
        // holds its half, it went back at once (rebalanceRacks), and the peer rotated out got a choke and an
        // unchoke in one tick.
        int from = -1;
        if (waitingSides[0] != waitingSides[1]) {
            int side = waitingSides[1] ? 1 : 0;
            from = unchokedBySide()[side] >= halfForEachSide() ? side : 1 - side;
        }
        P longest = longestHeld(from);
        Slot held = longest == null ? null : slots.get(longest);
        if (!waiting || held == null || now.isBefore(held.unchokedAt.plus(ROTATE))) {
            return;
        }
        chokeToTheBack(longest, held); // it waits behind those that waited
        unchokeWaiting(false, longest); // another, even if it has more pieces: the slot rotates
    }

    private void rotateIdle(Instant now) {
        if (unchoked < limit()) {
            return;
        }
        int waiting = 0;
        for (Slot s : slots.values()) {
            waiting += s.interested && s.choking && !s.idleChoked ? 1 : 0;
        }
        for (Map.Entry<P, Slot> e : slots.entrySet()) {
            if (waiting == 0) {
                break;
            }
            Slot s = e.getValue();
            P p = e.getKey();
            if (!s.choking && p.queuedUploads() == 0 && (IdleSlots.idle(later(p.usefulAt(), s.unchokedAt), now)
                    || IdleSlots.neverAsked(p.usefulAt(), s.unchokedAt, now))) {
                choke(p, s);
                s.idleChoked = true;
                waiting--;
            }
        }
        unchokeWaiting(false, null);
    }

    /**
     * Fills free slots: first peers that wait; with {@code idleToo}, then those choked for holding a
     * slot idle. Among them, a peer that has waited {@link #ROTATE} or more first (the longest
     * waiting), so that no peer waits for good behind peers that say they have less (a hostile
     * peer can claim to have nothing); then the one with the fewest pieces (for the first {@code max}
     * slots; an extra slot, see {@link #tick(UplinkRoom.Verdict)}, goes by waiting alone); among
     * equals, the one that has waited longest.
     */
    private void unchokeWaiting(boolean idleToo, P except) {
        Instant overdue = clock.instant().minus(ROTATE);
        for (int pass = 0; pass < (idleToo ? 2 : 1); pass++) {
            while (unchoked < limit()) {
                int[] held = unchokedBySide();
                boolean[] waiting = waitingBySide(pass == 1, except);
                P next = null;
                Slot slot = null;
                for (Map.Entry<P, Slot> e : slots.entrySet()) {
                    Slot s = e.getValue();
                    int side = side(e.getKey());
                    if (s.interested && s.choking && (pass == 1 || !s.idleChoked) && e.getKey() != except
                            && !(held[side] >= halfForEachSide() && waiting[1 - side])
                            && (next == null || goesBefore(e.getKey(), s, next, slot, overdue, unchoked < max))) {
                        next = e.getKey();
                        slot = s;
                    }
                }
                if (next == null) {
                    break;
                }
                unchoke(next, slot);
            }
        }
    }

    private static <P extends Peer> boolean goesBefore(P a, Slot as, P b, Slot bs, Instant overdue, boolean fewestPieces) {
        boolean aOverdue = !as.waitingSince.isAfter(overdue);
        boolean bOverdue = !bs.waitingSince.isAfter(overdue);
        if (aOverdue != bOverdue) {
            return aOverdue;
        }
        if (fewestPieces && !aOverdue && a.pieces() != b.pieces()) {
            return a.pieces() < b.pieces();
        }
        return as.waitingSince.isBefore(bs.waitingSince);
    }

    private void unchoke(P peer, Slot s) {
        s.choking = false;
        s.idleChoked = false;
        s.unchokedAt = clock.instant();
        unchoked++;
        peer.unchoke();
    }

    private void choke(P peer, Slot s) {
        s.choking = true;
        s.waitingSince = clock.instant();
        unchoked--;
        peer.choke();
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
