package org.murder.tracker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.murder.core.InfoHash;
import org.murder.core.PeerId;
import org.murder.tracker.swarm.AnnounceResult;
import org.murder.tracker.swarm.PeerEntry;
import org.murder.tracker.swarm.ScrapeStats;

class ResponsesTest {
    private static String latin1(ByteBuf b) {
        try {
            return b.toString(StandardCharsets.ISO_8859_1);
        } finally {
            b.release();
        }
    }

    private static PeerEntry peer(String ip, int port, char id) throws Exception {
        return new PeerEntry(PeerId.of(String.valueOf(id).repeat(20).getBytes(StandardCharsets.US_ASCII)),
                InetAddress.getByName(ip), port, 0, 0, 0, false, 0);
    }

    @Test
    void compactAnnounceHasSixBytesPerIpv4PeerAndPeers6ForIpv6() throws Exception {
        AnnounceResult r = new AnnounceResult(2, 1, 7, List.of(peer("10.0.0.1", 6881, 'a'), peer("::1", 258, 'b')));
        ByteBuf out = Unpooled.buffer();
        Responses.announce(out, r, 15, 5, true, false);
        assertEquals("d8:completei2e10:downloadedi7e10:incompletei1e8:intervali15e12:min intervali5e"
                + "5:peers6:\n\u0000\u0000\u0001\u001a\u00e1"            // 10.0.0.1, port 6881 = 0x1AE1
                + "6:peers618:" + "\u0000".repeat(15) + "\u0001\u0001\u0002e", // ::1, port 258 = 0x0102
                latin1(out));
    }

    @Test
    void aPeerThatGaveARackIsToldItsRackMatesAddressesAndItsGatewayShareUnderMurdersOwnKeys() throws Exception {
        AnnounceResult r = new AnnounceResult(0, 3, 0, List.of(), List.of(InetAddress.getByName("10.0.0.2"),
                InetAddress.getByName("::2"), InetAddress.getByName("10.0.0.3")), new org.murder.core.GatewayShare(1, 2));
        ByteBuf out = Unpooled.buffer();
        Responses.announce(out, r, 15, 5, true, false);
        assertEquals("d8:completei0e10:downloadedi0e10:incompletei3e8:intervali15e12:min intervali5e"
                + "14:murder gatewayi1e15:murder gatewaysi2e"                     // gateway 1 of its rack's 2
                + "11:murder rack8:\n\u0000\u0000\u0002\n\u0000\u0000\u0003"   // keys in raw byte order: before "peers"
                + "12:murder rack616:" + "\u0000".repeat(15) + "\u0002"
                + "5:peers0:e", latin1(out));
    }

    @Test
    void dictionaryModelListsIpPeerIdAndPortUnlessNoPeerId() throws Exception {
        AnnounceResult r = new AnnounceResult(1, 0, 0, List.of(peer("10.0.0.1", 6881, 'a')));
        ByteBuf out = Unpooled.buffer();
        Responses.announce(out, r, 15, 5, false, false);
        assertEquals("d8:completei1e10:downloadedi0e10:incompletei0e8:intervali15e12:min intervali5e"
                + "5:peersld2:ip8:10.0.0.17:peer id20:aaaaaaaaaaaaaaaaaaaa4:porti6881eeee", latin1(out));
        out = Unpooled.buffer();
        Responses.announce(out, r, 15, 5, false, true);
        assertEquals("d8:completei1e10:downloadedi0e10:incompletei0e8:intervali15e12:min intervali5e"
                + "5:peersld2:ip8:10.0.0.14:porti6881eeee", latin1(out));
    }

    @Test
    void scrapeSortsInfohashesByRawBytes() {
        Map<InfoHash, ScrapeStats> files = new LinkedHashMap<>();
        files.put(InfoHash.of(("\u00ff" + "b".repeat(19)).getBytes(StandardCharsets.ISO_8859_1)), new ScrapeStats(1, 2, 3));
        files.put(InfoHash.of("a".repeat(20).getBytes(StandardCharsets.ISO_8859_1)), ScrapeStats.EMPTY);
        ByteBuf out = Unpooled.buffer();
        Responses.scrape(out, files);
        assertEquals("d5:filesd20:" + "a".repeat(20) + "d8:completei0e10:downloadedi0e10:incompletei0ee"
                + "20:\u00ff" + "b".repeat(19) + "d8:completei1e10:downloadedi3e10:incompletei2eeee", latin1(out));
    }

    @Test
    void failureReasonIsUtf8() {
        ByteBuf out = Unpooled.buffer();
        Responses.failure(out, "nö");
        assertEquals("d14:failure reason3:n\u00c3\u00b6e", latin1(out));
    }
}
