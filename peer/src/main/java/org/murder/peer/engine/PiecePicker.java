package org.murder.peer.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.murder.core.GatewayShare;
import org.murder.peer.wire.PeerMessage;

/**
 * Chooses which block to request next. Finishes pieces already started first (so pieces become
 * shareable soon), then starts the rarest piece the peer has, uniformly among equals. When those
 * are as rare as a piece from that peer can be (only the seeds and that peer have them), the choice
 * is among the first window of them in file order, so the download runs nearly in order; one new
 * piece in four is the first missing piece the peer has, whatever its rarity. The first few pieces
 * are random within the window whatever their rarity. In the endgame it asks a second peer for
 * blocks still in flight. Owned by one event loop; no locking.
 *
 * <p>Seeds can be spared: asked with {@code spareSeed}, a peer that has every piece is only asked
 * for pieces no other connected peer has (availability no higher than the number of seeds). The
 * first seed's uplink is the one place new pieces enter a swarm; every byte it sends twice delays
 * the whole deploy by that byte's time (see TorrentSession for when sparing applies).
 */
final class PiecePicker implements PieceSet.Availability {
    /** A block may be in flight from at most this many peers at once in the endgame. */
    static final int MAX_ENDGAME_DUPLICATES = 2;
    private static final BitSet NONE = new BitSet();
    /**
     * Every this many pieces started (after the random first ones), the first one missing that the
     * peer can give, whatever its rarity (from a spared seed: the first that only seeds have).
     * Rarest-first alone leaves a piece that many hosts have for the very end, and the md5
     * (computed in order) waits for it: 80 MiB of a 128 MiB file were left to read and digest
     * after the last piece in a 16-host swarm.
     */
    static final int IN_ORDER_EVERY = 4;

    private final int pieceCount;
    private final long pieceLength;
    private final long totalLength;
    private final int blockSize;
    /** The most blocks one request may span: as many as fit in the largest request peers accept. */
    private final int maxSpan;
    private final int randomFirstPieces;
    /** New pieces: uniform among the first this many of the rarest not started (see choosePiece). */
    private final int windowPieces;
    private final Random random;
    private final BitSet have = new BitSet();
    /** have.cardinality(), kept: the picker asks it on every request (a scan of the bitset each time). */
    private int haveCount;
    /** The endgame asked some block of a second peer (the session then cancels duplicates as blocks arrive). */
    private boolean askedTwice;
    private final int[] availability;
    /** How many connected peers of our own rack have each piece (see {@link Outside}). */
    private final int[] inRack;
    /** As inRack, counting the peers of our rack that choke us too. */
    private final int[] inRackAll;
    /** Per piece we lack, ticks for which only peers of our rack that choke us had it (see CHOKED_PATIENCE). */
    private final int[] chokedOnlyTicks;
    /** A peer of our rack was ever connected: until then tick() has no rack counts to walk. */
    private boolean anyRackMate;
    /** Our share of what our rack's gateways fetch from other racks (see outsideShare). */
    private GatewayShare share = GatewayShare.NONE;
    /** Per share, ticks (up to SHARE_PATIENCE) since a peer of our rack last got a piece of it that we lack. */
    private int[] quietTicks = new int[0];
    /** Per share, whether its pieces may be asked of other racks by us, a gateway it is not (see {@link #openLaggingShares}). */
    private boolean[] shareOpen = new boolean[0];
    private final Map<Integer, Partial> partials = new LinkedHashMap<>();
    /** The blocks of each piece never asked for (see {@link #skip}). */
    private java.util.function.IntFunction<BitSet> skipped = piece -> NONE;
    /**
     * Pieces we have or have started (the keys of {@link #partials}): the pieces not to start. The
     * rarest-first scan walks only the clear bits, so late in a download, when most pieces are
     * taken, choosing costs little (a full scan per request was hot in 16-host swarms).
     */
    private final BitSet taken = new BitSet();
    /** Pieces that failed their hash: the next copy comes from one peer alone (see {@link #suspect}). */
    private final BitSet suspects = new BitSet();
    private int unrequestedInPartials;
    /** Pieces started so far, the random first ones and those started again included (see {@link Partial#startOrder}). */
    private long partialsStarted;
    /**
     * Counts the events that can give a peer something new to ask for: a piece it announces, a
     * block given back, a piece failed, a piece started (its other blocks become askable). A
     * {@link #next} that found nothing stays right until this moves, outside the endgame.
     */
    private long generation;
    /**
     * The piece each of the last {@link #CHANGES_KEPT} generations was about, at generation modulo
     * CHANGES_KEPT; {@link #ANY_PIECE}: a change that may concern every piece (see {@link #changedSince}).
     */
    private final int[] changedPiece = new int[CHANGES_KEPT];
    /** Connected peers that have every piece. */
    private int seeds;
    /** Peers that deliver far slower than the others: not counted as holders when sparing a seed (see {@link #slowSources}). */
    private List<PieceSet> slowSources = List.of();
    /** New pieces started so far, outside the random first ones (see IN_ORDER_EVERY). */
    private long starts;
    /** Bytes the last {@link #received} call brought that were not here yet. */
    private int lastArrivalNewBytes;

