package org.murder.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ValueTypesTest {

    @ParameterizedTest
    @CsvSource({"16384,16384", "256KiB,262144", "4MiB,4194304", "4M,4194304", "1.5GB,1500000000", "512k,524288",
        "1GiB,1073741824", "10 MB,10000000"})
    void parsesSizes(String text, long bytes) {
        assertEquals(bytes, ByteSize.parse(text).bytes());
    }

    @ParameterizedTest
    @ValueSource(strings = {"r1", "dc-1.row_2:rack-3", "A", "0123456789012345678901234567890123456789012345678901234567890123"})
    void acceptsRackNames(String text) {
        assertEquals(text, RackName.parse(text).value());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''                | rack: '' (expected: 1 to 64 letters, digits, '.', '_', ':' or '-')",
        "row 1             | rack: 'row 1' (expected: 1 to 64 letters, digits, '.', '_', ':' or '-')",
        "dc1/r2            | rack: 'dc1/r2' (expected: 1 to 64 letters, digits, '.', '_', ':' or '-')",
        "café              | rack: 'café' (expected: 1 to 64 letters, digits, '.', '_', ':' or '-')",
        "01234567890123456789012345678901234567890123456789012345678901234 | rack: '01234567890123456789012345678901234567890123456789012345678901234' (expected: 1 to 64 letters, digits, '.', '_', ':' or '-')",
    })
    void rejectsBadRackNames(String text, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> RackName.parse(text)).getMessage());
    }

    @Test
    void gatewaySharesSplitPiecesAndRejectWhatNamesNoGateway() {
        GatewayShare second = new GatewayShare(1, 3);
        assertTrue(second.isGateway());
        assertEquals(java.util.List.of(false, true, false, false, true), java.util.stream.IntStream.range(0, 5)
                .mapToObj(second::owns).toList());
        assertEquals(2, second.shareOf(5));
        assertTrue(new GatewayShare(0, 1).owns(7)); // one gateway: every piece
        assertTrue(GatewayShare.NONE.owns(7) && !GatewayShare.NONE.isGateway());
        for (long[] bad : new long[][] {{3, 3}, {-1, 3}, {0, -1}, {1, 0}, {-1, 0}}) {
            assertTrue(!GatewayShare.valid(bad[0], bad[1]), bad[0] + " of " + bad[1]);
        }
        assertEquals("gateway 3 of 3 (expected: 0 <= gateway < gateways, or 0 of 0)",
                assertThrows(IllegalArgumentException.class, () -> new GatewayShare(3, 3)).getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "abc", "-1", "4XB", "1.5", "4 Mi B"})
    void rejectsBadSizes(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ByteSize.parse(text));
        assertTrue(e.getMessage().startsWith("size '" + text + "'"), e.getMessage());
    }

    @Test
    void aSizeBeyondWhatALongHoldsSaysTheMost() {
        assertEquals("size '99999999999999999999' is too large (expected: at most 8 EiB, 9223372036854775807 bytes; a size like 16384,"
                + " 256KiB, 4MiB or 1.5GB)", assertThrows(IllegalArgumentException.class, () -> ByteSize.parse("99999999999999999999"))
                .getMessage());
    }

    @Test
    void formatsSizes() {
        assertEquals("512 B", ByteSize.format(512));
        assertEquals("256 KiB", ByteSize.format(256 * 1024));
        assertEquals("1.5 GiB", ByteSize.format(3L << 29));
    }

    @ParameterizedTest
    @CsvSource({"50MB/s,50000000", "10MiB/s,10485760", "400Mbit/s,50000000", "unlimited,0", "0,0", "1Gbit,125000000"})
    void parsesRates(String text, long bytesPerSecond) {
        assertEquals(bytesPerSecond, Rate.parse(text).bytesPerSecond());
    }

    @Test
    void rejectsBadRates() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Rate.parse("fast"));
        assertEquals("rate 'fast' (expected: a rate like 50MB/s, 10MiB/s, 400Mbit/s or unlimited)", e.getMessage());
        for (String zero : new String[] {"0MB/s", "0.0001KB/s", "1bit/s"}) {
            assertEquals("rate '" + zero + "' is under 1 byte/s (expected: a rate like 50MB/s, 10MiB/s, 400Mbit/s or unlimited)",
                    assertThrows(IllegalArgumentException.class, () -> Rate.parse(zero)).getMessage(), "not unlimited");
        }
        for (String huge : new String[] {"99999999999999999999", "99999999999TB/s", "2TB/s", "9000Gbit"}) {
            assertEquals("rate '" + huge + "' is over 1 TB/s, more than any link carries (expected: " + Rate.EXPECTED + ")",
                    assertThrows(IllegalArgumentException.class, () -> Rate.parse(huge), huge).getMessage());
        }
        assertEquals(1_000_000_000_000L, Rate.parse("1TB/s").bytesPerSecond());
        String longUnit = assertThrows(IllegalArgumentException.class, () -> Rate.parse("5" + "q".repeat(100_000))).getMessage();
        assertTrue(longUnit.length() < 300, "a 100 KB value is not echoed whole: " + longUnit.length());
    }

    @Test
    void parsesPortRanges() {
        assertEquals(new PortRange(6881, 6889), PortRange.parse("6881-6889"));
        assertEquals(new PortRange(8998, 8998), PortRange.parse("8998"));
        assertEquals(9, PortRange.parse("6881-6889").size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"9000-8000", "0-70000", "0", "65536", "a-b", "6881-", ""})
    void rejectsBadPortRanges(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PortRange.parse(text));
        assertEquals("port range '" + text + "' (expected: FIRST-LAST with 1 <= FIRST <= LAST <= 65535, like 6881-6889)",
                e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"30s,30000", "10m,600000", "1h30m,5400000", "500ms,500", "2d,172800000", "45,45000"})
    void parsesDurations(String text, long millis) {
        assertEquals(Duration.ofMillis(millis), Durations.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "s", "10x", "1h 30m", "-5s", "5s10", "3651d", "3650d1ms", "99999999999999d", "99999999999999999999s",
        "315537897600", "9223372036854775807d"})
    void rejectsBadDurationsAndOnesPastTenYears(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
        assertEquals("duration '" + text + "' (expected: a duration like 500ms, 30s, 10m, 1h30m or 2d, at most 3650d)", e.getMessage());
    }

    @Test
    void tenYearsIsTheLongestDuration() {
        assertEquals(Durations.MAX, Durations.parse("3650d"));
        assertEquals(Durations.MAX, Durations.parse("87600h"));
        assertEquals("3650d", Durations.format(Durations.MAX));
        assertEquals("7d", Durations.format(java.time.Duration.ofDays(7)));
        assertEquals("1d12h30m", Durations.format(Durations.parse("36h30m")));
        assertEquals(Durations.parse("1d12h30m"), Durations.parse(Durations.format(Durations.parse("36h30m"))), "formats parse back");
    }

    @Test
    void infoHashAndPeerIdValidateLength() {
        assertEquals("info hash length: 19 (expected: 20 bytes)",
                assertThrows(IllegalArgumentException.class, () -> InfoHash.of(new byte[19])).getMessage());
        InfoHash h = InfoHash.fromHex("0123456789abcdef0123456789ABCDEF01234567");
        assertEquals("0123456789abcdef0123456789abcdef01234567", h.toHex());
        PeerId id = PeerId.random();
        assertTrue(id.toString().startsWith("-MU0100-"));
        assertEquals(20, id.toBytes().length);
    }
}
