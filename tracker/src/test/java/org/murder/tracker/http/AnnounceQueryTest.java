package org.murder.tracker.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.murder.tracker.TrackerClient;
import org.murder.tracker.swarm.Announce;
import org.murder.tracker.swarm.Event;

class AnnounceQueryTest {
    private static final AnnounceQuery.Policy POLICY = new AnnounceQuery.Policy(50, 200, true);
    private static final String IH = TrackerClient.percent(TrackerClient.id20(1));
    private static final String PID = TrackerClient.percent(TrackerClient.id20(2));
    private static final String VALID = "info_hash=" + IH + "&peer_id=" + PID + "&port=6881&uploaded=1&downloaded=2&left=3";

    private static AnnounceQuery parse(String query) throws Exception {
        return AnnounceQuery.parse(Query.parse(query, 64), InetAddress.getByName("10.1.2.3"), POLICY);
    }

    @Test
    void aFullAnnounceWithDefaults() throws Exception {
        AnnounceQuery q = parse(VALID);
        Announce a = q.announce();
        assertArrayEquals(TrackerClient.id20(1), a.infoHash().toBytes());
        assertArrayEquals(TrackerClient.id20(2), a.peerId().toBytes());
        assertEquals(InetAddress.getByName("10.1.2.3"), a.address());
        assertEquals(6881, a.port());
        assertEquals(1, a.uploaded());
        assertEquals(2, a.downloaded());
        assertEquals(3, a.left());
        assertEquals(Event.NONE, a.event());
        assertEquals(50, a.numwant());
        assertTrue(q.compact());
        assertFalse(q.noPeerId());
    }

    @Test
    void optionalParameters() throws Exception {
        AnnounceQuery q = parse(VALID + "&event=completed&numwant=500&compact=0&no_peer_id=1&key=abc&ip=192.168.7.9");
        assertEquals(Event.COMPLETED, q.announce().event());
        assertEquals(200, q.announce().numwant(), "numwant is capped to the tracker's maximum");
        assertFalse(q.compact());
        assertTrue(q.noPeerId());
        assertEquals(InetAddress.getByName("192.168.7.9"), q.announce().address());
        assertEquals(InetAddress.getByName("10.1.2.3"), q.announce().source(), "caps are shared by where the request came from, not by the ip it gives");
        assertEquals(Event.NONE, parse(VALID + "&event=paused").announce().event(), "BEP 21 paused");
        assertEquals(Event.NONE, parse(VALID + "&event=").announce().event());
        assertEquals(InetAddress.getByName("::1"), parse(VALID + "&ip=::1").announce().address());
    }

    @Test
    void theIpParameterIsIgnoredWhenThePolicySaysSo() throws Exception {
        AnnounceQuery q = AnnounceQuery.parse(Query.parse(VALID + "&ip=10.9.9.9", 64), InetAddress.getByName("10.1.2.3"),
                new AnnounceQuery.Policy(50, 200, false));
        assertEquals(InetAddress.getByName("10.1.2.3"), q.announce().address());
    }

