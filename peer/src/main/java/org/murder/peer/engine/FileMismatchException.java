package org.murder.peer.engine;

import org.murder.core.MurderException;

/**
 * A session that only seeds found pieces of its file that do not match the torrent. A failure of the work (exit 1)
 * where the file is the deploy's own; {@code murder seed FILE} takes it for bad input (the operator named the file).
 */
public final class FileMismatchException extends MurderException {
    FileMismatchException(String message) {
        super(message, FAILURE);
    }
}
