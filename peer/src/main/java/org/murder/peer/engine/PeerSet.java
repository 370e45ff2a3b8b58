package org.murder.peer.engine;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.murder.core.Durations;
import org.murder.core.PeerId;

/**
 * A torrent's peers: the addresses it knows (from the tracker or given), the connections it is
 * dialling, the peers connected, and who is let in. At most {@code maxConnections} connected or
 * being dialled (a rack's gateway may dial peers of other racks past that: they take rack-mates'
 * slots, see {@link #keepForOtherRacks}); an address is dialled again at most every {@link #RECONNECT_AFTER}; a banned
 * peer ({@link SmartBan}), our own address, and a second connection to a peer id already connected from that address stay out (but
 * of two made at once, each end dialling the other, both ends keep the same one: {@link #SIMULTANEOUS}); the
 * same peer id from another address is another peer. When every
 * slot is taken, a newcomer gets the slot of the peer idle longest ({@link IdleSlots}) among those
 * with no block on its way either way, or none: on a slow or busy link a peer can wait longer than
 * the grace for blocks it asked, and evicting it threw away its partial pieces (an origin full at
 * 100 connections in a 150-host swarm at 1 Mbit/s sent 160 x the file and no host finished).
 *
 * <p>Owned by one thread; {@code P} stands for a connected peer.
 */
final class PeerSet<P extends PeerSet.Member> {
    static final Duration RECONNECT_AFTER = Duration.ofSeconds(10);
    /**
     * Two connections with one peer whose handshakes came within this of each other were made at
     * once, each side dialling the other (both learned the other's address together, or were each
     * given the other with --peer). Each side used to refuse the one that came second to it, which
     * was not the same connection at both ends, so both closed; and as both dialled again together
     * {@link #RECONNECT_AFTER} later, again and again. Now both ends keep the connection dialled by
     * the smaller peer id.
     */
    static final Duration SIMULTANEOUS = Duration.ofSeconds(3);
    /**
     * A connection nothing came from for this long with blocks on their way (or TCP's retransmissions
     * unanswered), while the same peer connects again from the same address, is replaced by the new one: the way it took may be gone (a network
     * cut, a host whose link flapped) while its socket here waits out TCP's retransmission timer, which
     * backs off to a minute and more. A peer cut off for 30 s got data again 38 s after its link came
     * back, and one cut off for 105 s would have failed its 2-minute stall timeout with the link back.
     * A downloader drops its connections that owe it blocks after {@link TorrentSession#NOTHING_FROM_ANYONE}
     * with nothing from any peer, and dials again at once: shorter than that here, so that its first
     * dial is let in. Healthy peers do not dial a peer they are connected to (but at once, both ends:
     * {@link #SIMULTANEOUS}).
     */
    static final Duration SILENT = Duration.ofSeconds(10);

    /** What the set needs to know of a connected peer. */
    interface Member {
        PeerId peerId();

        InetSocketAddress remote();

        /** When data last moved between us and it (or it connected). */
        Instant usefulAt();

        /** We dialled it (it did not dial us). */
        boolean outgoing();

        /**
         * The address it listens on, when known and not {@link #remote()}: a peer that dialled us
         * and said its listening port (BEP 10 {@code p}). That address is not dialled while it is
         * connected: each such dial reached the same peer again, and the second connection closed.
         */
        default InetSocketAddress listenAddress() {
            return null;
        }

        /** It counts as of our rack, however we learned it (the tracker's list, or its own word: see TorrentSession). */
        default boolean rackMate() {
            return false;
        }

        /** When it joined the torrent (its handshake was accepted). */
        Instant joinedAt();

        /** When anything last came from it (about: to the second), or when it joined; null: not known. */
        default Instant heardAt() {
            return null;
        }

        /** Whether TCP keeps sending it our data with nothing acknowledged: the way to it is down (false: not known). */
        default boolean wayDown() {
            return false;
        }

