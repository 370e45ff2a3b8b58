package org.murder.peer.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.murder.core.PortRange;
import org.murder.core.bencode.BDict;
import org.murder.core.bencode.BList;
import org.murder.core.bencode.BString;
import org.murder.core.bencode.BValue;
import org.murder.core.bencode.Bencode;
import org.murder.core.metainfo.MetaInfo;
import org.murder.peer.storage.Storage;

/**
 * BEP 47 padding files (libtorrent pads every file of a hybrid torrent to a piece, two pads alike
 * when two files end alike): never made on disk, read as zeros, uploaded as zeros, over real
 * engines and sockets on 127.0.0.1. TorrentInteropIT and SwarmInteropIT do the same with libtorrent.
 */
@Timeout(60)
class PaddedTorrentTest {
    private static final int PIECE = 16 * 1024;
    /** Three files, the first two padded to the next piece with pads of one size (same path). */
    private static final int[] SIZES = {20_000, 36_384, 50_001};

    @TempDir
    Path tmp;

    private final LoopbackEngines engines = new LoopbackEngines(new PortRange(43600, 43699));

    @AfterEach
    void closeEngines() {
        engines.close();
    }

    /** The torrent of {@link #SIZES} under seed/rel, its byte stream (pads of zeros) and each file's content. */
    private record Padded(MetaInfo meta, byte[] stream, byte[][] contents) {
    }

    private Padded padded() throws Exception {
        return padded((byte) 0, PIECE);
    }

    /** As above, the torrent's hashes made over pads of {@code fill} (a torrent that calls data padding, when not 0). */
    private Padded padded(byte fill) throws Exception {
        return padded(fill, PIECE);
    }

    /** As above, in pieces of {@code piece} bytes. */
    private Padded padded(byte fill, int piece) throws Exception {
        Path seedDir = Files.createDirectories(tmp.resolve("seed/rel"));
        Random random = new Random(47);
        ByteArrayOutputStream stream = new ByteArrayOutputStream(); // the torrent's byte stream, pads included
        List<BValue> files = new java.util.ArrayList<>();
        byte[][] contents = new byte[SIZES.length][];
        for (int i = 0; i < SIZES.length; i++) {
            contents[i] = new byte[SIZES[i]];
            random.nextBytes(contents[i]);
            Files.write(seedDir.resolve("f" + i + ".bin"), contents[i]);
            stream.writeBytes(contents[i]);
            files.add(BDict.builder().put("length", SIZES[i]).put("path", BList.of(BString.of("f" + i + ".bin"))).build());
            int pad = (piece - SIZES[i] % piece) % piece;
            if (i < SIZES.length - 1 && pad > 0) {
                byte[] padding = new byte[pad];
                java.util.Arrays.fill(padding, fill);
                stream.writeBytes(padding);
                files.add(BDict.builder().put("attr", "p").put("length", pad)
                        .put("path", BList.of(BString.of(".pad"), BString.of(String.valueOf(pad)))).build());
            }
        }
        return new Padded(MetaInfo.parse(torrent(files, stream.toByteArray(), piece)), stream.toByteArray(), contents);
    }

