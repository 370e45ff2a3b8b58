package org.murder.firewall;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * A source network that may reach our ports, like {@code 10.0.0.0/8}, {@code 10.1.2.3} (a host)
 * or {@code fd00::/8}. Host bits must be zero so the rule means what it says.
 *
 * @param network the network address (host bits zero)
 * @param prefix  the prefix length, 0-32 for IPv4, 0-128 for IPv6
 */
public record Source(InetAddress network, int prefix) {
    public static final String EXPECTED = "an IPv4 or IPv6 network like 10.0.0.0/8, 192.168.1.5 or fd00::/8";
    private static final Pattern LITERAL = Pattern.compile("[0-9a-fA-F:.]+");

    public Source {
        int bits = network instanceof Inet4Address ? 32 : 128;
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("prefix /" + prefix + " (expected: 0 to " + bits + ")");
        }
    }

    /** Parses {@code ADDR[/PREFIX]}; only literal addresses, never a name lookup. */
    public static Source parse(String text) {
        String t = text.trim();
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        if (addr.isEmpty() || !LITERAL.matcher(addr).matches() || (addr.indexOf(':') < 0 && !addr.matches("\\d{1,3}(\\.\\d{1,3}){3}"))) {
            throw bad(text, EXPECTED);
        }
        if (addr.indexOf(':') < 0 && addr.matches(".*(^|\\.)0\\d.*")) {
            // inet_aton, and every tool built on it, reads 010 as octal 8: the rule would not be the network another tool sees
            throw bad(text, "decimal octets without leading zeros (010 is 8 to inet_aton, 10 to others)");
        }
        InetAddress a;
        try {
            a = InetAddress.getByName(addr); // a literal: no lookup happens
        } catch (UnknownHostException e) {
            throw bad(text, EXPECTED);
        }
        if (addr.indexOf(':') >= 0 && a instanceof Inet4Address) {
            // Java reads ::ffff:a.b.c.d as the IPv4 address a.b.c.d: its prefix and messages would be IPv4's, not what was written
            throw bad(text, "an IPv6 network, not an IPv4-mapped address (::ffff:A.B.C.D): name the IPv4 network itself");
        }
        int bits = a instanceof Inet4Address ? 32 : 128;
        int prefix = bits;
        if (slash >= 0) {
            String p = t.substring(slash + 1);
            if (!p.matches("\\d{1,3}") || Integer.parseInt(p) > bits) {
                throw bad(text, "a prefix length from 0 to " + bits + " after the '/'");
            }
            prefix = Integer.parseInt(p);
        }
        byte[] b = a.getAddress();
        for (int i = prefix; i < bits; i++) {
            if ((b[i / 8] & (0x80 >>> (i % 8))) != 0) {
                throw bad(text, "no host bits set after /" + prefix + ", like " + new Source(masked(a, prefix), prefix));
            }
        }
        return new Source(a, prefix);
    }

    private static IllegalArgumentException bad(String text, String expected) {
        return new IllegalArgumentException("source '" + text + "' (expected: " + expected + ")");
    }

    private static InetAddress masked(InetAddress a, int prefix) {
        byte[] b = a.getAddress();
        for (int i = prefix; i < b.length * 8; i++) {
            b[i / 8] &= (byte) ~(0x80 >>> (i % 8));
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    public boolean ipv6() {
        return network instanceof Inet6Address;
    }

    /** The address the way iptables and nft print it (IPv6 in the RFC 5952 short form). */
    public String address() {
        return ipv6() ? compress(network.getAddress()) : network.getHostAddress();
    }

    /** {@code ADDR/PREFIX}, always with the prefix (iptables form). */
    public String cidr() {
        return address() + "/" + prefix;
    }

    /** The form nft prints: a single host without its prefix. */
    public String nftText() {
        return prefix == (ipv6() ? 128 : 32) ? address() : cidr();
    }

    @Override
    public String toString() {
        return cidr();
    }

    /**
     * RFC 5952: lower-case hex, no leading zeros, the longest run (2+) of zero groups as {@code ::}; an
     * IPv4-compatible or -mapped address with its last 32 bits as a dotted quad, as inet_ntop writes it.
     */
    static String compress(byte[] b) {
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen && j - i >= 2) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        if (bestStart == 0 && (bestLen == 6 || bestLen == 5 && g[5] == 0xffff)) {
            // an IPv4-compatible or -mapped address, as inet_ntop (and so nft's listing) writes it: ::10.0.0.0,
            // ::ffff:10.0.0.5; written ::a00:0, the rule never matched its own listing and was "missing" for ever
            return (bestLen == 6 ? "::" : "::ffff:") + (b[12] & 0xff) + "." + (b[13] & 0xff) + "." + (b[14] & 0xff) + "." + (b[15] & 0xff);
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }
}