        /** It had every piece when it connected (in a deploy, the origin): a gateway never gives its slot to a rack-mate. */
        default boolean seedFromStart() {
            return false;
        }

        /**
         * Blocks on their way between us, either way: requests it has queued with us and ours in
         * flight to it. A peer waiting for blocks is not idle, however slow the link that carries
         * them (a busy origin's uplink serves a hundred peers at once).
         */
        int blocksInFlight();
    }

    /**
     * Whether a peer that completed its handshake is let in, and whose slot it takes if any:
     * {@code why} says why the evicted one goes, or why the newcomer is refused.
     */
    record Admission<P>(boolean admitted, P evicted, String why) {
        static <P> Admission<P> in(P evicted) {
            return new Admission<>(true, evicted, evicted == null ? null : "gave its slot to a newcomer: " + evictionNote());
        }

        static <P> Admission<P> replacing(P duplicate) {
            return new Admission<>(true, duplicate, "the same peer also dialled the other way; both ends keep the connection"
                    + " dialled by the smaller peer id");
        }

        static <P> Admission<P> refused(String why) {
            return new Admission<>(false, null, why);
        }
    }

    private final int maxConnections;
    private final SmartBan bans;
    private final Predicate<InetSocketAddress> self;
    private final PeerId ourId;
    private final Set<InetSocketAddress> known = new LinkedHashSet<>();
    private final Map<InetSocketAddress, Instant> lastAttempt = new HashMap<>();
    /** The {@link #learn} call that last named each known address, counted by {@link #learnings}. */
    private final Map<InetSocketAddress, Long> lastLearned = new HashMap<>();
    private long learnings;
    private final Set<P> connected = new LinkedHashSet<>();
    private int dialling;
    /** We are a gateway of our rack: connection slots are kept for peers of other racks (see {@link #keepForOtherRacks}). */
    private boolean gateway;
    private Predicate<InetAddress> rackMate = a -> false;

    PeerSet(int maxConnections, SmartBan bans, Predicate<InetSocketAddress> self, PeerId ourId) {
        this.ourId = ourId;
        this.maxConnections = maxConnections;
        this.bans = bans;
        this.self = self;
    }

    /**
     * As one of its rack's gateways ({@code gateway}), keeps connection slots for peers that are
     * not of our rack ({@code rackMate} tells them by address, from the tracker's last list): half
     * the slots, or fewer when we know fewer such addresses ({@link #keptForOtherRacks}). Its
     * rack's own hosts all dial their gateways first; a gateway whose slots they filled could
     * reach no other rack, and neither could its rack (its other hosts are told only of their
     * rack): in bench/fleet.sh 200 --racks 8 (25 hosts a rack, 20 connections a host) a whole rack
     * got no data for the 2 min stall limit and failed. A rack-mate past the other slots is
     * refused unless an idle one gives its slot up, and not dialled; a peer of another rack
     * finding every slot taken while fewer than the kept slots hold other racks' peers takes a
     * rack-mate's (one waiting on no block first: a busy one loses what it had on its way), and is
     * dialled even when every slot is taken; once they hold the kept slots, only an idle one of
     * them gives way to another. The other way round, a rack-mate finding every slot taken while
     * other racks' peers hold more than the kept slots takes the quietest one's, and is dialled
     * then too: other racks' gateways dial a gateway first, and one whose 20 slots they had filled
     * held 3-4 rack-mates and finished its rack's last (bench/swarm-sim.sh 200 --racks 8).
     */
    void keepForOtherRacks(boolean gateway, Predicate<InetAddress> rackMate) {
        this.gateway = gateway;
        this.rackMate = rackMate;
    }

    /** The slots kept for peers of other racks now: 0 unless a gateway. */
    int keptForOtherRacks() {
        if (!gateway) {
            return 0;
        }
        int others = 0; // known addresses are forgotten only as seeds (forgetSeed): a departed peer of another rack still counts, up to half the slots
        for (InetSocketAddress a : known) {
            others += rackMate.test(a.getAddress()) || self.test(a) || bans.isBanned(a) ? 0 : 1;
        }
        return Math.min(maxConnections / 2, others);
    }

