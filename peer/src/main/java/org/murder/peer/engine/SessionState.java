package org.murder.peer.engine;

/** Where a torrent session is in its life. */
public enum SessionState {
    /** Re-checking pieces already on disk. */
    CHECKING,
    DOWNLOADING,
    /** Verifying the whole file's md5 and moving it into place. */
    FINISHING,
    SEEDING,
    STOPPED,
    FAILED;

    public boolean isFinal() {
        return this == STOPPED || this == FAILED;
    }
}