    PiecePicker(int pieceCount, long pieceLength, long totalLength, int blockSize, int randomFirstPieces, int windowPieces,
            Random random) {
        if (windowPieces < 1) {
            throw new IllegalArgumentException("windowPieces: " + windowPieces + " (expected: >= 1)");
        }
        this.pieceCount = pieceCount;
        this.pieceLength = pieceLength;
        this.totalLength = totalLength;
        this.blockSize = blockSize;
        this.maxSpan = Math.max(1, PeerMessage.MAX_BLOCK / blockSize);
        this.randomFirstPieces = randomFirstPieces;
        this.windowPieces = windowPieces;
        this.random = random;
        this.availability = new int[pieceCount];
        this.inRack = new int[pieceCount];
        this.inRackAll = new int[pieceCount];
        this.chokedOnlyTicks = new int[pieceCount];
        Arrays.fill(changedPiece, ANY_PIECE);
    }

    /** Progress of one piece being downloaded. */
    static final class Partial {
        final int piece;
        final int blocks;
        final int[] inFlight;
        /** Pieces started before this one (the order of {@link PiecePicker#partials}). */
        final long startOrder;
        final BitSet received = new BitSet();
        int receivedCount;
        /** Blocks nobody was asked for and that did not come: none, and the first step of {@link #next} passes it by. */
        int unrequested;
        int cursor;
        boolean awaitingVerification;
        /** A suspect piece's one peer (its piece set stands for it); null: anyone may be asked. */
        PieceSet exclusiveTo;
        /** Ticks since a block of this piece last arrived (see {@link #tick}). */
        int idleTicks;

        Partial(int piece, int blocks, long startOrder) {
            this.piece = piece;
            this.startOrder = startOrder;
            this.blocks = blocks;
            this.inFlight = new int[blocks];
            this.unrequested = blocks;
        }
    }

    int pieceCount() {
        return pieceCount;
    }

    long pieceSize(int piece) {
        return piece == pieceCount - 1 ? totalLength - (long) piece * pieceLength : pieceLength;
    }

    int blocksIn(int piece) {
        return (int) ((pieceSize(piece) + blockSize - 1) / blockSize);
    }

    Block block(int piece, int index) {
        int begin = index * blockSize;
        return new Block(piece, begin, (int) Math.min(blockSize, pieceSize(piece) - begin));
    }

    boolean has(int piece) {
        return have.get(piece);
    }

    BitSet have() {
        return (BitSet) have.clone();
    }

    /** What we have as a BEP 3 bitfield (high bit first). */
    byte[] bitfield() {
        byte[] bits = new byte[(pieceCount + 7) / 8];
        for (int i = have.nextSetBit(0); i >= 0; i = have.nextSetBit(i + 1)) {
            bits[i >>> 3] |= (byte) (0x80 >>> (i & 7));
        }
        return bits;
    }

    /** The bytes of the pieces we have. */
    long haveBytes() {
        long n = (long) haveCount() * pieceLength;
        return has(pieceCount - 1) ? n - (pieceLength - pieceSize(pieceCount - 1)) : n;
    }

    /**
     * The order window in pieces: at least 32, so that hosts starting together still spread over
     * enough pieces when pieces are big (two hosts asking the origin for the same new piece cost a
     * reject and a wait). 16 pieces of 1 MiB made 1 GiB to 4 peers on loopback slower (12.3-15.4 s
     * against 11.9-13.4 s with 32).
     */
    static int windowPieces(long orderWindow, long pieceLength) {
        return (int) Math.max(32, Math.min(Integer.MAX_VALUE, orderWindow / pieceLength));
    }

    int haveCount() {
        return haveCount;
    }

    boolean isComplete() {
        return haveCount == pieceCount;
    }

    /** Marks pieces found on disk (resume) or verified. */
    void markHave(int piece) {
        if (!have.get(piece)) {
            have.set(piece);
            haveCount++;
        }
        taken.set(piece);
        suspects.clear(piece);
        Partial p = partials.remove(piece);
        if (p != null) {
            unrequestedInPartials -= p.unrequested;
        }
    }

    @Override
    public void peerHas(int piece) {
        availability[piece]++;
        if (!have.get(piece)) {
            changed(piece); // a piece we have gives no peer anything new to ask for
        }
    }

    @Override
    public void peerHasAll() {
        for (int i = 0; i < pieceCount; i++) {
            availability[i]++;
        }
        changedAll();
    }

