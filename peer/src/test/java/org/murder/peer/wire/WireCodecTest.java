package org.murder.peer.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.murder.core.InfoHash;
import org.murder.core.PeerId;
import org.murder.core.RackName;

class WireCodecTest {
    private static final InfoHash HASH = InfoHash.fromHex("0123456789abcdef0123456789abcdef01234567");
    private EmbeddedChannel channel;

    @AfterEach
    void finish() {
        if (channel != null) {
            assertFalse(channel.finish(), "no messages left over");
        }
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    @Test
    void handshakeSplitAcrossReadsThenAMessageInTheSameBuffer() {
        channel = new EmbeddedChannel(new HandshakeDecoder(), new MessageDecoder(1 << 20));
        PeerId id = PeerId.random();
        ByteBuf hs = Unpooled.buffer();
        new Handshake(HASH, id, true, true).writeTo(hs);
        hs.writeBytes(bytes(0, 0, 0, 5, /* have */ 4, 0, 0, 0, 7));
        channel.writeInbound(hs.readRetainedSlice(10));
        assertNull(channel.readInbound(), "10 bytes are not a handshake yet");
        channel.writeInbound(hs.readRetainedSlice(60));
        Handshake h = channel.readInbound();
        assertEquals(HASH, h.infoHash());
        assertEquals(id, h.peerId());
        assertTrue(h.fastExtension());
        assertTrue(h.extensionProtocol());
        assertEquals(0x10, hs.getByte(20 + 5), "BEP 10: reserved byte 5, bit 0x10");
        assertEquals(0x04, hs.getByte(20 + 7), "BEP 6: reserved byte 7, bit 0x04");
        assertNull(channel.pipeline().get(HandshakeDecoder.class), "the handshake decoder removed itself");
        channel.writeInbound(hs.readRetainedSlice(hs.readableBytes()));
        hs.release();
        assertEquals(new PeerMessage.Have(7), channel.readInbound());
    }

    @Test
    void anEncryptedOpeningIsRefusedAtTheFirstByte() {
        channel = new EmbeddedChannel(new HandshakeDecoder());
        DecoderException e = assertThrows(DecoderException.class, () -> channel.writeInbound(Unpooled.wrappedBuffer(bytes(0xa7, 0x11))));
        assertEquals("handshake: first byte 167 (expected: 19; an encrypted (MSE) or non-BitTorrent connection)",
                e.getCause().getMessage());
        channel = null;
    }

    @Test
    void anHttpHealthCheckIsRefused() {
        channel = new EmbeddedChannel(new HandshakeDecoder());
        assertThrows(DecoderException.class, () -> channel.writeInbound(
                Unpooled.wrappedBuffer("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII))));
        channel = null;
    }

    static List<PeerMessage> messages() {
        return List.of(new PeerMessage.KeepAlive(), new PeerMessage.Choke(), new PeerMessage.Unchoke(),
                new PeerMessage.Interested(), new PeerMessage.NotInterested(), new PeerMessage.HaveAll(),
                new PeerMessage.HaveNone(), new PeerMessage.Have(70000), new PeerMessage.Bitfield(bytes(0xff, 0x80)),
                new PeerMessage.Request(3, 16384, 16384), new PeerMessage.Cancel(3, 16384, 16384),
                new PeerMessage.RejectRequest(1, 0, 131072), new PeerMessage.AllowedFast(9), new PeerMessage.SuggestPiece(2),
                new PeerMessage.Port(6881), new PeerMessage.ExtensionHandshake(51413, Optional.of(new RackName("r12"))), new PeerMessage.ExtensionHandshake(0, Optional.empty()),
                new PeerMessage.ExtensionHandshake(7001, Optional.of(new RackName("r1")), Optional.of("0123456789abcdef0123456789abcdef")));
    }

    /** An extended message (id 20) with extended id {@code id} and {@code payload}. */
    private PeerMessage extended(int id, byte[] payload) {
        channel = new EmbeddedChannel(new MessageDecoder(1 << 20));
        ByteBuf frame = Unpooled.buffer();
        frame.writeInt(2 + payload.length).writeByte(MessageIds.EXTENDED).writeByte(id).writeBytes(payload);
        frame.writeInt(5).writeByte(MessageIds.HAVE).writeInt(1);
        channel.writeInbound(frame);
        PeerMessage m = channel.readInbound();
        assertEquals(new PeerMessage.Have(1), channel.readInbound(), "the next message is read where the extended one ends");
        return m;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aLibtorrentExtensionHandshakeGivesItsListeningPort() {
        String libtorrent = "d12:complete_agoi-1e1:md11:lt_donthavei7e10:share_modei8e11:upload_onlyi3e12:ut_holepunchi4e"
                + "11:ut_metadatai2e6:ut_pexi1ee13:metadata_sizei31235e1:pi6881e4:reqqi500e11:upload_onlyi0e"
                + "1:v17:libtorrent 2.0.8\u00006:yourip4:\u007f\u0000\u0000\u0001e";
        assertEquals(new PeerMessage.ExtensionHandshake(6881, Optional.empty()), extended(0, ascii(libtorrent)));
    }

    @Test
    void anExtensionHandshakeItCannotUseGivesNoPortAndKeepsTheConnection() {
        for (String odd : List.of("d1:pi0ee", "d1:pi65536ee", "d1:pi-1ee", "d1:p4:6881e", "d1:md1:pi1eee", "le", "d1:pi6881e",
                "not bencode", "d1:pi99999999999999999999999ee", "d1:pi1e1:pi2ee", "")) {
            assertEquals(new PeerMessage.ExtensionHandshake(0, Optional.empty()), extended(0, ascii(odd)), odd);
        }
        byte[] large = new byte[20_000];
        System.arraycopy(ascii("d1:pi6881e1:x19980:"), 0, large, 0, 19);
        assertEquals(new PeerMessage.ExtensionHandshake(0, Optional.empty()), extended(0, large), "past 16 KiB it is not read");
        assertEquals(new PeerMessage.ExtensionHandshake(6881, Optional.empty()), extended(0, ascii("d11:murder racki7e1:pi6881ee")),
                "a rack that is no string is left out, the port kept");
        assertEquals(new PeerMessage.ExtensionHandshake(0, Optional.empty()), extended(0, ascii("d11:murder rack5:a b/ce")),
                "a rack that is no rack name is left out");
        assertEquals(new PeerMessage.ExtensionHandshake(0, Optional.of(new RackName("r-1"))), extended(0, ascii("d11:murder rack3:r-1e")));
        String proof = "0123456789abcdef0123456789abcdef";
        assertEquals(new PeerMessage.ExtensionHandshake(0, Optional.of(new RackName("r-1")), Optional.of(proof)),
                extended(0, ascii("d11:murder rack3:r-117:murder rack proof32:" + proof + "e")));
        for (String odd : List.of("32:" + proof.toUpperCase(java.util.Locale.ROOT), "31:" + proof.substring(1), "33:" + proof + "0",
                "32:0123456789abcdef0123456789abcdeg", "i5e")) {
            assertEquals(new PeerMessage.ExtensionHandshake(0, Optional.of(new RackName("r-1"))),
                    extended(0, ascii("d11:murder rack3:r-117:murder rack proof" + odd + "e")), "a proof that is not 32 lower-case hex digits is left out: " + odd);
        }
        assertEquals(new PeerMessage.ExtensionHandshake(0, Optional.empty()), extended(0, ascii("d17:murder rack proof32:" + proof + "e")),
                "a proof without a rack is left out");
    }

    @Test
    void otherExtendedMessagesAreSkipped() {
        assertEquals(new PeerMessage.Extended(3, 11), extended(3, ascii("d1:pi6881ee")), "only extended id 0 is a handshake");
    }

    @Test
    void ourExtensionHandshakeOffersNoExtensionsAndSaysOurPort() {
        channel = new EmbeddedChannel(MessageEncoder.INSTANCE);
        channel.writeOutbound(new PeerMessage.ExtensionHandshake(7001, Optional.empty()));
        ByteBuf out = channel.readOutbound();
        assertEquals(MessageIds.EXTENDED, out.getByte(4));
        assertEquals(0, out.getByte(5), "extended id 0: the handshake");
        assertEquals("d1:mde1:pi7001e1:v6:murdere", out.toString(6, out.readableBytes() - 6, StandardCharsets.ISO_8859_1));
        assertEquals(out.readableBytes() - 4, out.getInt(0));
        out.release();
    }

    @ParameterizedTest
    @MethodSource("messages")
    void encodeThenDecodeGivesTheSameMessage(PeerMessage m) {
        channel = new EmbeddedChannel(new MessageDecoder(1 << 20), MessageEncoder.INSTANCE);
        assertTrue(channel.writeOutbound(m));
        ByteBuf encoded = channel.readOutbound();
        // feed it back one byte at a time: the decoder must wait for whole frames
        while (encoded.isReadable()) {
            channel.writeInbound(encoded.readRetainedSlice(1));
        }
        encoded.release();
        assertEquals(m, channel.readInbound());
    }

    @Test
    void pieceDataIsNotCopiedOnTheWayOut() {
        channel = new EmbeddedChannel(MessageEncoder.INSTANCE);
        ByteBuf data = Unpooled.wrappedBuffer(new byte[] {1, 2, 3});
        channel.writeOutbound(new PeerMessage.Piece(5, 32768, data));
        ByteBuf header = channel.readOutbound();
        ByteBuf body = channel.readOutbound();
        assertEquals(13, header.readableBytes());
        assertEquals(12, header.getInt(0));
        assertEquals(7, header.getByte(4));
        assertTrue(body == data, "the same buffer, not a copy");
        header.release();
        body.release();
        assertEquals(0, data.refCnt());
    }

    @Test
    void anUploadIsAHeaderThenTheFileRegionsThemselves() throws Exception {
        channel = new EmbeddedChannel(MessageEncoder.INSTANCE);
        java.nio.file.Path file = java.nio.file.Files.createTempFile("upload", ".bin");
        try (java.nio.channels.FileChannel fc = java.nio.channels.FileChannel.open(file)) {
            io.netty.channel.DefaultFileRegion first = new io.netty.channel.DefaultFileRegion(fc, 0, 100);
            io.netty.channel.DefaultFileRegion second = new io.netty.channel.DefaultFileRegion(fc, 0, 28);
            channel.writeOutbound(new BlockUpload(3, 16384, 128, List.of(first, second)));
            ByteBuf header = channel.readOutbound();
            assertEquals(13, header.readableBytes());
            assertEquals(9 + 128, header.getInt(0));
            assertEquals(7, header.getByte(4));
            assertEquals(3, header.getInt(5));
            assertEquals(16384, header.getInt(9));
            header.release();
            // the regions go to the transport as they are: sendfile(2), never read into a buffer
            assertTrue(channel.readOutbound() == first);
            assertTrue(channel.readOutbound() == second);
            assertEquals(1, first.refCnt(), "the transport holds them now, the upload no longer");
            first.release();
            second.release();
            BlockUpload dropped = new BlockUpload(0, 0, 100, List.of(new io.netty.channel.DefaultFileRegion(fc, 0, 100)));
            io.netty.channel.FileRegion held = dropped.regions().get(0);
            dropped.release(); // as Netty does with a message written to a closed channel
            assertEquals(0, held.refCnt(), "an upload that never reached the encoder releases its regions");
        } finally {
            java.nio.file.Files.delete(file);
        }
        assertThrows(IllegalArgumentException.class, () -> new BlockUpload(0, 0, 129, List.of()), "regions must hold the block");
    }

    @Test
    void pieceIsAReferenceCountedSliceOfTheFrame() {
        channel = new EmbeddedChannel(new MessageDecoder(1 << 20));
        channel.writeInbound(Unpooled.wrappedBuffer(bytes(0, 0, 0, 12, 7, 0, 0, 0, 1, 0, 0, 0x40, 0, 9, 8, 7)));
        PeerMessage.Piece p = channel.readInbound();
        assertEquals(1, p.piece());
        assertEquals(16384, p.begin());
        byte[] body = new byte[3];
        p.data().getBytes(p.data().readerIndex(), body);
        assertArrayEquals(bytes(9, 8, 7), body);
        assertTrue(p.release());
    }

    @Test
    void aPieceSpreadOverThreeReadsArrivesWholeWithTheMessageAfterIt() {
        channel = new EmbeddedChannel(new MessageDecoder(MessageDecoder.maxFrameFor(10)));
        byte[] block = new byte[64 * 1024];
        new java.util.Random(7).nextBytes(block);
        ByteBuf wire = Unpooled.buffer();
        wire.writeInt(9 + block.length).writeByte(MessageIds.PIECE).writeInt(3).writeInt(65536).writeBytes(block);
        wire.writeInt(5).writeByte(MessageIds.HAVE).writeInt(2);
        // reads that end inside the header, inside the data, and after the next message
        channel.writeInbound(wire.readRetainedSlice(7));
        channel.writeInbound(wire.readRetainedSlice(40_000));
        assertNull(channel.readInbound(), "not whole yet");
        channel.writeInbound(wire.readRetainedSlice(wire.readableBytes()));
        wire.release();
        PeerMessage.Piece p = channel.readInbound();
        assertEquals(3, p.piece());
        assertEquals(65536, p.begin());
        assertEquals(2, p.data().nioBuffers().length, "a slice of the two reads it came in, not a copy");
        byte[] got = new byte[block.length];
        p.data().getBytes(p.data().readerIndex(), got);
        assertArrayEquals(block, got);
        assertTrue(p.release());
        assertEquals(new PeerMessage.Have(2), channel.readInbound());
        assertEquals(0, wire.refCnt(), "every read released");
    }

    @Test
    void aPeerSendingOneByteAtATimeCannotPileUpBuffers() {
        channel = new EmbeddedChannel(new MessageDecoder(MessageDecoder.maxFrameFor(10)));
        ByteBuf wire = Unpooled.buffer();
        wire.writeInt(9 + 100).writeByte(MessageIds.PIECE).writeInt(0).writeInt(0).writeBytes(new byte[100]);
        while (wire.isReadable()) {
            channel.writeInbound(wire.readRetainedSlice(1));
        }
        wire.release();
        PeerMessage.Piece p = channel.readInbound();
        int parts = p.data().nioBuffers().length;
        assertTrue(parts <= MessageDecoder.MAX_PARTS, parts + " parts");
        assertTrue(p.release());
        assertEquals(0, wire.refCnt());
    }

    @Test
    void aPieceWithAnIndexOutOfRangeIsAWireErrorThatKeepsNoBuffer() {
        // a hostile peer sent 750 of these, each with 128 KiB, and every one leaked its frame (direct memory ran out)
        for (int[] at : new int[][] {{-1, 0}, {0, -1}, {Integer.MIN_VALUE, Integer.MIN_VALUE}}) {
            channel = new EmbeddedChannel(new MessageDecoder(1 << 20));
            ByteBuf wire = Unpooled.directBuffer();
            wire.writeInt(9 + 1024).writeByte(MessageIds.PIECE).writeInt(at[0]).writeInt(at[1]).writeBytes(new byte[1024]);
            ByteBuf sent = wire.retain();
            DecoderException e = assertThrows(DecoderException.class, () -> channel.writeInbound(sent));
            assertInstanceOf(WireException.class, e.getCause());
            assertEquals("piece message: piece " + Integer.toUnsignedString(at[0]) + ", begin " + Integer.toUnsignedString(at[1])
                    + " (expected: both below 2^31)", e.getCause().getMessage());
            channel.finishAndReleaseAll();
            assertEquals(1, wire.refCnt(), "only our own reference is left: the decoder kept no slice of the frame");
            wire.release();
            channel = null;
        }
    }

    @Test
    void theLargestFrameComesDownToWhatTheTorrentNeedsAndNeverGoesUp() {
        MessageDecoder decoder = new MessageDecoder(1 << 20);
        decoder.maxFrame(MessageDecoder.maxFrameFor(10)); // a 128 KiB block and its header
        decoder.maxFrame(1 << 24); // not raised
        channel = new EmbeddedChannel(decoder);
        DecoderException e = assertThrows(DecoderException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(bytes(0, 2, 0, 10, 7))));
        assertEquals("message length 131082 (expected: at most 131081)", e.getCause().getMessage());
        channel = null;
    }

    /** Must-fail table: bytes after the handshake, and the exact error. */
    static List<Object[]> malformed() {
        return List.of(
                new Object[] {bytes(0, 0x10, 0, 0), "message length 1048576 (expected: at most 65536)"},
                new Object[] {bytes(0, 0, 0, 3, 4, 0, 0), "message id 4 payload 2 bytes (expected: 4)"},
                new Object[] {bytes(0, 0, 0, 2, 0, 0), "message id 0 payload 1 bytes (expected: 0)"},
                new Object[] {bytes(0, 0, 0, 1, 99), "unknown message id 99 (length 1)"},
                new Object[] {bytes(0, 0, 0, 13, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1),
                    "message id 6: request length 131073 (expected: 1 to 131072)"},
                new Object[] {bytes(0, 0, 0, 5, 4, 0xff, 0xff, 0xff, 0xff), "message id 4: piece 4294967295 (expected: < 2^31)"},
                new Object[] {bytes(0, 0, 0, 5, 7, 0, 0, 0, 0), "piece message length 5 (expected: 9 to 131081)"});
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void malformedMessagesAreWireErrors(byte[] input, String message) {
        channel = new EmbeddedChannel(new MessageDecoder(65536));
        DecoderException e = assertThrows(DecoderException.class, () -> channel.writeInbound(Unpooled.wrappedBuffer(input)));
        assertInstanceOf(WireException.class, e.getCause());
        assertEquals(message, e.getCause().getMessage());
        channel = null;
    }
}
