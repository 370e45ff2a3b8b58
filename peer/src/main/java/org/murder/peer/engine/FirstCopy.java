package org.murder.peer.engine;

import java.time.Duration;
import java.time.Instant;

/**
 * The origin seed (it started complete) sends each piece's first copy to one peer at a time:
 * until {@link #WINDOW} after that peer's last ask for it or the last block of it sent to it (or
 * until it is gone), another peer asking for it is to be refused, and fetches it from that peer
 * once it has it; the window also covers the time the first peer takes to verify and announce it.
 * Once the first copy went out whole, or another peer says it has the piece (murder peers send
 * the seed their Haves too), others are refused while the first peer stays, each for at most
 * {@link #PATIENCE}. The origin's uplink is the only
 * way new pieces enter the swarm, and two hosts picking the same new piece at once (neither can
 * know of the other yet) halve what it delivers.
 *
 * <p>A slow first peer does not hold a piece: one whose first copy takes {@link #SLOW_PIECES} times
 * as long as first copies take on average to go out whole, to be said received, or to reach a second
 * peer of ours (each against the peers of the rack it said it is in, or of none; the copy from its
 * first block written, so that blocks waiting in our own queue are not its fault) gives the piece to
 * the next peer to ask. A peer late so again {@link #LATE_FOR} or more after it was first, with
 * nothing said on time between (and no pause of {@link #LATE_GAP}), is slow: none of its first
 * copies waits for it, and it gets no new piece from us itself while others download (it gets them
 * from the swarm) for {@link #SLOW_FOR}, unless it has waited the patience or says it has a first copy on time.
 * A peer whose connection takes nothing we hand it for {@link #READER_STUCK} is slow at once, paces or none.
 *
 * <p>The session applies it only to fast-extension murder peers: they leave a rejected piece alone
 * for a second and take it from the first peer. aria2c leechers made the origin send more with
 * rejects (1.75 x the file against 1.36 without, 16 hosts at 50 Mbit/s), so other clients are
 * served as usual.
 *
 * <p>A peer is known by its identity (the session's: its peer id at its address), not by its connection: when it
 * comes back on another connection (both ends dialled at once and one connection made way, or a
 * reconnect), what was written to the old one may never have arrived, and it is served what it asks
 * again rather than refused a piece as if it had it. Owned by one thread; {@code P} stands for a peer.
 */