    @Test
    void aPaddedTorrentIsSeededAndDownloadedWithoutPaddingOnDisk() throws Exception {
        Padded t = padded();
        MetaInfo meta = t.meta();
        byte[][] contents = t.contents();
        assertEquals(2, meta.files().stream().filter(f -> f.padding() && f.joinedPath().equals(".pad/12768")).count(),
                "two pads at one path");

        Engine seedEngine = engines.start();
        seedEngine.add(meta, Storage.forSeeding(meta, tmp.resolve("seed")), SessionOptions.seedForever(), SessionListener.NONE)
                .completed().get(30, TimeUnit.SECONDS); // its check reads the pads as zeros
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        Storage storage = Storage.forDownload(meta, dest);
        Torrent peer = engines.start().add(meta, storage, SessionOptions.download(Optional.empty(), Optional.empty()),
                SessionListener.NONE);
        peer.addPeers(List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), seedEngine.port())));
        peer.completed().get(30, TimeUnit.SECONDS); // every piece verified: the pads went over the wire as zeros

        for (int i = 0; i < SIZES.length; i++) {
            assertArrayEquals(contents[i], Files.readAllBytes(dest.resolve("rel/f" + i + ".bin")));
        }
        assertFalse(Files.exists(dest.resolve("rel/.pad")), "no padding file made");
        assertFalse(Files.exists(tmp.resolve("seed/rel/.pad")), "the seed made none either");
        assertEquals(SIZES.length, storage.currentPaths().size(), "paths of the real files only");
        ByteBuffer pad = ByteBuffer.allocate(12_768);
        storage.write(20_000, ByteBuffer.wrap(new byte[12_768]).put(0, (byte) 1)); // a peer's bytes in a pad are dropped
        storage.read(20_000, pad);
        assertArrayEquals(new byte[12_768], pad.array(), "a pad reads as zeros");
    }

    @Test
    void blocksWhollyInPaddingAreNeverAsked() throws Exception {
        // pieces of 64 KiB: f0 (20,000 bytes) is padded to 65,536, so blocks 2-3 of piece 0 are all padding;
        // f1 (36,384) to the next piece, so block 3 of piece 1; 3 blocks of 16 KiB in all
        Padded t = padded((byte) 0, 64 * 1024);
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        Torrent peer = engines.start().add(t.meta(), Storage.forDownload(t.meta(), dest),
                SessionOptions.download(Optional.empty(), Optional.empty()), SessionListener.NONE);
        try (RawSeed seed = RawSeed.serving(t.meta(), t.stream(),
                org.murder.core.PeerId.of("-TR3000-padseed00009".getBytes(java.nio.charset.StandardCharsets.US_ASCII)))) {
            peer.addPeers(List.of(new InetSocketAddress(seed.server.getInetAddress(), seed.server.getLocalPort())));
            peer.completed().get(30, TimeUnit.SECONDS);
            assertEquals(t.stream().length - 3 * 16 * 1024, seed.requestLengths.stream().mapToLong(Integer::longValue).sum(),
                    "asked for everything but the 3 blocks of padding: " + seed.requestLengths);
        }
        for (int i = 0; i < SIZES.length; i++) {
            assertArrayEquals(t.contents()[i], Files.readAllBytes(dest.resolve("rel/f" + i + ".bin")));
        }
    }

    @Test
    void aPeerSendingAnythingButZerosForPaddingChangesNothing() throws Exception {
        // its bytes there are dropped and the piece is checked with zeros read back: it verifies, and
        // nothing but the real files is written
        Padded t = padded();
        byte[] lying = t.stream().clone();
        java.util.Arrays.fill(lying, 20_000, 32_768, (byte) 0x5a); // the first pad
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        Engine engine = engines.start();
        Torrent peer = engine.add(t.meta(), Storage.forDownload(t.meta(), dest),
                SessionOptions.download(Optional.empty(), Optional.empty()), SessionListener.NONE);
        try (RawSeed liar = RawSeed.serving(t.meta(), lying,
                org.murder.core.PeerId.of("-TR3000-padliar00001".getBytes(java.nio.charset.StandardCharsets.US_ASCII)))) {
            peer.addPeers(List.of(new InetSocketAddress(liar.server.getInetAddress(), liar.server.getLocalPort())));
            peer.completed().get(30, TimeUnit.SECONDS);
        }
        assertEquals(0, engine.stats().piecesFailed(), "no piece failed");
        assertEquals(0, engine.stats().peersBanned(), "nobody was banned");
        for (int i = 0; i < SIZES.length; i++) {
            assertArrayEquals(t.contents()[i], Files.readAllBytes(dest.resolve("rel/f" + i + ".bin")));
        }
        try (java.util.stream.Stream<Path> made = Files.walk(dest)) {
            assertEquals(SIZES.length, made.filter(Files::isRegularFile).count(), "the real files only");
        }
    }

    @Test
    void aTorrentWhosePaddingIsNotZerosFailsNamingItOnceThreeSendersFailedPiecesHoldingIt() throws Exception {
        // its hashes cover data it calls padding: every sender fails the piece (we read zeros there); as
        // libtorrent, murder cannot complete it, but says why instead of banning seeds until it stalls
        Padded t = padded((byte) 0x5a);
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        Torrent peer = engines.start().add(t.meta(), Storage.forDownload(t.meta(), dest),
                SessionOptions.download(Optional.empty(), Optional.empty()), SessionListener.NONE);
        List<RawSeed> seeds = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) { // each on an address of its own: one that sent a whole failed piece is banned
                seeds.add(RawSeed.serving(t.meta(), t.stream(), org.murder.core.PeerId.of(("-TR3000-padseed0000" + i)
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII)), InetAddress.getByName("127.0.0." + (i + 2))));
            }
            peer.addPeers(seeds.stream().map(r -> new InetSocketAddress(r.server.getInetAddress(), r.server.getLocalPort())).toList());
            java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.ExecutionException.class, () -> peer.completed().get(30, TimeUnit.SECONDS));
            org.murder.core.MurderException m = (org.murder.core.MurderException) e.getCause();
            assertEquals(2, m.exitCode());
            org.junit.jupiter.api.Assertions.assertTrue(m.getMessage().matches("pieces holding BEP 47 padding failed their SHA-1"
                    + " check, each sent whole by one of 3 peers \\(last: piece [0-9]+ of rel\\); murder reads padding as zeros, so"
                    + " the torrent's padding is probably not zeros \\(expected: a torrent whose padding files are zeros, as BEP 47"
                    + " says\\)"), m.getMessage());
        } finally {
            for (RawSeed r : seeds) {
                r.close();
            }
        }
    }

    @Test
    void aTorrentWhosePaddingIsNotZerosFromOneSeedStallsSayingWhy() throws Exception {
        // one sender banned is no verdict on the torrent (it may be the liar); the stall then says what was seen
        Padded t = padded((byte) 0x5a);
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        Torrent peer = engines.start(EngineConfig.builder().stallTimeout(java.time.Duration.ofSeconds(2)), java.time.Clock.systemUTC())
                .add(t.meta(), Storage.forDownload(t.meta(), dest), SessionOptions.download(Optional.empty(), Optional.empty()),
                        SessionListener.NONE);
        try (RawSeed seed = RawSeed.serving(t.meta(), t.stream(), org.murder.core.PeerId.of("-TR3000-padseed00007"
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII)), InetAddress.getByName("127.0.0.2"))) {
            peer.addPeers(List.of(new InetSocketAddress(seed.server.getInetAddress(), seed.server.getLocalPort())));
            java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.ExecutionException.class, () -> peer.completed().get(30, TimeUnit.SECONDS));
            org.junit.jupiter.api.Assertions.assertTrue(e.getCause().getMessage().matches("no data from any peer for 2s \\(.*; 1 banned"
                    + " for sending a whole piece holding BEP 47 padding that failed its SHA-1 check: the torrent's padding may not"
                    + " be zeros\\)"), e.getCause().getMessage());
        }
    }

    /**
     * The only seed sends a piece that fails its check: banned, with every peer at its address, and the stall says so
     * (it said only "no data from any peer", and an honest seed on the same address looked unreachable: audit).
     */
    @Test
    void aStallAfterTheOnlySeedWasBannedSaysSo() throws Exception {
        Padded t = padded();
        byte[] lying = t.stream().clone();
        lying[100] ^= 1; // piece 0 holds the first file's data alone, no padding
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        Torrent peer = engines.start(EngineConfig.builder().stallTimeout(java.time.Duration.ofSeconds(2)), java.time.Clock.systemUTC())
                .add(t.meta(), Storage.forDownload(t.meta(), dest), SessionOptions.download(Optional.empty(), Optional.empty()),
                        SessionListener.NONE);
        try (RawSeed seed = RawSeed.serving(t.meta(), lying, org.murder.core.PeerId.of("-TR3000-liarseed0007"
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII)), InetAddress.getByName("127.0.0.3"))) {
            peer.addPeers(List.of(new InetSocketAddress(seed.server.getInetAddress(), seed.server.getLocalPort())));
            java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.ExecutionException.class, () -> peer.completed().get(30, TimeUnit.SECONDS));
            org.junit.jupiter.api.Assertions.assertTrue(e.getCause().getMessage().matches("no data from any peer for 2s \\(.*; 1 peer"
                    + " banned for sending data that failed its SHA-1 check\\)"), e.getCause().getMessage());
        }
    }

    private static byte[] torrent(List<BValue> files, byte[] stream, int piece) throws Exception {
        int count = (stream.length + piece - 1) / piece;
        byte[] pieces = new byte[count * 20];
        for (int i = 0; i < count; i++) {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            sha1.update(stream, i * piece, Math.min(piece, stream.length - i * piece));
            System.arraycopy(sha1.digest(), 0, pieces, i * 20, 20);
        }
        return Bencode.encode(BDict.builder().put("info", BDict.builder().put("name", "rel").put("files", new BList(files))
                .put("piece length", piece).put("pieces", BString.of(pieces)).build()).build());
    }
}
