package org.murder.peer.wire;

/** Peer wire message ids, all in one place: BEP 3, BEP 6 (fast extension), BEP 5 port, BEP 10 extended. */
public final class MessageIds {
    public static final byte CHOKE = 0;
    public static final byte UNCHOKE = 1;
    public static final byte INTERESTED = 2;
    public static final byte NOT_INTERESTED = 3;
    public static final byte HAVE = 4;
    public static final byte BITFIELD = 5;
    public static final byte REQUEST = 6;
    public static final byte PIECE = 7;
    public static final byte CANCEL = 8;
    public static final byte PORT = 9;
    public static final byte SUGGEST_PIECE = 0x0D;
    public static final byte HAVE_ALL = 0x0E;
    public static final byte HAVE_NONE = 0x0F;
    public static final byte REJECT_REQUEST = 0x10;
    public static final byte ALLOWED_FAST = 0x11;
    public static final byte EXTENDED = 20;

    private MessageIds() {
    }
}
