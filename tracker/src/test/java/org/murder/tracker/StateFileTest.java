package org.murder.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.murder.core.InfoHash;
import org.murder.core.PeerId;
import org.murder.core.RackName;
import org.murder.tracker.swarm.PeerEntry;
import org.murder.tracker.swarm.SwarmSnapshot;

class StateFileTest {
    @TempDir
    Path tmp;

    private static TrackerState stateFixture() throws Exception {
        PeerEntry v4 = new PeerEntry(PeerId.of(TrackerClient.id20(10)), InetAddress.getByName("10.0.0.1"), 6881, 1, 2, 3, false, 1000);
        PeerEntry v6 = new PeerEntry(PeerId.of(TrackerClient.id20(11)), InetAddress.getByName("fd00::5"), 6882, 4, 5, 0, true, 2000,
                java.util.Optional.of(new RackName("dc1:row-2.r_3")));
        return new TrackerState(Set.of(InfoHash.of(TrackerClient.id20(1))),
                List.of(new SwarmSnapshot(InfoHash.of(TrackerClient.id20(1)), 7, 3000, List.of(v4, v6))));
    }

    @Test
    void roundTripsEveryField() throws Exception {
        Path file = tmp.resolve("state");
        TrackerState state = stateFixture();
        StateFile.write(file, state, 123);
        TrackerState back = StateFile.read(file).orElseThrow();
        assertEquals(state, back);
        try (var files = Files.list(tmp)) {
            assertEquals(List.of(file), files.toList(), "no temporary file left behind");
        }
    }

    @Test
    void aMissingFileIsAnEmptyStart() throws Exception {
        assertTrue(StateFile.read(tmp.resolve("none")).isEmpty());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "truncated         | d7:versioni1e                 | bencode: unexpected end of input at byte 13",
        "no registrations  | d7:versioni1ee                | missing registered",
        "not bencode       | hello                         | bencode: unexpected byte (found 'h') at byte 0",
        "empty             | ''                            | bencode: empty input at byte 0",
        "not a dictionary  | i42e                          | state: integer (expected: dictionary)",
        "other version     | d7:versioni9ee                | version: 9 (expected: 1)",
        "short infohash    | d10:registeredl3:abce6:swarmsle7:versioni1ee | info hash length: 3 (expected: 20 bytes)",
        "swarms not a list | d10:registeredle6:swarmsi1e7:versioni1ee     | swarms: integer (expected: list)",
    })
    void corruptFilesSayWhy(String name, String content, String message) throws Exception {
        Path file = tmp.resolve("state");
        Files.writeString(file, content);
        StateFile.CorruptStateException e = assertThrows(StateFile.CorruptStateException.class, () -> StateFile.read(file));
        assertEquals(message, e.getMessage());
    }
}