    // ---- our rack: the peers of it among the connected ones are told here too (as well as above)

    /** A peer of our rack, which unchokes us or not, has {@code piece}. */
    void rackMateHas(int piece, boolean unchoking) {
        // fewer pieces to ask of other racks: nothing new to ask (peerHas counts the piece)
        addToRack(piece, unchoking);
    }

    /** Whether a peer of our rack was ever connected (we are in a rack, and racks are said). */
    boolean everHadRackMate() {
        return anyRackMate;
    }

    /** A peer of our rack, which unchokes us or not, has every piece now. */
    void rackMateHasAll(boolean unchoking) {
        anyRackMate = true;
        for (int i = 0; i < pieceCount; i++) {
            addToRack(i, unchoking);
        }
    }

    /** A connected peer turned out to be of our rack, with {@code pieces}. */
    void rackMateJoined(PieceSet pieces, boolean unchoking) {
        anyRackMate = true;
        for (int i = 0; i < pieceCount; i++) {
            if (pieces.has(i)) {
                addToRack(i, unchoking);
            }
        }
        changedAll(); // the peer itself may now be asked for anything
    }

    /**
     * One more peer of our rack has {@code piece}; a piece new to our rack keeps its share alive (see
     * SHARE_PATIENCE), unless we have it: a rack-mate copying a piece we fetched for a share whose
     * gateway is gone would close the share after each rescue.
     */
    private void addToRack(int piece, boolean unchoking) {
        if (inRackAll[piece]++ == 0 && share.of() > 1 && !have.get(piece)) {
            quietTicks[share.shareOf(piece)] = 0;
            shareOpen[share.shareOf(piece)] = false; // its gateway delivers (fewer pieces askable: nobody to ask again)
        }
        if (unchoking) {
            inRack[piece]++;
        }
    }

    /** A peer of our rack that had {@code pieces} is gone, or no longer of our rack. */
    void rackMateGone(PieceSet pieces, boolean unchoking) {
        count(inRackAll, pieces, -1);
        if (unchoking) {
            count(inRack, pieces, -1);
        }
        changedAll(); // a piece may now be one no peer of our rack has (see Outside)
    }

    /** A peer of our rack with {@code pieces} unchokes us now, or chokes us. */
    void rackMateUnchoking(PieceSet pieces, boolean unchoking) {
        count(inRack, pieces, unchoking ? 1 : -1);
        changedAll();
    }

    private void count(int[] counts, PieceSet pieces, int by) {
        for (int i = 0; i < pieceCount; i++) {
            if (pieces.has(i)) {
                counts[i] += by;
                assert counts[i] >= 0 : "rack count of piece " + i;
            }
        }
    }

    /**
     * Ticks (a second each) a piece that only peers of our rack that choke us have waits for one to
     * unchoke us before peers of other racks may be asked for it. Taken at once, it crossed the
     * rack's uplink whenever a rack-mate rotated its upload slots (the simulator's rack run: 1.22 ->
     * 1.48 copies a rack); never, it waited for the end while other rack-mates delivered (a tail of
     * 1.6-2.0 x F/c with start jitter).
     */
    static final int CHOKED_PATIENCE = 3;

    /** No peer of our rack can give us the piece: none has it, or only ones that have choked us for a while. */
    private boolean ourRackLacks(int piece) {
        return inRack[piece] == 0 && (inRackAll[piece] == 0 || chokedOnlyTicks[piece] >= CHOKED_PATIENCE);
    }

    /**
     * Which of our rack's gateways we are (the tracker says; {@link GatewayShare#NONE}: none): a
     * rack's gateways share out the pieces they fetch from other racks (see {@link Outside}).
     */
    void outsideShare(GatewayShare share) {
        if (!share.equals(this.share)) {
            this.share = share;
            quietTicks = new int[share.of()];
            shareOpen = new boolean[share.of()];
            changedAll();
        }
    }

    /**
     * Ticks (a second each) that another gateway's share may go without a peer of our rack getting
     * a piece of it before we may fetch it from outside too (if it lags, see {@link #SHARE_LAG}): a
     * gateway that crashed is replaced only at the tracker's peer timeout (1 min) and its peers' next
     * announce, and its share, asked of nobody outside while the rest of the rack delivers, would
     * wait for the end.
     */
    static final int SHARE_PATIENCE = 3;

    /**
     * How far behind ours, in eighths of our share, a quiet share must have fallen for us to fetch
     * it too. Three seconds without a piece new to the rack is how every share goes while the swarm
     * waits for the origin's next pieces: with quiet alone opening a share, the other gateways
     * fetched it too, and 7.8 of the 17 x F that crossed into racks in bench/fleet.sh 200 --racks 8
     * --rack-uplink 8mbit came that way (a debug count). A share whose gateway is gone falls
     * behind as the others' go on.
     */
    static final int SHARE_LAG = 8;

