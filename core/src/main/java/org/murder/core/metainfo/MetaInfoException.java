package org.murder.core.metainfo;

import org.murder.core.MurderException;

/** A .torrent that decodes as bencode but is not valid BEP 3 metainfo. Names the field, the value and what was expected. */
public final class MetaInfoException extends MurderException {
    public MetaInfoException(String message) {
        super(message, BAD_INPUT);
    }
}
