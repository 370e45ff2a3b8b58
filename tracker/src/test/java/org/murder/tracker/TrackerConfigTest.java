package org.murder.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.murder.core.MurderException;

class TrackerConfigTest {
    @Test
    void defaultsAreMurders() {
        TrackerConfig c = TrackerConfig.builder().build();
        assertEquals("0.0.0.0", c.bind());
        assertEquals(8998, c.port());
        assertEquals(Duration.ofSeconds(15), c.interval());
        assertEquals(Duration.ofSeconds(5), c.minInterval());
        assertEquals(Duration.ofMinutes(1), c.peerTimeout());
        assertFalse(c.open(), "whitelist mode is the default");
        assertEquals(50, c.defaultNumwant());
        assertEquals(4, c.rackGateways());
        assertEquals(4, c.swarmSettings().gatewaysPerRack());
    }

    @Test
    void unsetTimeoutsFollowALongInterval() {
        TrackerConfig c = TrackerConfig.builder().interval(Duration.ofMinutes(30)).build();
        assertEquals(Duration.ofMinutes(120), c.peerTimeout());
        assertEquals(Duration.ofSeconds(5), c.minInterval());
        assertEquals(Duration.ofSeconds(2), TrackerConfig.builder().interval(Duration.ofSeconds(2)).build().minInterval());
    }

    @Test
    void toStringNeverShowsTheToken() {
        String s = TrackerConfig.builder().adminToken("supersecret-token-123").build().toString();
        assertFalse(s.contains("supersecret"), s);
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of((Consumer<TrackerConfig.Builder>) b -> b.port(70000), "--port: 70000 (expected: 0 to 65535 (0: any free port))"),
                Arguments.of((Consumer<TrackerConfig.Builder>) b -> b.interval(Duration.ofMillis(10)), "--interval: 10ms (expected: 1s to 1d)"),
                Arguments.of((Consumer<TrackerConfig.Builder>) b -> b.minInterval(Duration.ofSeconds(20)),
                        "--min-interval: 20s (expected: 1s up to the interval 15s)"),
                Arguments.of((Consumer<TrackerConfig.Builder>) b -> b.peerTimeout(Duration.ofSeconds(10)),
                        "--peer-timeout: 10s (expected: longer than the interval 15s, or live peers expire between announces)"),
                Arguments.of((Consumer<TrackerConfig.Builder>) b -> b.open(true).whitelistDir(Path.of("/w")),
                        "--whitelist: /w (expected: either a whitelist directory or open mode, not both)"),
                Arguments.of((Consumer<TrackerConfig.Builder>) b -> b.adminToken("short"),
                        "--admin-token-file: (5 chars) (expected: at least 16 printable ASCII characters without spaces)"),
                Arguments.of((Consumer<TrackerConfig.Builder>) b -> b.maxNumwant(0), "--max-numwant: 0 (expected: 1 to 10000)"),
                Arguments.of((Consumer<TrackerConfig.Builder>) b -> b.defaultNumwant(300),
                        "--numwant: 300 (expected: 0 to --max-numwant 200)"),
                Arguments.of((Consumer<TrackerConfig.Builder>) b -> b.maxSwarms(0), "--max-swarms: 0 (expected: >= 1)"),
                Arguments.of((Consumer<TrackerConfig.Builder>) b -> b.maxConnections(-1), "--max-connections: -1 (expected: >= 1)"),
                Arguments.of((Consumer<TrackerConfig.Builder>) b -> b.requestTimeout(Duration.ZERO), "--request-timeout: 0ms (expected: > 0)"),
                Arguments.of((Consumer<TrackerConfig.Builder>) b -> b.maxRequestLine(10), "maxRequestLine: 10 (expected: 256 to 65536 bytes)"),
                Arguments.of((Consumer<TrackerConfig.Builder>) b -> b.rackGateways(0), "--rack-gateways: 0 (expected: 1 to 64)"),
                Arguments.of((Consumer<TrackerConfig.Builder>) b -> b.rackGateways(65), "--rack-gateways: 65 (expected: 1 to 64)"),
                Arguments.of((Consumer<TrackerConfig.Builder>) b -> b.sourcePrefixV6(31), "--ipv6-source-prefix: 31 (expected: 32 to 128)"),
                Arguments.of((Consumer<TrackerConfig.Builder>) b -> b.sourcePrefixV6(129), "--ipv6-source-prefix: 129 (expected: 32 to 128)"),
                Arguments.of((Consumer<TrackerConfig.Builder>) b -> b.maxConnections(100).maxConnectionsPerSource(101),
                        "--max-connections-per-source: 101 (expected: 1 to --max-connections 100)"),
                Arguments.of((Consumer<TrackerConfig.Builder>) b -> b.maxConnectionsPerSource(0),
                        "--max-connections-per-source: 0 (expected: 1 to --max-connections 10000)"));
    }

    @ParameterizedTest
    @MethodSource("invalid")
    void invalidValuesNameTheFieldTheValueAndWhatWasExpected(Consumer<TrackerConfig.Builder> tune, String message) {
        TrackerConfig.Builder b = TrackerConfig.builder();
        tune.accept(b);
        MurderException e = assertThrows(MurderException.class, b::build);
        assertEquals(MurderException.BAD_INPUT, e.exitCode());
        assertEquals(message, e.getMessage());
    }

    @Test
    void aSourceMayHoldATenthOfTheConnectionsUnlessTold() {
        assertEquals(1000, TrackerConfig.builder().build().maxConnectionsPerSource());
        assertEquals(64, TrackerConfig.builder().maxConnections(100).build().maxConnectionsPerSource());
        assertEquals(2, TrackerConfig.builder().maxConnections(2).build().maxConnectionsPerSource());
        assertEquals(5, TrackerConfig.builder().maxConnections(100).maxConnectionsPerSource(5).build().maxConnectionsPerSource());
    }
}