    /**
     * Adds addresses to dial. At most {@link #MAX_KNOWN} are kept: past it, those learned longest ago
     * (not named again since) are forgotten. A tracker naming 170,000 new addresses an answer ran a
     * client out of heap within a minute; 200 new ones an answer would have in hours.
     */
    void learn(Collection<InetSocketAddress> addresses) {
        learnings++;
        for (InetSocketAddress a : addresses) {
            known.add(a); // a known one keeps its place in the order of dialling
            lastLearned.put(a, learnings);
        }
        if (known.size() > MAX_KNOWN) {
            List<InetSocketAddress> oldest = new ArrayList<>(known);
            oldest.sort(java.util.Comparator.comparingLong(lastLearned::get)); // stable: the first learned of a learning go first
            for (InetSocketAddress a : oldest.subList(0, known.size() - MAX_KNOWN)) {
                known.remove(a);
                lastLearned.remove(a);
                lastAttempt.remove(a);
            }
        }
    }

    /** The most addresses kept to dial (a tracker names 20-200 an answer). */
    static final int MAX_KNOWN = 2000;

    /**
     * We are a seed and so is the peer we dialled at {@code address}: it is not dialled again until
     * a tracker names it again (murder's tracker names only leechers to a seed, so it would be one
     * then). Seeds kept every address they had learned while downloading and dialled each after
     * every announce, to close it at the bitfield: three peers seeding for 50 s on a tracker's 5 s
     * interval opened 36-45 such connections each.
     */
    void forgetSeed(InetSocketAddress address) {
        known.remove(address);
        lastLearned.remove(address);
    }

    int knownCount() {
        return known.size();
    }

    /** The addresses to dial now, for a download; each counts as being dialled until {@link #dialled()}. */
    List<InetSocketAddress> toDial(Instant now) {
        return toDial(now, true);
    }

    /**
     * The addresses to dial now; each counts as being dialled until {@link #dialled()}. {@code downloading}: claims of a
     * listening port are taken at their word only while data moves (see {@link #claimTrusted}); a seed takes them always
     * (it needs no source, and a choked leecher's claim would cost it a dial every {@link #RECONNECT_AFTER}).
     */
    List<InetSocketAddress> toDial(Instant now, boolean downloading) {
        List<InetSocketAddress> dial = new ArrayList<>();
        int kept = keptForOtherRacks();
        int free = maxConnections - connected.size() - dialling;
        int forMates = free;
        int forOthers = free;
        if (kept > 0) {
            // for another peer: a free slot, or a kept one a rack-mate holds
            int mates = connectedRackMates().size();
            int others = connected.size() - mates;
            // room for a rack-mate: a free slot outside the kept ones, or one a peer of another rack holds past them
            forMates = Math.max(Math.min(free, maxConnections - kept - mates - dialling),
                    Math.min(others - kept, maxConnections - kept - mates) - dialling);
            forOthers = Math.max(free, kept - others - dialling);
        }
        if (forMates <= 0 && forOthers <= 0) {
            return dial;
        }
        Set<InetSocketAddress> busy = new HashSet<>();
        for (P c : connected) {
            busy.add(c.remote());
            if (c.listenAddress() != null && (!downloading || claimTrusted(c, now))) {
                busy.add(c.listenAddress());
            }
        }
        for (InetSocketAddress a : known) {
            if (forMates <= 0 && forOthers <= 0) {
                break;
            }
            if (busy.contains(a) || bans.isBanned(a) || self.test(a)
                    || (kept > 0 && rackMate.test(a.getAddress()) ? forMates : forOthers) <= 0) {
                continue;
            }
            Instant last = lastAttempt.get(a);
            if (last != null && now.isBefore(last.plus(RECONNECT_AFTER))) {
                continue;
            }
            lastAttempt.put(a, now);
            dialling++;
            forMates--;
            forOthers--;
            dial.add(a);
        }
        return dial;
    }

