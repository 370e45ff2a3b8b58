package org.murder.tracker.http;

import io.netty.util.NetUtil;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;
import org.murder.core.InfoHash;
import org.murder.core.PeerId;
import org.murder.core.RackName;
import org.murder.tracker.swarm.Announce;
import org.murder.tracker.swarm.Event;

/**
 * A parsed {@code GET /announce} (BEP 3): the {@link Announce} itself and how the client wants
 * the peer list (compact, BEP 23, unless {@code compact=0}; {@code no_peer_id}).
 */
public record AnnounceQuery(Announce announce, boolean compact, boolean noPeerId) {
    /** Largest numwant accepted at all; anything up to it is then capped to the tracker's maximum. */
    public static final int NUMWANT_LIMIT = 65535;
    private static final int MAX_KEY_LENGTH = 128;

    /** How {@code numwant} and {@code ip} are treated; from the tracker's config. */
    public record Policy(int defaultNumwant, int maxNumwant, boolean acceptIpParameter) {
    }

    /**
     * Validates every parameter of {@code q}; {@code remote} is the connection's address, used
     * unless the query carries a valid {@code ip} and the policy accepts it.
     *
     * @throws HttpError 400 naming the first bad parameter
     */
    public static AnnounceQuery parse(Query q, InetAddress remote, Policy policy) {
        for (String name : SINGLE) {
            int n = q.count(name);
            if (n > 1) { // which one counts would be a guess: the first, for us; the last, for another tracker
                throw HttpError.badRequest(name + ": given " + n + " times (expected: once)");
            }
        }
        InfoHash infoHash = InfoHash.of(exactly20(q, "info_hash"));
        PeerId peerId = PeerId.of(exactly20(q, "peer_id"));
        long port = number(q, "port", true, 0);
        if (port < 1 || port > 65535) {
            throw HttpError.badRequest("port: " + port + " (expected: 1 to 65535)");
        }
        long uploaded = number(q, "uploaded", false, 0);
        long downloaded = number(q, "downloaded", false, 0);
        long left = number(q, "left", true, 0);
        String eventText = q.text("event");
        Event event = eventText == null ? Event.NONE : Event.parse(eventText).orElseThrow(
                () -> HttpError.badRequest("event: '" + printable(eventText) + "' (expected: " + Event.EXPECTED + ")"));
        long numwant = number(q, "numwant", false, policy.defaultNumwant());
        if (numwant > NUMWANT_LIMIT) {
            throw HttpError.badRequest("numwant: " + numwant + " (expected: 0 to " + NUMWANT_LIMIT + ")");
        }
        byte[] key = q.first("key");
        if (key != null && key.length > MAX_KEY_LENGTH) {
            throw HttpError.badRequest("key: " + key.length + " bytes (expected: at most " + MAX_KEY_LENGTH + ")");
        }
        InetAddress source = normalize(remote);
        InetAddress address = source;
        String ip = q.text("ip");
        if (ip != null && !ip.isEmpty()) {
            InetAddress given = literal(ip);
            if (policy.acceptIpParameter()) {
                address = given;
            }
        }
        Optional<RackName> rack = rack(q.text("rack"));
        Announce a = new Announce(infoHash, peerId, address, (int) port, uploaded, downloaded, left, event,
                (int) Math.min(numwant, policy.maxNumwant()), rack, source);
        return new AnnounceQuery(a, !"0".equals(q.text("compact")), "1".equals(q.text("no_peer_id")));
    }

    /** The parameters an announce takes once (BEP 3, 23, 7's ip, ours: rack). */
    private static final List<String> SINGLE = List.of("info_hash", "peer_id", "port", "uploaded", "downloaded", "left", "event",
            "numwant", "key", "ip", "rack", "compact", "no_peer_id");

    static byte[] exactly20(Query q, String name) {
        byte[] v = q.first(name);
        if (v == null) {
            throw HttpError.badRequest("missing " + name + " (expected: 20 bytes, percent-encoded)");
        }
        if (v.length != 20) {
            throw HttpError.badRequest(name + ": " + v.length + " bytes (expected: 20)");
        }
        return v;
    }

    /** A non-negative decimal that fits a long; {@code fallback} when absent and not required. */
    static long number(Query q, String name, boolean required, long fallback) {
        String v = q.text(name);
        if (v == null) {
            if (required) {
                throw HttpError.badRequest("missing " + name);
            }
            return fallback;
        }
        boolean digits = !v.isEmpty() && v.length() <= 18;
        for (int i = 0; digits && i < v.length(); i++) {
            char c = v.charAt(i);
            digits = c >= '0' && c <= '9';
        }
        if (!digits) {
            String expected = v.startsWith("-") ? "a non-negative integer" : "a decimal integer below 10^18";
            throw HttpError.badRequest(name + ": '" + printable(v) + "' (expected: " + expected + ")");
        }
        return Long.parseLong(v);
    }

    /** murder's own parameter (standard clients send none): absent or empty is no rack. */
    static Optional<RackName> rack(String text) {
        if (text == null || text.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new RackName(text));
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest("rack: '" + printable(text) + "' (expected: " + RackName.EXPECTED + ")");
        }
    }

    /** An IP literal, never a DNS lookup. */
    static InetAddress literal(String ip) {
        if (ip.indexOf('%') >= 0) { // fe80::1%eth0: the zone is the sender's interface, meaningless to the peers handed it
            throw HttpError.badRequest("ip: '" + printable(ip) + "' (expected: an address without a zone, one other hosts can"
                    + " reach)");
        }
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(ip);
        if (bytes == null) {
            throw HttpError.badRequest("ip: '" + printable(ip) + "' (expected: an IPv4 or IPv6 address)");
        }
        try {
            InetAddress a = normalize(InetAddress.getByAddress(bytes));
            boolean broadcast = a instanceof java.net.Inet4Address && java.util.Arrays.equals(a.getAddress(),
                    new byte[] {(byte) 255, (byte) 255, (byte) 255, (byte) 255});
            if (a.isAnyLocalAddress() || a.isMulticastAddress() || broadcast) {
                throw HttpError.badRequest("ip: '" + printable(ip) + "' (expected: a unicast address)");
            }
            return a;
        } catch (UnknownHostException e) {
            throw HttpError.badRequest("ip: '" + printable(ip) + "' (expected: an IPv4 or IPv6 address)");
        }
    }

    /** IPv4-mapped IPv6 addresses ({@code ::ffff:10.0.0.1}) become plain IPv4. */
    static InetAddress normalize(InetAddress a) {
        if (a instanceof Inet6Address) {
            byte[] b = a.getAddress();
            boolean mapped = b[10] == (byte) 0xff && b[11] == (byte) 0xff;
            for (int i = 0; mapped && i < 10; i++) {
                mapped = b[i] == 0;
            }
            if (mapped) {
                try {
                    return InetAddress.getByAddress(java.util.Arrays.copyOfRange(b, 12, 16));
                } catch (UnknownHostException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return a;
    }

    /** At most 64 chars, control and non-ASCII bytes as {@code %XX}: safe to echo in a reason or a log. */
    static String printable(String s) {
        return printable(s, 64);
    }

    static String printable(String s, int max) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < max; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '%' && c != '\'') {
                sb.append(c);
            } else {
                sb.append('%').append(String.format("%02X", (int) c & 0xff));
            }
        }
        return sb.length() >= max && sb.length() < s.length() ? sb + "..." : sb.toString();
    }
}
