package org.murder.tracker.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class QueryTest {
    @Test
    void decodesPercentEncodedBinaryAsBytesNeverUtf8() {
        // %C3%A9 is é in UTF-8: as bytes it must stay two bytes 0xC3 0xA9; %FF and %00 are not text at all
        Query q = Query.parse("info_hash=%C3%A9%ff%00AZaz09-._~&port=6881", 16);
        assertArrayEquals(new byte[] {(byte) 0xC3, (byte) 0xA9, (byte) 0xFF, 0, 'A', 'Z', 'a', 'z', '0', '9', '-', '.', '_', '~'},
                q.first("info_hash"));
        assertEquals("6881", q.text("port"));
    }

    @Test
    void rawHighBytesFromTheRequestLineStayBytes() {
        // Netty hands the request target over as one char per byte: 0xE9 arrives as U+00E9
        Query q = Query.parse("peer_id=\u00e9x", 16);
        assertArrayEquals(new byte[] {(byte) 0xE9, 'x'}, q.first("peer_id"));
    }

    @Test
    void plusIsALiteralPlusAndEmptyPartsAreSkipped() {
        Query q = Query.parse("&&key=a+b&&empty=&flag&", 16);
        assertEquals("a+b", q.text("key"));
        assertEquals("", q.text("empty"));
        assertEquals("", q.text("flag"));
        assertNull(q.first("missing"));
        assertEquals(3, q.size());
    }

    @Test
    void repeatedParametersKeepTheirOrder() {
        Query q = Query.parse("info_hash=a&x=1&info_hash=b", 16);
        assertEquals(2, q.all("info_hash").size());
        assertEquals("b", new String(q.all("info_hash").get(1), StandardCharsets.ISO_8859_1));
        assertEquals("a", q.text("info_hash"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "info_hash=%G1                      | malformed percent-encoding at query offset 10 (expected: % and two hex digits)",
        "info_hash=%4                       | malformed percent-encoding at query offset 10 (expected: % and two hex digits)",
        "info_hash=abc%                     | malformed percent-encoding at query offset 13 (expected: % and two hex digits)",
        "a%zz=1                             | malformed percent-encoding at query offset 1 (expected: % and two hex digits)",
        "info_hash=%%41                     | malformed percent-encoding at query offset 10 (expected: % and two hex digits)",
    })
    void junkPercentEncodingIsABadRequest(String query, String message) {
        HttpError e = assertThrows(HttpError.class, () -> Query.parse(query, 16));
        assertEquals(400, e.status().code());
        assertEquals(message, e.getMessage());
    }

    @Test
    void tooManyParametersIsABadRequest() {
        HttpError e = assertThrows(HttpError.class, () -> Query.parse("a=1&b=2&c=3", 2));
        assertEquals("query has more than 2 parameters", e.getMessage());
    }
}
