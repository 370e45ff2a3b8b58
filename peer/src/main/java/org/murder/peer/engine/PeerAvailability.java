package org.murder.peer.engine;

/**
 * What one connected peer has, told to the piece picker: as any peer's, and also as a peer of our
 * own rack's while it is one (the tracker says which addresses share our rack), and whether it
 * unchokes us: a piece only rack-mates that choke us have is one our rack cannot give us now (see
 * {@link PiecePicker.Outside} and {@link PiecePicker#CHOKED_PATIENCE}). Owned by the session's thread.
 */
final class PeerAvailability implements PieceSet.Availability {
    private final PiecePicker picker;
    private boolean rackMate;
    private boolean choking = true;

    PeerAvailability(PiecePicker picker) {
        this.picker = picker;
    }

    @Override
    public void peerHas(int piece) {
        picker.peerHas(piece);
        if (rackMate) {
            picker.rackMateHas(piece, !choking);
        }
    }

    @Override
    public void peerHasAll() {
        picker.peerHasAll();
        if (rackMate) {
            picker.rackMateHasAll(!choking);
        }
    }

    @Override
    public void peerGone(PieceSet pieces) {
        picker.peerGone(pieces);
        if (rackMate) {
            picker.rackMateGone(pieces, !choking);
        }
    }

    boolean rackMate() {
        return rackMate;
    }

    /** Whether the peer, which has {@code pieces} now, is of our rack. */
    void rackMate(boolean yes, PieceSet pieces) {
        if (yes == rackMate) {
            return;
        }
        rackMate = yes;
        if (yes) {
            picker.rackMateJoined(pieces, !choking);
        } else {
            picker.rackMateGone(pieces, !choking);
        }
    }

    /** Whether the peer, which has {@code pieces} now, chokes us (as every peer starts: it does). */
    void choking(boolean yes, PieceSet pieces) {
        if (yes == choking) {
            return;
        }
        choking = yes;
        if (rackMate) {
            picker.rackMateUnchoking(pieces, !yes);
        }
    }
}
