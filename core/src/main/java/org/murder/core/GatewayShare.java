package org.murder.core;

/**
 * Which of its rack's gateways a peer is: gateway {@code index} (from 0) of {@code of}, or
 * {@link #NONE} ({@code 0} of {@code 0}: not a gateway, or not said). murder's tracker says it to a
 * peer that gave a rack ({@code murder gateway}, {@code murder gateways}); the gateways of a rack
 * share out what they fetch from other racks, piece {@code p} being gateway {@code p % of}'s
 * ({@link #shareOf}).
 */
public record GatewayShare(int index, int of) {
    /** Not a gateway. */
    public static final GatewayShare NONE = new GatewayShare(0, 0);

    public GatewayShare {
        if (!valid(index, of)) {
            throw new IllegalArgumentException("gateway " + index + " of " + of + " (expected: 0 <= gateway < gateways, or 0 of 0)");
        }
    }

    /** Whether {@code index} of {@code of} names a share: {@code 0 <= index < of}, or 0 of 0. */
    public static boolean valid(long index, long of) {
        return of == 0 ? index == 0 : index >= 0 && index < of;
    }

    /** Whether this peer is one of its rack's gateways. */
    public boolean isGateway() {
        return of > 0;
    }

    /** The share {@code piece} belongs to (only for a gateway). */
    public int shareOf(int piece) {
        return piece % of;
    }

    /** Whether {@code piece} is this gateway's to fetch from other racks (every piece when the rack has one gateway or none). */
    public boolean owns(int piece) {
        return of <= 1 || piece % of == index;
    }
}