    @Test
    void ipv4MappedRemoteAddressesBecomeIpv4() throws Exception {
        InetAddress mapped = InetAddress.getByAddress(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 10, 0, 0, 1});
        assertEquals(InetAddress.getByName("10.0.0.1"), AnnounceQuery.normalize(mapped));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "no info_hash        | peer_id=%01%02&port=1&left=0                 | missing info_hash (expected: 20 bytes, percent-encoded)",
        "info_hash 19 bytes  | info_hash=%01%02%03%04%05%06%07%08%09%0a%0b%0c%0d%0e%0f%10%11%12%13&peer_id=x&port=1&left=0 | info_hash: 19 bytes (expected: 20)",
        "info_hash 21 bytes  | info_hash=123456789012345678901&port=1&left=0 | info_hash: 21 bytes (expected: 20)",
    })
    void badInfoHash(String name, String query, String message) {
        HttpError e = assertThrows(HttpError.class, () -> parse(query));
        assertEquals(400, e.status().code());
        assertEquals(message, e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "no peer_id          | &peer_id=                | peer_id: 0 bytes (expected: 20)",
        "port 0              | &port=0                  | port: 0 (expected: 1 to 65535)",
        "port 65536          | &port=65536              | port: 65536 (expected: 1 to 65535)",
        "port text           | &port=http               | port: 'http' (expected: a decimal integer below 10^18)",
        "port negative       | &port=-1                 | port: '-1' (expected: a non-negative integer)",
        "left negative       | &left=-5                 | left: '-5' (expected: a non-negative integer)",
        "uploaded huge       | &uploaded=99999999999999999999 | uploaded: '99999999999999999999' (expected: a decimal integer below 10^18)",
        "numwant negative    | &numwant=-1              | numwant: '-1' (expected: a non-negative integer)",
        "numwant huge        | &numwant=100000          | numwant: 100000 (expected: 0 to 65535)",
        "numwant enormous    | &numwant=9999999999999999999999 | numwant: '9999999999999999999999' (expected: a decimal integer below 10^18)",
        "unknown event       | &event=exploded          | event: 'exploded' (expected: started, completed, stopped, paused or empty)",
        "event with bytes    | &event=%FF%0A            | event: '%FF%0A' (expected: started, completed, stopped, paused or empty)",
        "ip hostname         | &ip=tracker.example.com  | ip: 'tracker.example.com' (expected: an IPv4 or IPv6 address)",
        "ip any              | &ip=0.0.0.0              | ip: '0.0.0.0' (expected: a unicast address)",
        "ip broadcast        | &ip=255.255.255.255      | ip: '255.255.255.255' (expected: a unicast address)",
        "ip bad octet        | &ip=10.0.0.256           | ip: '10.0.0.256' (expected: an IPv4 or IPv6 address)",
        "rack with a space   | &rack=row%201            | rack: 'row 1' (expected: 1 to 64 letters, digits, '.', '_', ':' or '-')",
        "rack with a slash   | &rack=dc1/r2             | rack: 'dc1/r2' (expected: 1 to 64 letters, digits, '.', '_', ':' or '-')",
        "rack with bytes     | &rack=r%FF%0A            | rack: 'r%FF%0A' (expected: 1 to 64 letters, digits, '.', '_', ':' or '-')",
        "rack of 65 chars    | &rack=rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr | rack: 'rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr...' (expected: 1 to 64 letters, digits, '.', '_', ':' or '-')",
    })
    void badParameterOverridingAValidOne(String name, String override, String message) {
        // the override comes first so it wins over VALID's value of the same name
        String key = override.substring(1, override.indexOf('='));
        String rest = VALID.replaceAll("(^|&)" + key + "=[^&]*", "");
        HttpError e = assertThrows(HttpError.class, () -> parse(override.substring(1) + "&" + rest));
        assertEquals(400, e.status().code());
        assertEquals(message, e.getMessage());
    }

    @Test
    void aRackIsOptionalAndAnEmptyOneIsNone() throws Exception {
        assertEquals(java.util.Optional.empty(), parse(VALID).announce().rack());
        assertEquals(java.util.Optional.empty(), parse(VALID + "&rack=").announce().rack());
        String longest = "dc-1.row_2:rack-3" + "x".repeat(47);
        assertEquals(longest, parse(VALID + "&rack=" + longest).announce().rack().orElseThrow().value());
    }

    @Test
    void missingPortAndLeftAreBadRequests() {
        assertEquals("missing port", assertThrows(HttpError.class,
                () -> parse("info_hash=" + IH + "&peer_id=" + PID + "&left=0")).getMessage());
        assertEquals("missing left", assertThrows(HttpError.class,
                () -> parse("info_hash=" + IH + "&peer_id=" + PID + "&port=1")).getMessage());
    }

    @Test
    void keyLongerThan128BytesIsRefused() {
        HttpError e = assertThrows(HttpError.class, () -> parse(VALID + "&key=" + "k".repeat(129)));
        assertEquals("key: 129 bytes (expected: at most 128)", e.getMessage());
    }
}
