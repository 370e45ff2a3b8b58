package org.murder.core.bencode;

/**
 * A bencoded value (BEP 3): byte string, integer, list or dictionary. Immutable.
 * Dictionary keys are byte strings held as ISO-8859-1 {@code String}s, one char per byte,
 * so their natural order is the raw byte order that BEP 3 requires.
 */
public sealed interface BValue permits BString, BInteger, BList, BDict {

    /** Short type name for error messages: {@code string}, {@code integer}, {@code list}, {@code dictionary}. */
    String typeName();
}