final class FirstCopy<P> {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FirstCopy.class);
    /**
     * How long a piece's first copy stays its first peer's after that peer's last ask. 2 s was too
     * short behind a 50 Mbit/s uplink shared by 16 hosts: the last blocks of a piece could take
     * longer to arrive (TCP recovering from drops at the shaper), and the origin sent 4-6 % of the
     * file twice; with 4 s, 1.00 x the file.
     */
    static final Duration WINDOW = Duration.ofSeconds(4);
    /** How long a piece sent whole to a peer that is gone since is refused to others (see {@link #gone}). */
    static final Duration GONE_WHOLE = Duration.ofSeconds(30);
    /**
     * Blocks queued for a first peer that has taken none of them for this long (it stopped reading)
     * no longer keep the piece from others.
     */
    static final Duration STUCK = Duration.ofSeconds(60);
    /** How long a peer refused a piece that is spreading looks for it elsewhere before the origin serves it anyway. */
    static final Duration PATIENCE = Duration.ofSeconds(12);
    /**
     * How long after its first refusal (nobody of ours has it) a piece that went whole to a gone
     * peer waits for a sign that peer still shares: one of our peers saying it has any piece that went
     * whole only to it. None by then, and the gone peer left the swarm (it finished with no seed time,
     * its seed time ended, it died): every piece it took is served again at once. Held for the full
     * {@link #PATIENCE}, two fresh peers arriving after two others had finished and left took 14-17 s
     * for 64 MiB behind a 20 MB/s origin, against 4.6 s for the first two (bench/late-joiners.sh: 3.65 x
     * the first pair; 1.45 x with 2 s here, 1.21-1.53 x with 1 s). At least this, and at least
     * {@link #DOUBT_PIECES} times as long as a first copy takes to go out whole: the sign needs a piece
     * to cross a hop or two, and a simulated 200-host fleet at 1 Mbit/s a host (4 s a piece) judged
     * peers that went with fresh pieces as left after a flat 4 s: its origin sent 1.043 x the file
     * against 1.012 (bench/swarm-sim.sh 200 --file 16 --piece 128 --up 1 --max-peers 20).
     */
    static final Duration DOUBT = Duration.ofSeconds(1);
    /** See {@link #DOUBT}. */
    static final int DOUBT_PIECES = 3;
    /**
     * A first peer whose first copy takes more than this many times what first copies take on
     * average (and more than {@link #SLOW_FLOOR}) is slow: the piece is not held for it. Held, the swarm
     * waited on its slow link twice, to get the piece and to pass it on: in a simulated 16-host swarm
     * with 4 hosts at 5 % of the rates, the other hosts' p50 was 1.83 x F/c against 1.05 x with none
     * (bench/swarm-sim.sh 16 --file 64 --up 23.9 --slow 4 --slow-factor 0.05).
     */
    static final int SLOW_PIECES = 4;
    /**
     * A first copy is never slow in less than this: a retransmission timeout (200 ms at least) or a
     * pause must not make a peer slow on a fast link. With 1 s, small pieces at a slow host's
     * 100 KB/s stayed under it: 2 normal peers of 32 MiB behind a 20 MB/s origin took 1.96-2.00 x
     * their time without the slow one in 2 runs of 3; with 250 ms, 1.10-1.24 x (bench/slow-host.sh 32
     * 20MB/s 2 100KB/s), and the 16-host shaped swarm, 10 % of its segments sent again, kept its origin
     * at 1.01 x F (bench/swarm.sh).
     */
    static final Duration SLOW_FLOOR = Duration.ofMillis(250);
    /**
     * A first peer whose connection has taken nothing we handed it for this long (or longer where
     * the session's uplink is slow: the constructor's {@code stuck} says) holds none of the first
     * copies it has not said it has: its reader is stuck. The paces above judge a copy only against copies that went out whole, and a
     * peer that asked for every block first and read nothing left none: two of them (a murder peer id,
     * the fast extension, 1 B/s read) kept two honest peers' 32 MiB for {@link #STUCK}, 61.5 s instead
     * of 4.7. Longer than a few TCP retransmission timeouts back to back (200 ms, then doubling).
     */
    static final Duration READER_STUCK = Duration.ofSeconds(2);
    /** The racks judged apart so far (see {@link #group}). */
    private final java.util.Set<Object> groups = new java.util.HashSet<>();
    /** The group of the peers that said no rack (see {@link #group}). */
    private static final Object NO_RACK = new Object();
    /** Racks judged apart, at most. */
    static final int MAX_GROUPS = 64;
    /** Stands for a gone peer that got its piece whole. */
    private static final Object GONE = new Object();

    private final int pieces;
    private final java.util.function.IntToLongFunction pieceLength;
    private final java.util.function.Function<? super P, ?> identity;
    /** How many of our peers say they have a piece. */
    private final java.util.function.IntUnaryOperator holders;
    private Object[] to;
    /** The identity of the gone peer a piece went whole to, where {@code to} is {@link #GONE}. */
    private Object[] goneFrom;
    private Instant[] since;
    /** When each piece's first peer became its first peer. */
    private Instant[] started;
    /** How long a first copy takes to go out whole, a moving average in nanoseconds; 0 before the first. */
    private long pieceNanos;
    /** Blocks of each piece the first peer asked that are not written out yet. */
    private int[] queued;
    /** Bytes of each piece written out to its first peer. */
    private long[] sentBytes;
    /** How long each piece's first copy took to go out whole from its first block written, in nanoseconds; 0 while on its way. */
    private long[] tookNanos;
    /** When the first block of each piece's first copy was written out; null before. */
    private Instant[] firstWritten;
    /** The rack a peer said it is in, or null (see {@link #group}). */
    private final java.util.function.Function<? super P, ?> rack;
    /** Whether a peer's connection has taken nothing we handed it for {@link #READER_STUCK} or more, at a time. */
    private final java.util.function.BiPredicate<? super P, Instant> stuck;
    /** How long a first copy takes to go out whole (from its first block written), by group. */
    private final Pace copyPace = new Pace();
    /**
     * How long a first peer takes to say it has a piece after its last block went out, by group.
     * Written out is not received: a socket's buffer takes megabytes at once, and a peer with a slow
     * downlink gets them long after.
     */
    private final Pace havePace = new Pace();
    /** How long a piece takes to reach a second peer of ours after its first peer said it has it, by group. */
    private final Pace spreadPace = new Pace();
    /** When each piece's first peer said it has it (see {@link #has}); null before. */
    private Instant[] announced;
    /** Whether another of our peers said it has each piece since its first peer did. */
    private boolean[] spread;
    /**
     * When each asker was first refused each piece that was spreading (see {@link #waitedTooLong}):
     * a map per asker, holding only the pieces it was refused (an array of every piece for each of
     * 100 peers would be 160 MB for a release of 200,000 pieces).
     */
    private final java.util.Map<Object, java.util.Map<Integer, Instant>> refusedAt = new java.util.HashMap<>();
    /**
     * The peers gone within {@link #GONE_WHOLE} that pieces went whole to ({@code goneFrom}), by identity: {@link #back}
     * looks only for those, and {@link #leftTheSwarm} judges them.
     */
    private final java.util.Map<Object, GonePeer> goneWithPieces = new java.util.HashMap<>();
    /**
     * The peers, by identity, judged slow (late for {@link #LATE_FOR}, see {@link #late}), and when
     * they were last judged so: for {@link #SLOW_FOR} they are not given new pieces while another peer of ours
     * downloads, nor do they take over a piece (until they waited the patience). Dropped after that
     * (in {@link #gone}), so that a seed that runs for months with peers coming and going keeps few.
     */
    private final java.util.Map<Object, Instant> slowPeers = new java.util.HashMap<>();
    /** How long a peer judged slow stays so without being judged again. */
    static final Duration SLOW_FOR = Duration.ofMinutes(2);
    /**
     * How long a peer is late (a first copy past {@link #SLOW_PIECES} times the usual, then another)
     * with nothing said on time between before it is judged slow. One late step made normal
     * hosts slow: a host stalled a few hundred milliseconds (its CPU shared, a collection) said it
     * had a piece 263 ms after it went out, against 8 ms usually, and was given no new piece while
     * the other downloaded; with both normal hosts of bench/slow-host.sh 32 20MB/s 2 100KB/s judged
     * so, neither could take over what the slow host held, and they took 1.6-2.2 x their time
     * without it in one round of 12. A slow link is late at every step.
     */
    static final Duration LATE_FOR = Duration.ofSeconds(1);
    /**
     * A peer late again this long after it was last late starts over: a stall long past says nothing
     * of its link now. Longer than a slow link's steps (a piece of 128 KiB at 50 kbit/s takes 21 s).
     */
    static final Duration LATE_GAP = Duration.ofSeconds(30);
    /** Each peer, by identity, late lately with nothing said on time since (see {@link #late}). */
    private final java.util.Map<Object, Lateness> lateness = new java.util.HashMap<>();

    /** Late at every step from {@code since} to {@code last}, with no pause of {@link #LATE_GAP}. */
    private record Lateness(Instant since, Instant last) {
    }

    /** What is known of a peer gone with pieces that went whole to it. */
    private static final class GonePeer {
        final Instant at;
        /** When one of its pieces was first refused to an asker while none of our peers had it; null before. */
        Instant doubtedSince;
        /** One of our peers had one of its pieces since it went: it shares. */
        boolean shares;
        /**
         * Its end closed the connection (not us): only a piece none of our peers had when it went, had
         * since, says it shares (these pieces, {@link #unspread}). One it passed on before it went says
         * nothing of it now: a deploy's agent killed mid-download had, and every other host waited the
         * whole patience for the pieces only it had got (12.5 s).
         */
        boolean byItsEnd;
        /** With {@link #byItsEnd}: the pieces that went whole to it that none of our peers had when it went. */
        final java.util.BitSet unspread = new java.util.BitSet();

        GonePeer(Instant at) {
            this.at = at;
        }
    }

    /**
     * Holds nothing until asked first (only an origin seed asks); each peer is its own identity;
     * {@code holders}: how many of our peers say they have a piece.
     */
    FirstCopy(int pieces, java.util.function.IntToLongFunction pieceLength, java.util.function.IntUnaryOperator holders) {
        this(pieces, pieceLength, p -> p, holders);
    }

    /** As above; {@code identity} says which peers are one (the same peer id from one address on two connections). */
    FirstCopy(int pieces, java.util.function.IntToLongFunction pieceLength, java.util.function.Function<? super P, ?> identity,
            java.util.function.IntUnaryOperator holders) {
        this(pieces, pieceLength, identity, p -> null, holders);
    }

    /**
     * As above; {@code rack}: the rack a peer said it is in (null: none). A peer is judged slow against
     * the peers of its rack: behind one rack uplink, a rack's hosts are not slow for being slower than
     * another rack's.
     */
    FirstCopy(int pieces, java.util.function.IntToLongFunction pieceLength, java.util.function.Function<? super P, ?> identity,
            java.util.function.Function<? super P, ?> rack, java.util.function.IntUnaryOperator holders) {
        this(pieces, pieceLength, identity, rack, holders, (peer, now) -> false);
    }

    /**
     * As above; {@code stuck}: whether a peer's connection has taken nothing we handed it, at a time, for
     * {@link #READER_STUCK} at least (longer where a slow uplink takes that long to drain a socket's
     * share); its first copies not said received are then slow.
     */
    FirstCopy(int pieces, java.util.function.IntToLongFunction pieceLength, java.util.function.Function<? super P, ?> identity,
            java.util.function.Function<? super P, ?> rack, java.util.function.IntUnaryOperator holders,
            java.util.function.BiPredicate<? super P, Instant> stuck) {
        this.stuck = stuck;
        this.pieces = pieces;
        this.pieceLength = pieceLength;
        this.identity = identity;
        this.rack = rack;
        this.holders = holders;
    }

    /** Whether {@code first} (a peer, not {@link #GONE}) is {@code asker}, or the same peer on another connection. */
    private boolean same(Object first, P asker) {
        return first == asker || identityOf(first).equals(identity.apply(asker));
    }

    /** The identity of {@code peer}, a peer held in {@code to} (not {@link #GONE}). */
    private Object identityOf(Object peer) {
        @SuppressWarnings("unchecked")
        P p = (P) peer;
        return identity.apply(p);
    }

    /**
     * Whether {@code asker}, asking for {@code piece} at {@code now}, is to get it elsewhere; if
     * not, the piece's first copy is its own from now. {@code holders}: how many of our other peers
     * say they have the piece. Once one has, the piece is spreading and the asker gets it from the
     * swarm, even if it is not connected to that holder yet: in a fleet each host knows a few
     * dozen of hundreds, and serving a second copy to every host that cannot see the first made
     * the origin send 1.5 x the file at 40 hosts. With no holder (the first peer is slow, or gone
     * with it) the piece goes again once its window has passed.
     */
    boolean goesElsewhere(int piece, P asker, Instant now, int holders) {
        return goesElsewhere(piece, asker, now, holders, true);
    }

    /** As above; {@code othersDownloading}: whether a peer of ours other than the asker lacks pieces. */
    boolean goesElsewhere(int piece, P asker, Instant now, int holders, boolean othersDownloading) {
        if (to == null) {
            to = new Object[pieces];
            goneFrom = new Object[pieces];
            since = new Instant[pieces];
            started = new Instant[pieces];
            queued = new int[pieces];
            sentBytes = new long[pieces];
            tookNanos = new long[pieces];
            firstWritten = new Instant[pieces];
            announced = new Instant[pieces];
            spread = new boolean[pieces];
        }
        Object first = to[piece];
        if (first == GONE) {
            boolean askedAgain = identity.apply(asker).equals(goneFrom[piece]); // so it never got it whole
            // none of our peers has it and no other downloads from us: the gone peer may have left the swarm (it finished
            // with no seed time), and a second copy costs nobody time, our uplink having no one else to serve. Refused for
            // 3 s, then 12, a peer arriving after another had finished (murder seed serving hosts one after another, a
            // deploy resumed) waited 4 s for its first data: 8 MB in 4.9 s against 1.0 s for the first peer. With others
            // downloading, the usual patience: 3 s there sent 1.22-1.26 x the file from the origin of a simulated
            // 200-host fleet, against 1.05-1.15.
            boolean nobodyElse = holders == 0 && !othersDownloading;
            if (!askedAgain && !nobodyElse && (holders > 0 || now.isBefore(since[piece]) && !leftTheSwarm(goneFrom[piece], now))) {
                if (!waitedTooLong(piece, asker, now, PATIENCE)) {
                    return true;
                }
                goneFrom[piece] = null; // a second copy to the asker: its Have of it will be no sign that the gone peer shares
                return false;
            }
            first = null;
            to[piece] = null;
            goneFrom[piece] = null;
        }
        if (first == null && othersDownloading && isSlow(asker, now) && !waitedTooLong(piece, asker, now, PATIENCE)) {
            return true; // a new piece from us goes to a peer that passes it on at speed; the slow one gets it from the swarm
        }
        if (first == null || same(first, asker)) {
            if (first != asker) { // new, or its peer on a new connection: what went to the old one is lost
                queued[piece] = 0;
                sentBytes[piece] = 0;
                tookNanos[piece] = 0;
                firstWritten[piece] = null;
                announced[piece] = null;
                spread[piece] = false;
            }
            if (first != asker) {
                started[piece] = now;
            }
            to[piece] = asker;
            since[piece] = now;
            queued[piece]++;
            return false;
        }
        boolean whole = sentBytes[piece] >= pieceLength.applyAsLong(piece);
        boolean slowCopy = slow(piece, now);
        if (slowCopy) {
            late(first, now, "piece " + piece + " asked by another is still on its way");
        }
        if (slowCopy || isSlow(first, now)) { // a slow peer: its other first copies come no faster than this one
            if ((holders > (whole ? 1 : 0) || isSlow(asker, now)) // spreading, or no faster
                    && !waitedTooLong(piece, asker, now, PATIENCE)) {
                return true;
            }
            LOG.debug("piece {}: {} takes over its first copy from {}, slow ({} of {} bytes written to it since {})", piece, asker,
                    first, sentBytes[piece], pieceLength.applyAsLong(piece), started[piece]);
        } else {
            boolean recent = !now.isBefore(since[piece]) && now.isBefore(since[piece].plus(WINDOW));
            if (recent || queued[piece] > 0 && now.isBefore(since[piece].plus(STUCK))) {
                return true; // on its way to the first peer: nowhere else yet
            }
            if (holders > 0 || whole) {
                return !waitedTooLong(piece, asker, now, PATIENCE); // spreading from the first peer
            }
            // the first peer got part of it and stopped asking (or stopped reading): the asker takes it over
            LOG.debug("piece {}: {} takes over its first copy from {} ({} of {} bytes written to it, {} blocks waiting, last at {})",
                    piece, asker, first, sentBytes[piece], pieceLength.applyAsLong(piece), queued[piece], since[piece]);
        }
        tookNanos[piece] = 0;
        firstWritten[piece] = null;
        announced[piece] = null;
        spread[piece] = false;
        to[piece] = asker;
        since[piece] = now;
        started[piece] = now;
        queued[piece] = 1;
        sentBytes[piece] = 0;
        return false;
    }

    /**
     * Whether the gone peer {@code id}, one of whose pieces none of our peers has, has left the swarm;
     * if so, each piece that went whole to it is no longer held back. Judged once {@link #DOUBT} has
     * passed since the first such ask: it shares when any of our peers has any piece that went whole
     * only to it (from it, or from one that got it from it). A piece another of our peers got from it
     * before it went counts too: that piece is spreading, and so may the others.
     */
    private boolean leftTheSwarm(Object id, Instant now) {
        GonePeer gone = goneWithPieces.get(id);
        if (gone == null || gone.shares) {
            return false;
        }
        if (gone.doubtedSince == null || now.isBefore(gone.doubtedSince)) { // a clock stepped back starts again
            gone.doubtedSince = now;
            return false;
        }
        if (now.isBefore(gone.doubtedSince.plus(doubt()))) {
            return false;
        }
        int held = 0;
        for (int i = 0; i < to.length; i++) {
            if (to[i] == GONE && id.equals(goneFrom[i])) {
                if (holders.applyAsInt(i) > 0) {
                    if (!gone.byItsEnd || gone.unspread.get(i)) {
                        gone.shares = true;
                        return false;
                    }
                    continue; // spread before it went: spreads on from those peers, and says nothing of it
                }
                held++;
            }
        }
        for (int i = 0; i < to.length; i++) {
            if (to[i] == GONE && id.equals(goneFrom[i]) && holders.applyAsInt(i) == 0) { // the others spread from our peers
                to[i] = null;
                goneFrom[i] = null;
            }
        }
        goneWithPieces.remove(id);
        LOG.debug("{}, gone at {}, left the swarm: none of our peers has any of the {} pieces that went whole to it since {};"
                + " they go to the next peer to ask", id, gone.at, held, gone.doubtedSince);
        return true;
    }

    /**
     * Whether {@code piece}'s first copy took, or has been on its way, more than {@link #SLOW_PIECES}
     * times what first copies take on average, and more than {@link #SLOW_FLOOR}: its peer is slow.
     */
    private boolean slow(int piece, Instant now) {
        if (announced[piece] == null && stuck(to[piece], now)) {
            return true; // what went out whole sits unread in its socket, and what waits is not taken
        }
        Object group = group(to[piece]);
        if (tookNanos[piece] > 0 && announced[piece] == null && havePace.of(group) > 0
                && Duration.between(wholeAt(piece), now).toNanos() > slowAfter(havePace.of(group))) {
            return true; // written out whole long ago, and not received yet
        }
        if (announced[piece] != null && !spread[piece] && spreadPace.of(group) > 0
                && Duration.between(announced[piece], now).toNanos() > slowAfter(spreadPace.of(group))) {
            return true; // its first peer has it, and passes it on to nobody
        }
        if (copyPace.of(group) == 0 || firstWritten[piece] == null) {
            return false; // nothing to judge by yet; blocks waiting behind others in our own queue are not its fault
        }
        long took = tookNanos[piece] > 0 ? tookNanos[piece] : Duration.between(firstWritten[piece], now).toNanos();
        return took > slowAfter(copyPace.of(group));
    }

    /** Whether {@code first} (a peer held in {@code to}) has a connection that takes nothing we handed it. */
    private boolean stuck(Object first, Instant now) {
        @SuppressWarnings("unchecked")
        P p = (P) first;
        return stuck.test(p, now);
    }

    /** When {@code piece}'s first copy went out whole (it did). */
    private Instant wholeAt(int piece) {
        return firstWritten[piece].plusNanos(tookNanos[piece]);
    }

    /** Past what a step that takes {@code averageNanos} on average is slow: {@link #SLOW_PIECES} times that, at least {@link #SLOW_FLOOR}. */
    private static long slowAfter(long averageNanos) {
        return Math.max(SLOW_FLOOR.toNanos(), averageNanos * SLOW_PIECES);
    }

    /**
     * {@code peer} (a peer, or one held in {@code to}) was late at {@code now}, as {@code why} shows:
     * slow once it has been late for {@link #LATE_FOR} with nothing said on time since (see
     * {@link #onTime}); already slow, judged so again from now.
     */
    private void late(Object peer, Instant now, String why) {
        Object id = identityOf(peer);
        Lateness was = lateness.get(id);
        // first late, late again after a long pause, or a clock stepped back: late from now
        Instant since = was == null || now.isBefore(was.last()) || !now.isBefore(was.last().plus(LATE_GAP)) ? now : was.since();
        lateness.put(id, new Lateness(since, now));
        boolean wasSlow = isSlow(peer, now);
        if (wasSlow || !now.isBefore(since.plus(LATE_FOR))) {
            slowPeers.put(id, now);
            if (!wasSlow && LOG.isDebugEnabled()) {
                LOG.debug("{} is slow: {}, late since {}", peer, why, since);
            }
        }
    }

    /** {@code peer} said it has a first copy on time: neither late nor slow. */
    private void onTime(Object peer) {
        Object id = identityOf(peer);
        lateness.remove(id);
        slowPeers.remove(id);
    }

    /** Whether {@code peer} (a peer, or one held in {@code to}) was judged slow within {@link #SLOW_FOR} of {@code now}. */
    private boolean isSlow(Object peer, Instant now) {
        Object id = identityOf(peer);
        Instant judged = slowPeers.get(id);
        if (judged != null && now.isBefore(judged)) { // a clock stepped back: judged now
            slowPeers.put(id, now);
            return true;
        }
        return judged != null && now.isBefore(judged.plus(SLOW_FOR));
    }

    /**
     * The group a peer is judged with: the rack it said it is in, or {@link #NO_RACK}; past
     * {@link #MAX_GROUPS} racks (peers saying made-up names), all in one.
     */
    private Object group(Object peer) {
        @SuppressWarnings("unchecked")
        P p = (P) peer;
        Object said = rack.apply(p);
        if (said == null || !groups.contains(said) && (groups.size() >= MAX_GROUPS || !groups.add(said))) {
            return NO_RACK;
        }
        return said;
    }

    /**
     * {@code peer} says at {@code now} that it has {@code piece}. From its first peer, that measures
     * how long it took to get the piece once it went out whole; from another, how long the first
     * peer took to pass it on. Either, late past {@link #SLOW_PIECES} times the average of its group,
     * makes the first peer late (see {@link #late}); said received on time, it is neither late nor slow.
     */
    void has(int piece, P peer, Instant now) {
        if (to == null || to[piece] == GONE || to[piece] == null) {
            return;
        }
        if (same(to[piece], peer)) {
            if (announced[piece] == null) {
                announced[piece] = now;
                if (tookNanos[piece] > 0) { // else it got the piece before our copy went out whole: elsewhere
                    judge(Duration.between(wholeAt(piece), now).toNanos(), havePace, to[piece], now);
                }
            }
        } else if (announced[piece] != null && !spread[piece]) {
            spread[piece] = true;
            judge(Duration.between(announced[piece], now).toNanos(), spreadPace, to[piece], now);
        }
    }

    /**
     * Judges the first peer {@code first} by {@code nanos}, what a step took it until {@code now},
     * against {@code pace}, then adds it there. Late, it is late ({@link #late}); said received on time,
     * it is neither late nor slow (a copy written out on time says nothing: a socket's buffer takes it
     * whole).
     */
    private void judge(long nanos, Pace pace, Object first, Instant now) {
        if (nanos < 0) {
            return; // a clock stepped back
        }
        Object group = group(first);
        long usual = pace.of(group);
        pace.add(group, nanos);
        if (usual == 0) {
            return;
        }
        if (nanos > slowAfter(usual)) {
            late(first, now, (pace == havePace ? "said it has a piece " : "passed a piece on ") + nanos / 1_000_000
                    + " ms after (usually " + usual / 1_000_000 + " ms)");
        } else if (pace == havePace) {
            onTime(first);
        }
    }

    /** A moving average of how long a step takes, for each group (see {@link #group}); each sample at most the patience. */
    private static final class Pace {
        private final java.util.Map<Object, Long> nanos = new java.util.HashMap<>();

        long of(Object group) {
            return nanos.getOrDefault(group, 0L);
        }

        void add(Object group, long sample) {
            long clamped = Math.min(sample, PATIENCE.toNanos()); // one copy stuck for a minute is no measure of the swarm
            nanos.merge(group, clamped, (was, x) -> was - was / 8 + x / 8);
        }
    }

    /** How long a gone peer's pieces wait for a sign that it shares ({@link #DOUBT}). */
    Duration doubt() {
        Duration measured = Duration.ofNanos(Math.min(pieceNanos * DOUBT_PIECES, PATIENCE.toNanos())); // past it, it decides nothing
        return DOUBT.compareTo(measured) >= 0 ? DOUBT : measured;
    }

    /**
     * Whether {@code asker}, refused {@code piece} before, has looked for it elsewhere for
     * {@code patience} since its first refusal: a peer that knows no holder (no tracker, or only the
     * origin given with --peer) is then served, once per piece.
     */
    private boolean waitedTooLong(int piece, P asker, Instant now, Duration patience) {
        Instant first = refusedAt.computeIfAbsent(asker, a -> new java.util.HashMap<>()).putIfAbsent(piece, now);
        boolean tooLong = first != null && !now.isBefore(first.plus(patience));
        if (tooLong) {
            LOG.debug("piece {}: {} is served a second copy after looking elsewhere since {} (first copy to {})", piece, asker,
                    first, to[piece] == GONE ? goneFrom[piece] + ", gone" : to[piece]);
        }
        return tooLong;
    }

    /**
     * Whether {@code piece}'s first copy is on its way to {@code peer} (this connection): when we
     * choke it, what it asked of that piece is sent all the same, as nobody else has it yet.
     */
    boolean goingTo(int piece, P peer) {
        return to != null && to[piece] == peer && queued[piece] > 0;
    }

    /**
     * A block of {@code piece} served to {@code peer} was written out (or failed to be): every block
     * {@link #goesElsewhere} let through ends here once. Until the first peer's last asked block has
     * gone, the piece stays its own however long a busy uplink takes (16 first copies sharing a
     * 1 Mbit/s uplink take 8 s a block); the window runs from the last block.
     */
    void sent(int piece, P peer, int bytes, Instant now) {
        if (to != null && to[piece] == peer) {
            queued[piece] = Math.max(0, queued[piece] - 1);
            long length = pieceLength.applyAsLong(piece);
            if (bytes > 0 && firstWritten[piece] == null) {
                firstWritten[piece] = now;
            }
            if (sentBytes[piece] < length && sentBytes[piece] + bytes >= length && firstWritten[piece] != null) {
                tookNanos[piece] = Math.max(1, Duration.between(firstWritten[piece], now).toNanos()); // 1: whole, even at once
                if (slow(piece, now)) {
                    late(peer, now, "piece " + piece + " went out whole late");
                }
                copyPace.add(group(peer), tookNanos[piece]);
                if (now.isAfter(started[piece])) {
                    // at most the patience: one copy stuck for a minute behind a peer that stopped reading is no measure of the swarm
                    long took = Math.min(Duration.between(started[piece], now).toNanos(), PATIENCE.toNanos()); // from the first ask
                    pieceNanos = pieceNanos == 0 ? took : pieceNanos - pieceNanos / 8 + took / 8;
                }
            }
            sentBytes[piece] += bytes;
            if (bytes > 0 && now.isAfter(since[piece])) { // a block not sent (cancelled, choked) does not restart the window
                since[piece] = now;
            }
        }
    }

    /**
     * The peer is gone at {@code now}. The first copies it was still getting are lost: the next
     * peer to ask gets each. The ones it got whole stay refused for {@link #GONE_WHOLE}: a busy
     * origin lets a peer that has nothing on its way go to make room for a newcomer (it did not
     * die, and it shares what it got), and forgetting its pieces sent each again (1.75 x the file
     * in a 150-host swarm); if it did die or leave before sharing one, that piece goes again after
     * this, or sooner once it is judged out of the swarm ({@link #DOUBT}).
     */
    void gone(P peer, Instant now) {
        gone(peer, now, true);
    }

    /**
     * As above; {@code closedHere}: we closed its connection (a busy origin let it go, a rule of ours), else
     * its end did. A peer whose end closed while first copies were still on their way to it (blocks of them
     * waiting to be written) died or was killed mid-download: a murder peer never closes the origin while it
     * has blocks in flight with it. What went whole only to it, and none of our peers says it has, goes to
     * the next peer to ask at once: held for its doubt and patience, 16 MiB only it had held every other host
     * of a deploy 12.5 s after its agent was killed (mid-download: 14.3 s against 0.9 s).
     */
    void gone(P peer, Instant now, boolean closedHere) {
        boolean died = false;
        for (int i = 0; !closedHere && to != null && i < to.length; i++) {
            if (to[i] == peer && queued[i] > 0) {
                died = true;
                break;
            }
        }
        int released = 0;
        java.util.BitSet unspread = new java.util.BitSet();
        refusedAt.remove(peer);
        goneWithPieces.values().removeIf(g -> !now.isBefore(g.at.plus(GONE_WHOLE)));
        slowPeers.values().removeIf(judged -> !now.isBefore(judged.plus(SLOW_FOR)) || now.isBefore(judged.minus(SLOW_FOR)));
        lateness.values().removeIf(l -> !now.isBefore(l.last().plus(LATE_GAP)) || now.isBefore(l.last()));
        boolean whole = false;
        for (int i = 0; to != null && i < to.length; i++) {
            if (to[i] == peer) {
                if (died && sentBytes[i] >= pieceLength.applyAsLong(i) && holders.applyAsInt(i) == 0) {
                    to[i] = null; // gone with it
                    released++;
                } else if (sentBytes[i] >= pieceLength.applyAsLong(i)) {
                    if (!closedHere && holders.applyAsInt(i) == 0) {
                        unspread.set(i);
                    }
                    to[i] = GONE;
                    goneFrom[i] = identity.apply(peer);
                    whole = true;
                    since[i] = now.plus(GONE_WHOLE); // refused until then
                    queued[i] = 0;
                    sentBytes[i] = 0;
                } else {
                    to[i] = null;
                }
            }
        }
        if (died) {
            LOG.debug("{} went with first copies on their way to it (its end closed: it died, or was killed): the {} pieces that"
                    + " went whole only to it go to the next peer to ask", peer, released);
        }
        if (whole) {
            GonePeer was = goneWithPieces.get(identity.apply(peer)); // its other connection went earlier: what is known holds
            GonePeer goneNow = new GonePeer(now);
            goneNow.byItsEnd = !closedHere;
            goneNow.unspread.or(unspread);
            if (was != null) {
                goneNow.doubtedSince = was.doubtedSince;
                goneNow.shares = was.shares;
                goneNow.byItsEnd |= was.byItsEnd;
                goneNow.unspread.or(was.unspread);
            }
            goneWithPieces.put(identity.apply(peer), goneNow);
        }
    }

    /**
     * {@code peer} is connected at {@code now}: if it is a gone peer come back (on another
     * connection: both ends dialled at once and the older connection made way, or a reconnect),
     * the first copies that went whole to it are no longer refused to others for
     * {@link #GONE_WHOLE}, only while a peer of ours says it has them. What was written to a
     * connection that closed may never have arrived, and the peer cannot always ask again: its new
     * connection waits for one of our upload slots. Refused to everyone else for {@link #PATIENCE},
     * such a piece had no copy anywhere: 16 hosts at 25 Mbit/s waited 3-5 s at the end for the
     * last of them (1.34 x F/C, about one run in seven, bench/swarm.sh). What did arrive it says it
     * has (its bitfield), and that spreads from it as before: a peer a busy origin let go for
     * idling comes back with every piece it was sent.
     */
    void back(P peer, Instant now) {
        Object id = identity.apply(peer);
        if (to == null || goneWithPieces.remove(id) == null) {
            return;
        }
        int judged = 0;
        for (int i = 0; i < to.length; i++) {
            if (to[i] == GONE && id.equals(goneFrom[i]) && now.isBefore(since[i])) {
                since[i] = now; // from now on refused only while a holder says it has it (goesElsewhere)
                judged++;
            }
        }
        LOG.debug("{} is back: {} first copies that went whole to its old connection go to the next peer to ask unless a peer"
                + " says it has them", peer, judged);
    }
}
