package org.murder.tracker.swarm;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;

/**
 * Who holds a full cap's places, by the address the requests came from, so that a full swarm makes room
 * for a newcomer from a source that holds few places at the expense of the source that holds the most
 * (its stalest place), instead of refusing everyone after one client filled it. One client that
 * announced 10,000 made-up peer ids kept every real peer out of a swarm for as long as it renewed them
 * (once a peer timeout); now each real host still gets in, and the one source that filled the cap loses
 * places. IPv6 sources count by their /64 (one host may hold every address of its prefix), or the
 * prefix the tracker is given ({@code --ipv6-source-prefix}: 128 where many hosts share a /64). Not
 * thread-safe: its owner guards it.
 *
 * @param <T> what is held: a swarm's peer slot, or a swarm
 */
final class Sources<T> {
    /** The source of what was made without a request (a swarm or peer from the state file): 0.0.0.0, which no connection comes from. */
    static final InetAddress UNKNOWN;

    static {
        try {
            UNKNOWN = InetAddress.getByAddress(new byte[4]);
        } catch (UnknownHostException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Each source's places, stalest first (a place renewed moves to the end). */
    private final Map<InetAddress, LinkedHashSet<T>> bySource = new HashMap<>();
    /** The sources by how many places each holds: the one holding the most without a scan. */
    private final CountIndex counts = new CountIndex();

    /** The key a request's source counts under: the address itself, or an IPv6 address's first {@code prefixBits} bits. */
    static InetAddress key(InetAddress source, int prefixBits) {
        if (!(source instanceof Inet6Address) || prefixBits >= 128) {
            return source;
        }
        byte[] prefix = source.getAddress();
        for (int bit = prefixBits; bit < 128; bit++) {
            prefix[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        try {
            return InetAddress.getByAddress(prefix);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // 16 bytes are always an address
        }
    }

    /** {@code place} is held by {@code source} (a key), or renewed by it: it becomes that source's freshest. */
    void hold(InetAddress source, T place) {
        LinkedHashSet<T> held = bySource.computeIfAbsent(source, k -> new LinkedHashSet<>());
        if (held.remove(place)) {
            held.add(place); // renewed: its count stays
            return;
        }
        held.add(place);
        counts.moved(source, held.size() - 1, held.size());
    }

    /** {@code place}, held by {@code source}, is gone. */
    void release(InetAddress source, T place) {
        LinkedHashSet<T> held = bySource.get(source);
        if (held != null && held.remove(place)) {
            counts.moved(source, held.size() + 1, held.size());
            if (held.isEmpty()) {
                bySource.remove(source);
            }
        }
    }

    /** How many sources hold a place. */
    int count() {
        return bySource.size();
    }

    int held(InetAddress source) {
        LinkedHashSet<T> held = bySource.get(source);
        return held == null ? 0 : held.size();
    }

    /**
     * Where a newcomer from {@code source} takes its place when the cap is full: the places of the source
     * holding the most, stalest first, when that source holds at least two more than {@code source} does
     * (giving one up then still leaves it at least as many as the newcomer's source will hold); empty when
     * no source holds that much more, and the newcomer is refused. A source never displaces itself.
     */
    Iterable<T> displaceable(InetAddress source) {
        int own = held(source);
        if (counts.most() < own + 2) {
            return java.util.List.of();
        }
        return bySource.get(counts.oneHoldingTheMost());
    }

    /** {@code source}'s places, stalest first (empty when it holds none). */
    Iterable<T> heldBy(InetAddress source) {
        LinkedHashSet<T> held = bySource.get(source);
        return held == null ? java.util.List.of() : held;
    }

    /** Whether no source but {@code source} holds a place (none at all included). */
    boolean heldOnlyBy(InetAddress source) {
        return bySource.isEmpty() || bySource.size() == 1 && bySource.containsKey(source);
    }

    void clear() {
        bySource.clear();
        counts.clear();
    }
}
