package org.murder.peer.engine;

/**
 * What one connected peer has, told to the piece picker: as any peer's, and also as a peer of our
 * own rack's while it is one (the tracker says which addresses share our rack; see
 * {@link PiecePicker.Outside}). Owned by the session's thread.
 */
final class PeerAvailability implements PieceSet.Availability {
    private final PiecePicker picker;
    private boolean rackMate;

    PeerAvailability(PiecePicker picker) {
        this.picker = picker;
    }

    @Override
    public void peerHas(int piece) {
        picker.peerHas(piece);
        if (rackMate) {
            picker.rackMateHas(piece);
        }
    }

    @Override
    public void peerHasAll() {
        picker.peerHasAll();
        if (rackMate) {
            picker.rackMateHasAll();
        }
    }

    @Override
    public void peerGone(PieceSet pieces) {
        picker.peerGone(pieces);
        if (rackMate) {
            picker.rackMateGone(pieces);
        }
    }

    boolean rackMate() {
        return rackMate;
    }

    /** Whether the peer, which has {@code pieces} now, is of our rack: its pieces are counted as the rack's, or no longer. */
    void rackMate(boolean yes, PieceSet pieces) {
        if (yes == rackMate) {
            return;
        }
        rackMate = yes;
        if (yes) {
            picker.rackMateJoined(pieces);
        } else {
            picker.rackMateGone(pieces);
        }
    }
}