    /** How many connected peers of our rack that unchoke us have {@code piece}. */
    int inRack(int piece) {
        return inRack[piece];
    }

    /** How many connected peers say they have {@code piece}. */
    int availability(int piece) {
        return availability[piece];
    }

    /** How many connected peers that are not seeds have the piece (those a host refers an asker to: SendOrder.deeperThanWorthFor). */
    int availabilityBesidesSeeds(int piece) {
        return availability[piece] - seeds;
    }

    long generation() {
        return generation;
    }

    /** Generations whose piece is kept (see {@link #changedSince}). */
    static final int CHANGES_KEPT = 64;
    private static final int ANY_PIECE = -1;

    /**
     * The pieces {@code peer} has among those the changes since generation {@code since} were about,
     * ascending; null when one of them may concern any piece, or they are too many or unknown. When
     * {@link #next} found nothing for the peer at {@code since}, only these can be asked now: a
     * change about one piece (another peer announced it, it was started, a block of it was given
     * back, it failed) gives nothing new to ask of a peer that lacks it. So a refusal, or a piece
     * started, no longer makes every connected peer's picker scan every piece again: that was a
     * third of a 1,000-host simulation's CPU, and the same in a session's fillAll.
     */
    private int[] changedSince(PieceSet peer, long since) {
        long gap = generation - since;
        if (since < 0 || gap < 0 || gap >= CHANGES_KEPT) {
            return null;
        }
        int[] pieces = new int[(int) gap];
        int n = 0;
        for (long g = since + 1; g <= generation; g++) {
            int piece = changedPiece[(int) (g % CHANGES_KEPT)];
            if (piece == ANY_PIECE) {
                return null;
            }
            if (peer.has(piece)) {
                pieces[n++] = piece;
            }
        }
        Arrays.sort(pieces, 0, n);
        int distinct = 0;
        for (int i = 0; i < n; i++) {
            if (distinct == 0 || pieces[distinct - 1] != pieces[i]) {
                pieces[distinct++] = pieces[i];
            }
        }
        return Arrays.copyOf(pieces, distinct);
    }

    /** A change that may let a peer that has {@code piece} be asked for something new (and no other peer). */
    private void changed(int piece) {
        generation++;
        changedPiece[(int) (generation % CHANGES_KEPT)] = piece;
    }

    /** A change that may let any peer be asked for something new. */
    private void changedAll() {
        changed(ANY_PIECE);
    }

    /** Something outside the picker changed what may be asked (see {@link #generation}). */
    void touch() {
        changedAll();
    }

    /** How many connected peers have every piece (as last told). */
    int seeds() {
        return seeds;
    }

    /** How many connected peers have every piece. */
    void seeds(int n) {
        if (n != seeds) {
            seeds = n;
            changedAll();
        }
    }

    /**
     * The peer has the piece, did not reject it lately, (sparing a seed) no other peer has it, and
     * (sparing the uplinks out of our rack) {@code outside} allows it.
     */
    private boolean askable(PieceSet peer, int piece, boolean spareSeed, Outside outside, BitSet refused) {
        return peer.has(piece) && !refused.get(piece) && (!spareSeed || onlySeedsHave(piece)) && allowed(outside, piece);
    }

    private boolean allowed(Outside outside, int piece) {
        return switch (outside) {
            case ANY -> true;
            case WHAT_OUR_RACK_LACKS -> ourRackLacks(piece);
            case OUR_SHARE_OF_WHAT_OUR_RACK_LACKS -> ourRackLacks(piece) && (share.owns(piece) || shareOpen[share.shareOf(piece)]);
        };
    }

    /** Only seeds have this piece (or nobody does), slow sources not counted (see {@link #slowSources}). */
    private boolean onlySeedsHave(int piece) {
        int others = availability[piece] - seeds;
        for (int i = 0; others > 0 && i < slowSources.size(); i++) {
            PieceSet s = slowSources.get(i);
            if (s.has(piece) && !s.isAll()) { // one that completed since the tick is among the seeds already
                others--;
            }
        }
        return others <= 0;
    }

    /**
     * The peers (not seeds) that deliver far slower than the others ({@link SlowSources}): a piece
     * that only they have besides the seeds may be asked of a spared seed. Few, or none.
     */
    void slowSources(List<PieceSet> peers) {
        if (!peers.equals(slowSources)) {
            slowSources = List.copyOf(peers);
            changedAll(); // pieces only they have may be asked of seeds now, or no longer
        }
    }

