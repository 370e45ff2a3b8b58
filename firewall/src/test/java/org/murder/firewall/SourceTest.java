package org.murder.firewall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SourceTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        // text             | cidr                    | nft form
        "10.0.0.0/8         | 10.0.0.0/8              | 10.0.0.0/8",
        "10.213.0.5         | 10.213.0.5/32           | 10.213.0.5",
        "0.0.0.0/0          | 0.0.0.0/0               | 0.0.0.0/0",
        "fd00::/8           | fd00::/8                | fd00::/8",
        "2001:DB8:0:0:0:0:0:1 | 2001:db8::1/128       | 2001:db8::1",
        "2001:db8:0:0:1:0:0:0/80 | 2001:db8:0:0:1::/80 | 2001:db8:0:0:1::/80",
        "::/0               | ::/0                    | ::/0",
        " 192.168.1.0/24    | 192.168.1.0/24          | 192.168.1.0/24",
    })
    void mustParse(String text, String cidr, String nft) {
        Source s = Source.parse(text);
        assertEquals(cidr, s.cidr());
        assertEquals(nft, s.nftText());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "10.0.0.1/8      | source '10.0.0.1/8' (expected: no host bits set after /8, like 10.0.0.0/8)",
        "fd00::1/8       | source 'fd00::1/8' (expected: no host bits set after /8, like fd00::/8)",
        "10.0.0.0/33     | source '10.0.0.0/33' (expected: a prefix length from 0 to 32 after the '/')",
        "10.0.0.0/       | source '10.0.0.0/' (expected: a prefix length from 0 to 32 after the '/')",
        "fd00::/129      | source 'fd00::/129' (expected: a prefix length from 0 to 128 after the '/')",
        "example.com     | source 'example.com' (expected: an IPv4 or IPv6 network like 10.0.0.0/8, 192.168.1.5 or fd00::/8)",
        "10.0.0          | source '10.0.0' (expected: an IPv4 or IPv6 network like 10.0.0.0/8, 192.168.1.5 or fd00::/8)",
        "300.0.0.0/8     | source '300.0.0.0/8' (expected: an IPv4 or IPv6 network like 10.0.0.0/8, 192.168.1.5 or fd00::/8)",
        "/8              | source '/8' (expected: an IPv4 or IPv6 network like 10.0.0.0/8, 192.168.1.5 or fd00::/8)",
        "010.0.0.0/8     | source '010.0.0.0/8' (expected: decimal octets without leading zeros (010 is 8 to inet_aton, 10 to others))",
        "10.0.01.0/24    | source '10.0.01.0/24' (expected: decimal octets without leading zeros (010 is 8 to inet_aton, 10 to others))",
        "::ffff:10.0.0.1 | source '::ffff:10.0.0.1' (expected: an IPv6 network, not an IPv4-mapped address (::ffff:A.B.C.D): name the IPv4 network itself)",
    })
    void mustFail(String text, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> Source.parse(text)).getMessage());
    }

    @ParameterizedTest
    @CsvSource({
        "0:0:0:0:0:0:0:0, ::",
        "0:0:0:0:0:0:0:1, ::1",
        "2001:db8:0:1:0:0:0:1, 2001:db8:0:1::1",
        "2001:0:0:1:0:0:0:1, 2001:0:0:1::1",
        "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
        "fe80:0:0:0:1:0:0:0, fe80::1:0:0:0",
    })
    void compressesLikeRfc5952(String full, String expected) throws Exception {
        assertEquals(expected, Source.compress(java.net.InetAddress.getByName(full).getAddress()));
    }

    /** As inet_ntop, and so nft's listing: an address written otherwise never matched its own listing ("missing" for ever). */
    @ParameterizedTest
    @CsvSource({
        "0000:0000:0000:0000:0000:0000:0a00:0000, ::10.0.0.0",
        "0000:0000:0000:0000:0000:ffff:0a00:0005, ::ffff:10.0.0.5",
        "0000:0000:0000:0000:0000:0000:0000:0100, ::100",
        "0000:0000:0000:0000:0001:ffff:0a00:0005, ::1:ffff:a00:5",
    })
    void ipv4CompatibleAndMappedAddressesEndInADottedQuad(String groups, String expected) {
        byte[] b = new byte[16];
        String[] g = groups.split(":");
        for (int i = 0; i < 8; i++) {
            int v = Integer.parseInt(g[i], 16);
            b[2 * i] = (byte) (v >> 8);
            b[2 * i + 1] = (byte) v;
        }
        assertEquals(expected, Source.compress(b));
    }
}
