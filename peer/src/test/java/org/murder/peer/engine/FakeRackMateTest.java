package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.PeerId;
import org.murder.core.PortRange;
import org.murder.core.RackName;
import org.murder.peer.storage.Storage;

/**
 * A peer that says it is of our rack, has every piece and trickles a block every half second holds
 * a download of a rack's peer back: the rack sparing keeps the origin asked for nothing while
 * rack-mates deliver at all. With rack proofs (agents derive them from the job secret) a claim
 * counts only with the proof of that claim on that connection: no proof, a proof under another
 * secret, or a proof made for another address leaves the peer of another rack, and the download
 * goes on from the origin. The control cases show the trickle does hold a download back when the
 * claim is believed (no rack proofs, or a good proof).
 */
@Timeout(120)
class FakeRackMateTest {
    private static final int SIZE = 32 * 1024 * 1024 + 77;
    private static final int PIECE = 256 * 1024;
    private static final RackProofs KEY = RackProofs.keyedBy("the deploy's rack key, 16+ bytes".getBytes(StandardCharsets.US_ASCII));
    private static final RackProofs OTHER_KEY = RackProofs.keyedBy("another deploy's rack key, 16+ b".getBytes(StandardCharsets.US_ASCII));
    private static final RackName RACK = new RackName("r1");
    /** Long enough for the whole file from the origin on loopback many times over, far short of the trickle's time. */
    private static final Duration HELD_BACK = Duration.ofSeconds(6);

    @TempDir
    Path tmp;

    private final LoopbackEngines engines = new LoopbackEngines(new PortRange(46000, 46999));
    private StubTracker tracker;

    @AfterEach
    void stop() {
        engines.close();
        if (tracker != null) {
            tracker.close();
        }
    }

    /** The origin at 127.0.0.3 and the fake at 127.0.0.4 (its proof from {@code proofFor}); downloads with {@code proofs}. */
    private Torrent download(String name, Optional<RackProofs> proofs, TricklingRackMate.Prover proofFor,
            Check check) throws Exception {
        return download(name, proofs, proofFor, false, check);
    }

    private Torrent download(String name, Optional<RackProofs> proofs, TricklingRackMate.Prover proofFor, boolean rackLater,
            Check check) throws Exception {
        if (tracker == null) {
            tracker = new StubTracker();
        }
        TorrentFixture t = TorrentFixture.create(tmp.resolve(name + "-seed"), "app.tar.gz", SIZE, PIECE, List.of(tracker.url()), 5);
        try (RawSeed origin = RawSeed.serving(t, PeerId.random(), InetAddress.getByName("127.0.0.3"));
                TricklingRackMate fake = new TricklingRackMate(t, InetAddress.getByName("127.0.0.4"), RACK.value(), proofFor,
                        Duration.ofMillis(500))) {
            if (rackLater) {
                fake.rackLater();
            }
            tracker.answer((InetAddress) null); // no peers yet: the fake comes first, as a peer that dials a host when it starts
            EngineConfig.Builder config = EngineConfig.builder().rack(RACK).reannounce(Duration.ofSeconds(1));
            proofs.ifPresent(config::rackProofs);
            Engine e = engines.start(config, Clock.systemUTC());
            Path dir = Files.createDirectories(tmp.resolve(name));
            Torrent torrent = e.add(t.meta(), Storage.forDownload(t.meta(), dir), SessionOptions.download(Optional.of(t.md5()),
                    Optional.empty()), SessionListener.NONE);
            fake.dial(new InetSocketAddress(InetAddress.getLoopbackAddress(), e.port()));
            assertTrue(fake.firstRequest.await(10, TimeUnit.SECONDS), "the fake is asked for blocks");
            tracker.answer(null, origin.at()); // the origin comes at the next announce
            check.accept(torrent, fake);
            torrent.completed().get(60, TimeUnit.SECONDS);
            assertArrayEquals(t.data(), Files.readAllBytes(dir.resolve("app.tar.gz")));
            return torrent;
        }
    }

    private interface Check {
        void accept(Torrent torrent, TricklingRackMate fake) throws Exception;
    }

    /** Completes well within {@link #HELD_BACK}, the fake's claim not taken. */
    private static void notHeldBack(Torrent torrent, TricklingRackMate fake) throws Exception {
        torrent.completed().get(HELD_BACK.toSeconds(), TimeUnit.SECONDS);
        assertTrue(torrent.stats().downloadedFromOtherRacks() > 0, "the fake and the origin count as of other racks");
    }

    /** Held back while the fake is there (then it leaves, and the download completes from the origin). */
    private static void heldBack(Torrent torrent, TricklingRackMate fake) throws Exception {
        assertThrows(TimeoutException.class, () -> torrent.completed().get(HELD_BACK.toSeconds(), TimeUnit.SECONDS),
                "a believed rack-mate that trickles holds the download back");
        assertTrue(fake.blocksSent.get() > 0, "the fake delivered, slowly");
        assertFalse(torrent.completed().isDone());
        fake.close();
    }

    @Test
    void withoutRackProofsARackClaimIsBelievedAndATricklingFakeHoldsTheDownloadBack() throws Exception {
        download("unkeyed", Optional.empty(), (torrent, from, to) -> null, FakeRackMateTest::heldBack);
    }

    @Test
    void aGoodProofIsBelieved() throws Exception {
        download("proven", Optional.of(KEY), (torrent, from, to) -> KEY.proof(torrent, from, to, RACK), FakeRackMateTest::heldBack);
    }

    /**
     * A murder peer that was checking its files when it met us said no rack, and says it in a second
     * extension handshake once it downloads (TorrentSession.tellRack): that one counts (with its proof).
     */
    @Test
    void aRackSaidInASecondHandshakeCountsWithItsProof() throws Exception {
        download("later", Optional.of(KEY), (torrent, from, to) -> KEY.proof(torrent, from, to, RACK), true, FakeRackMateTest::heldBack);
    }

    @Test
    void aRackClaimWithoutAProofIsNotBelieved() throws Exception {
        download("noproof", Optional.of(KEY), (torrent, from, to) -> null, FakeRackMateTest::notHeldBack);
    }

    @Test
    void aProofUnderAnotherSecretIsNotBelieved() throws Exception {
        download("otherkey", Optional.of(KEY), (torrent, from, to) -> OTHER_KEY.proof(torrent, from, to, RACK),
                FakeRackMateTest::notHeldBack);
    }

    /** A proof a rack-mate at 127.0.0.5 gave: replayed from 127.0.0.4, it proves nothing. */
    @Test
    void aProofMadeForAnotherAddressIsNotBelieved() throws Exception {
        download("replayed", Optional.of(KEY), (torrent, from, to) -> KEY.proof(torrent, address("127.0.0.5"), to, RACK),
                FakeRackMateTest::notHeldBack);
    }

    /** A proof of another rack, or in garbled case, is no proof. */
    @Test
    void aProofOfAnotherRackOrNotLowerHexIsNotBelieved() throws Exception {
        download("otherrack", Optional.of(KEY), (torrent, from, to) -> KEY.proof(torrent, from, to, new RackName("r2")),
                FakeRackMateTest::notHeldBack);
        download("upper", Optional.of(KEY), (torrent, from, to) -> KEY.proof(torrent, from, to, RACK).toUpperCase(java.util.Locale.ROOT),
                FakeRackMateTest::notHeldBack);
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