    @Override
    public void peerGone(PieceSet pieces) {
        for (Partial p : partials.values()) {
            if (p.exclusiveTo == pieces) {
                p.exclusiveTo = null;
            }
        }
        for (int i = 0; i < pieceCount; i++) {
            if (pieces.has(i) && availability[i] > 0) {
                availability[i]--;
            }
        }
        if (slowSources.contains(pieces)) { // no longer counted in availability: not to be taken off it again
            slowSources = slowSources.stream().filter(s -> s != pieces).toList();
        }
        changedAll(); // a piece may now be the seeds' alone (see spareSeed)
    }

    /** True when the peer has a piece we still need. */
    boolean interesting(PieceSet peer) {
        if (peer.isAll()) {
            return !isComplete();
        }
        for (int i = have.nextClearBit(0); i < pieceCount; i = have.nextClearBit(i + 1)) {
            if (peer.has(i)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The next block to ask {@code peer} for, or null when it has nothing we can use now.
     * {@code inFlightToPeer} holds the blocks already requested from this peer, by key.
     */
    Block next(PieceSet peer, Map<Long, Block> inFlightToPeer) {
        return next(peer, inFlightToPeer, false, Outside.ANY, NONE, 1);
    }

    /** As {@link #next(PieceSet, Map, boolean, Outside, BitSet, int)}, not sparing the uplinks out of our rack. */
    Block next(PieceSet peer, Map<Long, Block> inFlightToPeer, boolean spareSeed, BitSet refused, int span) {
        return next(peer, inFlightToPeer, spareSeed, Outside.ANY, refused, span);
    }

    /** What a peer may be asked for, as our rack sees it (see {@link #next}). */
    enum Outside {
        /** Anything: a peer of our rack, or no rack, or our rack went quiet (see Sparing). */
        ANY,
        /**
         * Only pieces no connected peer of our rack has: for a peer of another rack that was complete
         * when it connected. The origin sends each piece's first copy to one peer at a time (see
         * FirstCopy), so two gateways of a rack do not both get one from it (another rack's host that
         * was complete already may send one to two of them).
         */
        WHAT_OUR_RACK_LACKS,
        /** Only pieces no connected peer of our rack has and that are our share of them (see {@link #outsideShare}). */
        OUR_SHARE_OF_WHAT_OUR_RACK_LACKS
    }

    /**
     * As {@link #next(PieceSet, Map)}, never a block of a piece in {@code refused} (the peer
     * rejected it lately); with {@code spareSeed}, outside the endgame, only blocks of pieces that
     * only seeds have (meant for a peer that is a seed); outside the endgame, as {@code outside}
     * says for a peer of another rack: what our rack has comes from inside it, and the rack's uplink
     * carries each piece about once (see {@link #rackMateHas} and {@link #outsideShare}). Outside the endgame the block returned
     * spans up to {@code span} consecutive blocks of one piece that nobody was asked for (one
     * request, one reply: for peers that accept requests larger than the 16 KiB other clients
     * allow); in the endgame it is always one block.
     */
    Block next(PieceSet peer, Map<Long, Block> inFlightToPeer, boolean spareSeed, Outside outside, BitSet refused,
            int span) {
        return next(peer, inFlightToPeer, spareSeed, outside, refused, span, -1);
    }

    /**
     * As {@link #next(PieceSet, Map, boolean, Outside, BitSet, int)}, knowing that it found nothing
     * for this peer at generation {@code nothingAt} (-1: not known), with the same other arguments
     * or ones that allow less: outside the endgame only the pieces that changed since are looked
     * at (see {@link #changedSince}), and the answer is the one a look at every piece gives.
     */
    Block next(PieceSet peer, Map<Long, Block> inFlightToPeer, boolean spareSeed, Outside outside, BitSet refused,
            int span, long nothingAt) {
        if (span < 1 || span > maxSpan) {
            throw new IllegalArgumentException("span: " + span + " blocks (expected: 1 to " + maxSpan + ")");
        }
        int[] among = inEndgame() ? null : changedSince(peer, nothingAt);
        if (among != null && among.length == 0) {
            return null;
        }
        // 1. blocks nobody asked for yet, in pieces already started
        if (unrequestedInPartials > 0) {
            for (Partial p : among == null ? partials.values() : startedAmong(among)) {
                if (p.unrequested > 0 && !p.awaitingVerification && ours(p, peer) && askable(peer, p.piece, spareSeed, outside, refused)) {
                    int b = firstUnrequested(p);
                    if (b >= 0) {
                        return request(p, b, span);
                    }
                }
            }
        }
        // 2. start a new piece
        int piece = choosePiece(peer, spareSeed, outside, refused, among);
        if (piece >= 0) {
            if (haveCount >= randomFirstPieces) {
                starts++;
            }
            Partial p = new Partial(piece, blocksIn(piece), partialsStarted++);
            if (suspects.get(piece)) {
                p.exclusiveTo = peer;
                p.idleTicks = 0;
            }
            partials.put(piece, p);
            taken.set(piece);
            unrequestedInPartials += p.blocks;
            changed(piece);
            skipPadding(p);
            return request(p, firstUnrequested(p), span); // block 0 unless padding was skipped
        }
        // 3. endgame: only once every missing block is in flight (every missing piece started, no block
        //    unrequested), ask this peer too. Before that, a peer with nothing new simply gets no request:
        //    duplicates earlier waste uplinks on blocks the receiver throws away.
        if (!inEndgame()) {
            return null;
        }
        for (Partial p : partials.values()) {
            if (p.awaitingVerification || !ours(p, peer) || !askable(peer, p.piece, false, Outside.ANY, refused)) {
                continue;
            }
            for (int b = p.received.nextClearBit(0); b < p.blocks; b = p.received.nextClearBit(b + 1)) {
                if (p.inFlight[b] < MAX_ENDGAME_DUPLICATES && !askedOf(inFlightToPeer, p.piece, b)) {
                    askedTwice |= p.inFlight[b] > 0;
                    p.inFlight[b]++;
                    return block(p.piece, b);
                }
            }
        }
        return null;
    }

    /** Whether {@code peer} may be asked for blocks of {@code p}: anyone, unless it is a suspect piece's one peer's. */
    private static boolean ours(Partial p, PieceSet peer) {
        return p.exclusiveTo == null || p.exclusiveTo == peer;
    }

    /**
     * Ticks (a second each) a suspect piece's one peer may go without bringing a block of it before
     * anyone may be asked: a peer that is slow, stuck or holds its requests (a fast-extension choke)
     * must not hold the piece, and with it the endgame, for the stall timeout.
     */
    static final int EXCLUSIVE_PATIENCE = 5;

    /**
     * Called once a second: suspect pieces whose one peer brought nothing for a while are open to
     * all; another gateway's share that our rack gained nothing of for a while and that lags ours is
     * open to us (see {@link #openLaggingShares}).
     */
    void tick() {
        for (Partial p : partials.values()) {
            if (p.exclusiveTo != null && ++p.idleTicks >= EXCLUSIVE_PATIENCE) {
                p.exclusiveTo = null;
                changed(p.piece);
            }
        }
        for (int i = anyRackMate ? have.nextClearBit(0) : pieceCount; i < pieceCount; i = have.nextClearBit(i + 1)) {
            if (inRack[i] == 0 && inRackAll[i] > 0) {
                if (++chokedOnlyTicks[i] == CHOKED_PATIENCE) {
                    changedAll(); // it may be asked of other racks now
                }
            } else {
                chokedOnlyTicks[i] = 0;
            }
        }
        if (share.of() > 1) {
            openLaggingShares();
        }
    }

    /**
     * Another gateway's share is open to us while it went {@link #SHARE_PATIENCE} ticks without a
     * piece new to our rack and our rack holds fewer of its pieces than of ours by at least
     * 1/{@link #SHARE_LAG} of our share (or all of ours already): its gateway is gone or stuck, not
     * waiting with the rest of the swarm. Once open, it stays open while it lags at all (and stays
     * quiet), so that a share we rescue is brought level with ours rather than left an eighth behind.
     * Counted over what we have and what the rack-mates we are connected to have.
     */
    private void openLaggingShares() {
        int of = share.of();
        int[] held = new int[of];
        for (int i = 0; i < pieceCount; i++) {
            if (have.get(i) || inRackAll[i] > 0) {
                held[share.shareOf(i)]++;
            }
        }
        int own = share.index();
        int ownSize = (pieceCount - own + of - 1) / of;
        boolean ownAllIn = held[own] == ownSize;
        int lag = Math.max(1, ownSize / SHARE_LAG);
        for (int j = 0; j < of; j++) {
            quietTicks[j] = Math.min(quietTicks[j] + 1, SHARE_PATIENCE);
            int behind = held[own] - held[j];
            boolean open = j != own && quietTicks[j] >= SHARE_PATIENCE && (ownAllIn || behind >= (shareOpen[j] ? 1 : lag));
            if (open != shareOpen[j]) {
                shareOpen[j] = open;
                changedAll(); // its pieces may be asked of other racks now, or no longer
            }
        }
    }

    /** Whether a block was ever asked of two peers at once: before that, no request can duplicate another. */
    boolean askedTwice() {
        return askedTwice;
    }

    /** Every piece we lack has been started and none of their blocks waits to be requested. */
    boolean inEndgame() {
        return unrequestedInPartials == 0 && haveCount + partials.size() == pieceCount;
    }

    /** Blocks {@code b} and up to {@code span - 1} more after it that nobody was asked for, as one block. */
    private Block request(Partial p, int b, int span) {
        int end = b;
        do {
            p.inFlight[end]++;
            p.unrequested--;
            unrequestedInPartials--;
            end++;
        } while (end - b < span && end < p.blocks && p.inFlight[end] == 0 && !p.received.get(end));
        p.cursor = end;
        int begin = b * blockSize;
        return new Block(p.piece, begin, (int) (Math.min((long) end * blockSize, pieceSize(p.piece)) - begin));
    }

    /** Whether block {@code b} is in a request to this peer already: one starting at it or spanning it. */
    private boolean askedOf(Map<Long, Block> inFlightToPeer, int piece, int b) {
        long at = (long) b * blockSize;
        for (int start = b; start >= 0 && start > b - maxSpan; start--) {
            Block asked = inFlightToPeer.get(Block.key(piece, start * blockSize));
            if (asked != null && asked.begin() + asked.length() > at) {
                return true;
            }
        }
        return false;
    }

    /** One past the last block that a request of {@code length} bytes at {@code begin} covers. */
    private int endOf(int piece, int begin, int length) {
        return (int) Math.min(((long) begin + length + blockSize - 1) / blockSize, blocksIn(piece));
    }

    /**
     * Marks the blocks of a piece just started that need not come over the wire (see {@link #skip})
     * as received. A piece that would be all such blocks is fetched as any other: it would be
     * complete before a block came, and BEP 47 padding never covers a whole piece.
     */
    private void skipPadding(Partial p) {
        BitSet skip = skipped.apply(p.piece);
        if (skip.isEmpty() || skip.get(0, p.blocks).cardinality() >= p.blocks) {
            return; // (no allocation for the torrents without padding, on every piece started)
        }
        for (int b = skip.nextSetBit(0); b >= 0 && b < p.blocks; b = skip.nextSetBit(b + 1)) {
            p.received.set(b);
            p.receivedCount++;
            p.unrequested--;
            unrequestedInPartials--;
        }
    }

    /**
     * The blocks of each piece that are never asked for, as if received when the piece starts: those
     * wholly in BEP 47 padding (see {@link PaddingBlocks}). None unless set.
     */
    void skip(java.util.function.IntFunction<BitSet> blocks) {
        this.skipped = blocks;
    }

    private int firstUnrequested(Partial p) {
        for (int b = p.cursor; b < p.blocks; b++) {
            if (p.inFlight[b] == 0 && !p.received.get(b)) {
                return b;
            }
        }
        return -1;
    }

    /** The started pieces among {@code pieces}, in the order they started (that of {@link #partials}). */
    private List<Partial> startedAmong(int[] pieces) {
        List<Partial> started = new ArrayList<>(pieces.length);
        for (int piece : pieces) {
            Partial p = partials.get(piece);
            if (p != null) {
                started.add(p);
            }
        }
        if (started.size() > 1) {
            started.sort(Comparator.comparingLong(p -> p.startOrder));
        }
        return started;
    }

    private int choosePiece(PieceSet peer, boolean spareSeed, Outside outside, BitSet refused, int[] among) {
        boolean randomPhase = haveCount < randomFirstPieces;
        // A spared seed too: its in-order pick is the first piece no other peer has, often every
        // host's at once (the origin then rejects all but the first asker). Leaving spared seeds
        // out measured worse all the same (16 hosts at 50 Mbit/s: 24.9-25.3 s against 24.5-25.0):
        // the origin's pieces then enter the swarm less in order.
        if (!randomPhase && starts % IN_ORDER_EVERY == IN_ORDER_EVERY - 1) {
            return firstPickable(peer, spareSeed, outside, refused, among); // none: the scan below would find none either
        }
        // no piece this peer has can be rarer than this: every seed has it, and the peer too
        int rarestPossible = peer.isAll() ? Math.max(1, seeds) : seeds + 1;
        int best = -1;
        int bestAvailability = Integer.MAX_VALUE;
        int equals = 0;
        // The pieces not taken, in order. Among the rarest, each is equally likely (reservoir
        // sampling), and the scan stops at windowPieces pieces as rare as a piece can be: the
        // choice is then uniform among the first window of them. Hosts that begin together spread
        // over the window instead of all chasing one piece, and the download runs nearly in order,
        // so the file's md5 (computed in order as pieces arrive) is left with about a window to
        // read back after the last piece. Chosen anywhere in the file, it was left with most of
        // the file: a second per GiB after the end. A rarer piece anywhere still comes first.
        for (int i = nextCandidate(peer, among, 0); i >= 0; i = nextCandidate(peer, among, i + 1)) {
            if (!askable(peer, i, spareSeed, outside, refused)) {
                continue;
            }
            int a = randomPhase ? 0 : availability[i];
            if (a < bestAvailability) {
                best = i;
                bestAvailability = a;
                equals = 1;
            } else if (a == bestAvailability && random.nextInt(++equals) == 0) {
                best = i;
            }
            if ((randomPhase || bestAvailability <= rarestPossible) && equals >= windowPieces) {
                break;
            }
        }
        return best;
    }

    private int firstPickable(PieceSet peer, boolean spareSeed, Outside outside, BitSet refused, int[] among) {
        for (int i = nextCandidate(peer, among, 0); i >= 0; i = nextCandidate(peer, among, i + 1)) {
            if (askable(peer, i, spareSeed, outside, refused)) {
                return i;
            }
        }
        return -1;
    }

    /** As {@link #nextUntakenHave}, only among {@code among} (ascending; null: every piece). */
    private int nextCandidate(PieceSet peer, int[] among, int from) {
        if (among == null) {
            return nextUntakenHave(peer, from);
        }
        for (int piece : among) {
            if (piece >= from && !taken.get(piece) && peer.has(piece)) {
                return piece;
            }
        }
        return -1;
    }

    /**
     * The first piece at or after {@code from} that is not taken (started or ours) and that
     * {@code peer} has, or -1: the pieces a scan of the ones not taken would find askable, in the
     * same order, leaping over runs the peer lacks or we took (a scan of every piece not taken was
     * a quarter of a 2,000-host simulation's CPU, most of it on pieces a new peer lacks).
     */
    private int nextUntakenHave(PieceSet peer, int from) {
        int i = from;
        while (i < pieceCount) {
            i = taken.nextClearBit(i);
            if (i >= pieceCount) {
                return -1;
            }
            int h = peer.nextHave(i);
            if (h < 0 || h >= pieceCount) {
                return -1;
            }
            if (h == i) {
                return i;
            }
            i = h;
        }
        return -1;
    }

    /** A request will not be answered (choke, reject, disconnect): its block can be asked for again. */
    void abandoned(Block block) {
        Partial p = partials.get(block.piece());
        if (p == null) {
            return;
        }
        changed(block.piece());
        p.exclusiveTo = null; // its one peer will not bring it all: anyone may help now
        for (int b = block.begin() / blockSize, end = endOf(block.piece(), block.begin(), block.length()); b < end; b++) {
            if (p.inFlight[b] > 0) {
                p.inFlight[b]--;
                if (p.inFlight[b] == 0 && !p.received.get(b)) {
                    p.unrequested++;
                    unrequestedInPartials++;
                    p.cursor = Math.min(p.cursor, b);
                }
            }
        }
    }

    /** What became of a block that arrived. */
    enum Arrival { NEEDED, PIECE_DONE, NOT_NEEDED }

    /**
     * Records a block that arrived (one or several blocks' worth, as asked); {@link Arrival#NEEDED}
     * when any of it was still missing, {@link Arrival#PIECE_DONE} when the piece is then ready to
     * verify. Data that does not start and end on block boundaries is not needed.
     */
    Arrival received(int piece, int begin, int length) {
        lastArrivalNewBytes = 0;
        Partial p = partials.get(piece);
        if (p == null || begin % blockSize != 0 || length <= 0) {
            return Arrival.NOT_NEEDED;
        }
        int first = begin / blockSize;
        int end = endOf(piece, begin, length);
        long endByte = (long) begin + length;
        if (first >= p.blocks || (endByte % blockSize != 0 && endByte != pieceSize(piece)) || endByte > pieceSize(piece)) {
            return Arrival.NOT_NEEDED;
        }
        boolean any = false;
        p.idleTicks = 0;
        for (int b = first; b < end; b++) {
            if (p.inFlight[b] == 0 && !p.received.get(b)) {
                p.unrequested--;
                unrequestedInPartials--;
            }
            p.inFlight[b] = Math.max(0, p.inFlight[b] - 1);
            if (!p.received.get(b)) {
                p.received.set(b);
                p.receivedCount++;
                lastArrivalNewBytes += block(piece, b).length();
                any = true;
            }
        }
        if (!any) {
            return Arrival.NOT_NEEDED;
        }
        if (p.receivedCount == p.blocks) {
            p.awaitingVerification = true;
            return Arrival.PIECE_DONE;
        }
        return Arrival.NEEDED;
    }

    /** Bytes the last {@link #received} brought that were not here yet (a span may be partly here already). */
    int lastArrivalNewBytes() {
        return lastArrivalNewBytes;
    }

    /**
     * A piece failed its hash: fetch all of it again, from one peer. The peer that starts it is the
     * only one asked for its blocks (the endgame included) until it brings them all, chokes,
     * rejects or leaves. A copy from one peer either passes, and shows which block of the failed
     * copy was bad and so who sent it (see SmartBan), or fails and shows that this peer is bad.
     */
    void failed(int piece) {
        changed(piece);
        suspects.set(piece);
        taken.clear(piece);
        Partial p = partials.remove(piece);
        if (p != null) {
            unrequestedInPartials -= p.unrequested;
        }
    }
}