    /**
     * Whether the address {@code c} says it listens on counts as connected (not dialled), for a download: while data moves
     * between us, or for {@link IdleSlots#GRACE} after it connected. A claim is only a claim: a client on the seed's host that dialled
     * us and named the seed's port kept us from ever dialling the seed, and the download stalled with "1 connected".
     * An idle honest claimant costs a dial that its handshake closes, once every {@link #RECONNECT_AFTER}.
     */
    private static boolean claimTrusted(Member c, Instant now) {
        return !now.isAfter(c.usefulAt().plus(IdleSlots.GRACE));
    }

    /** A dial ended (connected or not). */
    void dialled() {
        dialling--;
    }

    /** Whether {@code peer} may join now; when it may by taking an idle peer's slot, that peer is named. */
    Admission<P> admit(P peer, Instant now) {
        if (bans.isBanned(SmartBan.Sender.of(peer))) {
            return Admission.refused("banned for corrupt data");
        }
        for (P other : connected) {
            // a peer id is what a peer claims: the same one from another address is another peer (a host
            // that took a connected peer's id, even the origin's, must not keep the real one out)
            if (peer.peerId().equals(other.peerId()) && peer.remote().getAddress().equals(other.remote().getAddress())) {
                if (silent(other, now)) {
                    return new Admission<>(true, other, "nothing came on its other connection for " + SILENT.toSeconds()
                            + " s: this one replaces it");
                }
                return keepsNewer(peer, other, now) ? Admission.replacing(other)
                        : Admission.refused("already connected to " + peer.peerId());
            }
        }
        int kept = keptForOtherRacks();
        if (kept > 0) {
            Admission<P> decided = admitKeepingSlots(peer, kept, now);
            if (decided != null) {
                return decided;
            }
        }
        if (connected.size() < maxConnections) {
            return Admission.in(null);
        }
        P idle = idleWaitingOnNothing(connected, now);
        return idle == null ? Admission.refused("connection limit reached") : Admission.in(idle);
    }

    /** {@link #admit} for a gateway: null when the slots kept for other racks do not decide. */
    private Admission<P> admitKeepingSlots(P peer, int keptForOthers, Instant now) {
        List<P> mates = connectedRackMates();
        if (rackMate.test(peer.remote().getAddress())) {
            if (mates.size() < maxConnections - keptForOthers) {
                if (connected.size() < maxConnections || connected.size() - mates.size() <= keptForOthers) {
                    return null;
                }
                // peers of other racks hold more than their kept slots and ours fewer than the rest: the quietest gives way
                // (a gateway's own downloads come from its rack, but for its share: with 3 rack-mates of 20 it lagged its rack),
                // never the origin, where its share comes from
                List<P> others = others(mates);
                others.removeIf(Member::seedFromStart);
                return others.isEmpty() ? null : new Admission<>(true, quietest(others), "gave its slot to a peer of our rack: a"
                        + " gateway keeps " + (maxConnections - keptForOthers) + " for them");
            }
            P idle = idleWaitingOnNothing(mates, now);
            return idle == null ? Admission.refused("our rack's peers hold every slot but the " + keptForOthers
                    + " kept for other racks") : Admission.in(idle);
        }
        if (connected.size() < maxConnections || mates.isEmpty()) {
            return null;
        }
        if (connected.size() - mates.size() >= keptForOthers) {
            // the kept slots are held: only an idle peer of another rack gives way (an idle rack-mate's slot taken would put
            // other racks past their half, and the next rack-mate to dial us would take one back: churn)
            P idle = idleWaitingOnNothing(others(mates), now);
            return idle == null ? Admission.refused("peers of other racks hold the " + keptForOthers + " slot"
                    + (keptForOthers == 1 ? "" : "s") + " kept for them")
                    : Admission.in(idle);
        }
        return new Admission<>(true, quietest(mates), "gave its slot to a peer of another rack: a gateway keeps " + keptForOthers
                + " for them");
    }

