package org.murder.core.bencode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BencodeDecoderTest {

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Must-load table: input, then its canonical re-encoding. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "i0e | i0e",
        "i42e | i42e",
        "i-42e | i-42e",
        "i9223372036854775807e | i9223372036854775807e",
        "i-9223372036854775807e | i-9223372036854775807e",
        "0: | 0:",
        "4:spam | 4:spam",
        "le | le",
        "l4:spami7ee | l4:spami7ee",
        "de | de",
        "d3:cow3:moo4:spam4:eggse | d3:cow3:moo4:spam4:eggse",
        // keys out of order are accepted and re-encoded sorted
        "d4:spam4:eggs3:cow3:mooe | d3:cow3:moo4:spam4:eggse",
        "d1:ald1:bleeee | d1:ald1:bleeee",
    })
    void loads(String input, String canonical) {
        BValue v = Bencode.decode(ascii(input));
        assertEquals(canonical, new String(Bencode.encode(v), StandardCharsets.ISO_8859_1));
    }

    /** Must-fail table: input, reason, byte offset, exact message. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "'' | EMPTY_INPUT | 0 | bencode: empty input at byte 0",
        "i | UNEXPECTED_END | 1 | bencode: unexpected end of input at byte 1",
        "i42 | UNEXPECTED_END | 3 | bencode: unexpected end of input at byte 3",
        "ie | EXPECTED_DIGIT | 1 | bencode: expected a digit (found 'e') at byte 1",
        "i-e | EXPECTED_DIGIT | 2 | bencode: expected a digit (found 'e') at byte 2",
        "i03e | LEADING_ZERO | 1 | bencode: leading zero at byte 1",
        "i-0e | NEGATIVE_ZERO | 1 | bencode: negative zero at byte 1",
        "i--1e | EXPECTED_DIGIT | 2 | bencode: expected a digit (found '-') at byte 2",
        "i1x2e | EXPECTED_DIGIT | 2 | bencode: expected a digit (found 'x') at byte 2",
        "i9223372036854775808e | INTEGER_OVERFLOW | 1 | bencode: integer does not fit 64 bits at byte 1",
        "03:abc | LEADING_ZERO | 0 | bencode: leading zero at byte 0",
        "5:abc | UNEXPECTED_END | 5 | bencode: unexpected end of input (string of 5 bytes at byte 0) at byte 5",
        "-3:abc | UNEXPECTED_BYTE | 0 | bencode: unexpected byte (found '-') at byte 0",
        "l4:spam | UNEXPECTED_END | 7 | bencode: unexpected end of input at byte 7",
        "i1ei2e | TRAILING_DATA | 3 | bencode: trailing data after the value (3 bytes) at byte 3",
        "4:spamX | TRAILING_DATA | 6 | bencode: trailing data after the value (1 bytes) at byte 6",
        "di1e3:fooe | KEY_NOT_STRING | 1 | bencode: dictionary key is not a string (found 'i') at byte 1",
        "d1:ai1e1:ai2ee | DUPLICATE_KEY | 7 | bencode: duplicate dictionary key ('a') at byte 7",
        "d1:ae | UNEXPECTED_BYTE | 4 | bencode: unexpected byte (found 'e') at byte 4",
        "x | UNEXPECTED_BYTE | 0 | bencode: unexpected byte (found 'x') at byte 0",
    })
    void rejects(String input, BencodeException.Reason reason, long offset, String message) {
        BencodeException e = assertThrows(BencodeException.class, () -> Bencode.decode(ascii(input)));
        assertEquals(reason, e.reason());
        assertEquals(offset, e.offset());
        assertEquals(message, e.getMessage());
        assertEquals(2, e.exitCode());
    }

    @Test
    void nestingBombStopsAtTheDepthLimit() {
        byte[] bomb = ascii("l".repeat(100_000) + "e".repeat(100_000));
        BencodeException e = assertThrows(BencodeException.class, () -> Bencode.decode(bomb));
        assertEquals(BencodeException.Reason.DEPTH_EXCEEDED, e.reason());
        assertEquals(100, e.offset());
        assertEquals("bencode: nesting deeper than the limit (limit 100) at byte 100", e.getMessage());
    }

    @Test
    void itemBombStopsAtTheItemLimit() {
        BencodeDecoder decoder = new BencodeDecoder(new BencodeLimits(10, 1000, 1 << 20));
        byte[] many = ascii("l" + "i1e".repeat(5000) + "e");
        BencodeException e = assertThrows(BencodeException.class, () -> decoder.decode(many));
        assertEquals(BencodeException.Reason.TOO_MANY_ITEMS, e.reason());
        assertEquals(1 + 999 * 3, e.offset());
    }

    @Test
    void hugeDeclaredStringIsRejectedBeforeAllocating() {
        BencodeDecoder decoder = new BencodeDecoder(new BencodeLimits(10, 1000, 1024));
        BencodeException e = assertThrows(BencodeException.class, () -> decoder.decode(ascii("2000000000:x")));
        assertEquals(BencodeException.Reason.STRING_TOO_LONG, e.reason());
        assertEquals("bencode: string longer than the limit (2000000000 bytes, limit 1024) at byte 0", e.getMessage());
    }

    @Test
    void keepsTheOriginalBytesOfTopLevelValues() {
        // keys out of order inside info: a re-encoding would sort them and change the infohash
        byte[] doc = ascii("d4:infod1:zi1e1:ai2ee3:fooi3ee");
        BencodeDocument d = new BencodeDecoder(BencodeLimits.DEFAULT).decodeDocument(doc);
        assertArrayEquals(ascii("d1:zi1e1:ai2ee"), d.rawValue("info").orElseThrow());
        assertArrayEquals(ascii("i3e"), d.rawValue("foo").orElseThrow());
    }

    @Test
    void binaryStringsAndKeysRoundTrip() {
        byte[] key = {(byte) 0xff, 0x00, 0x41};
        byte[] value = {0, 1, 2, (byte) 0x80, (byte) 0xfe};
        BDict dict = new BDict(new java.util.TreeMap<>(java.util.Map.of(
                new String(key, StandardCharsets.ISO_8859_1), BString.of(value))));
        byte[] encoded = Bencode.encode(dict);
        BDict back = (BDict) Bencode.decode(encoded);
        assertEquals(dict, back);
        assertArrayEquals(value, ((BString) back.entries().values().iterator().next()).bytes());
    }

    @Test
    void encoderSortsKeysByRawBytes() {
        BDict d = BDict.builder().put("b", 1).put("a", 2).put("B", 3).put("\u00e9", 4).build();
        assertEquals("d1:Bi3e1:ai2e1:bi1e2:\u00c3\u00a9i4ee", new String(Bencode.encode(d), StandardCharsets.ISO_8859_1));
        assertEquals(List.of(BDict.key("B"), "a", "b", BDict.key("\u00e9")), List.copyOf(d.entries().keySet()));
    }
}