    /** The connected peers that are not in {@code mates}. */
    private List<P> others(List<P> mates) {
        List<P> others = new ArrayList<>(connected);
        others.removeAll(mates);
        return others;
    }

    /** Among {@code peers} (not empty), the one waiting on nothing and idle longest, else the one idle longest. */
    private static <P extends Member> P quietest(List<P> peers) {
        P quietest = null;
        for (P c : peers) {
            if (quietest == null || quieter(c, quietest)) {
                quietest = c;
            }
        }
        return quietest;
    }

    private List<P> connectedRackMates() {
        List<P> mates = new ArrayList<>();
        for (P c : connected) {
            if (c.rackMate() || rackMate.test(c.remote().getAddress())) {
                mates.add(c);
            }
        }
        return mates;
    }

    /** Among {@code peers}, the one with no block on its way either way that was idle longest past the grace, or null. */
    private P idleWaitingOnNothing(Collection<P> peers, Instant now) {
        List<P> waitingOnNothing = new ArrayList<>();
        for (P c : peers) {
            if (c.blocksInFlight() == 0) {
                waitingOnNothing.add(c);
            }
        }
        return IdleSlots.evict(waitingOnNothing, Member::usefulAt, now);
    }

    private static boolean quieter(Member a, Member b) {
        boolean aWaitsOnNothing = a.blocksInFlight() == 0;
        if (aWaitsOnNothing != (b.blocksInFlight() == 0)) {
            return aWaitsOnNothing;
        }
        return a.usefulAt().isBefore(b.usefulAt());
    }

    /**
     * Whether {@code newer} replaces {@code older}, a connection with the same peer: only when they
     * were made at once ({@link #SIMULTANEOUS}) in opposite directions with the same host, and
     * {@code newer} is the one the smaller peer id dialled. Both ends decide the same, whichever
     * connection reached each first (each end measures the window from its own clock: on a host
     * that lags by seconds the two ends can still disagree, and both connections close as before
     * until the next redial). A connection older than that stays: a peer that dials one it is
     * connected to (it knows our listening address, not that the connection we dialled is from us)
     * is refused as before (unless the older one fell {@link #silent}). Only called for the same peer id
     * from the same address.
     */
    private boolean keepsNewer(P newer, P older, Instant now) {
        if (newer.outgoing() == older.outgoing() || older.joinedAt() == null || now.isAfter(older.joinedAt().plus(SIMULTANEOUS))) {
            return false;
        }
        boolean weAreSmaller = ourId.compareTo(newer.peerId()) < 0;
        return newer.outgoing() == weAreSmaller;
    }

    /**
     * Whether nothing came from {@code peer} for {@link #SILENT} at {@code now} while blocks were on their way
     * either way or TCP keeps sending it ours unacknowledged: the peer, back on a new connection, replaces it.
     * An idle connection that is merely quiet (a leecher we choke says nothing for minutes) is not replaced:
     * the peer keeps its place in our upload slots' rotation.
     */
    private boolean silent(P peer, Instant now) {
        Instant heard = peer.heardAt();
        return heard != null && !now.isBefore(heard.plus(SILENT)) && (peer.blocksInFlight() > 0 || peer.wayDown());
    }

    /** Adds an admitted peer (after its evicted one is removed). */
    void add(P peer) {
        connected.add(peer);
        if (peer.outgoing()) {
            lastAttempt.remove(peer.remote());
        }
    }

    /** False when it was not connected (removed already). */
    boolean remove(P peer) {
        return connected.remove(peer);
    }

    /** The connected peers, in the order they joined. The set is live: copy it to remove while iterating. */
    Set<P> connected() {
        return connected;
    }

    int size() {
        return connected.size();
    }


    static String evictionNote() {
        return "nothing useful for " + Durations.format(IdleSlots.GRACE);
    }
}
