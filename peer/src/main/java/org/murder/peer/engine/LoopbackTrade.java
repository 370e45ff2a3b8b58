package org.murder.peer.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.murder.core.Durations;
import org.murder.core.PortRange;
import org.murder.core.bencode.BDict;
import org.murder.core.bencode.BString;
import org.murder.core.bencode.Bencode;
import org.murder.core.crypto.Digests;
import org.murder.core.io.FileTrees;
import org.murder.core.metainfo.MetaInfo;
import org.murder.peer.storage.Storage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small file moved over loopback, in this process, from one engine to two others that also trade
 * pieces between them: what a download does (handshakes, requests, upload slots, Haves, piece
 * checks, the md5, the commit), so that a process that is about to download has loaded and
 * compiled that code first. Used by {@code murder agent}'s warm-up (with a signed job around it)
 * and by {@code murder peer --warm-up}.
 *
 * <p>Why: sixteen JVMs that start a download at once on few cores spend its first seconds
 * interpreting and compiling (in {@code bench/swarm.sh}, 16 peers on 2 cores: the C1 compiler a
 * third of the machine's CPU and the rest mostly interpreted code for the first 4 s; at the
 * defaults, where the run is CPU-bound, the hosts' uplinks 37 % busy over the first 5 s without a
 * warm-up and 53-66 % with one).
 *
 * <p>Nothing is left behind: the engines are closed and the scratch directory removed when the
 * warm-up ends, however it ends; a directory left by a killed process is removed by a later
 * warm-up once it is {@link #STALE} old. Failures are thrown with a message that starts with
 * "warm-up: ", for a warning: a warm-up never stops the real work.
 */
public final class LoopbackTrade {
    private static final Logger LOG = LoggerFactory.getLogger(LoopbackTrade.class);
    /** Where the three engines listen: the first free ports of the dynamic range (RFC 6335). */
    static final PortRange PORTS = new PortRange(49152, 65535);
    /**
     * The warm-up's piece size: what make-torrent chose for a 128 MiB file before December 2026
     * (it now chooses 128 KiB there, smaller for smaller files); the warm-up runs the same code paths.
     */
    public static final int PIECE = 256 << 10;
    /** The prefix of a warm-up's scratch directory. */
    public static final String SCRATCH_PREFIX = "murder-warm-up-";
    /** A scratch directory of this age is a killed process's: removed by the next warm-up ({@link #newScratch}). */
    public static final Duration STALE = Duration.ofHours(1);
    /** How long stopping a download may take once it is complete. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(2);
    /** The warm-up file's name. */
    public static final String NAME = "warm-up.bin";

    /** What the two downloads did: the fewer bytes either verified, the bytes both received and those they sent each other. */
    public record Moved(long verified, long downloaded, long traded, Duration took) {
    }

    /** A warm-up's release: its file (under a scratch directory's {@code seed/}), its torrent ({@link #torrentOf}) and md5. */
    public record Release(Path file, byte[] torrent, String md5) {
    }

    private LoopbackTrade() {
    }

    /**
     * Makes {@code bytes} of random data in a new directory under {@code scratchParent}, its torrent
     * and md5, trades it ({@link #trade}) and removes the directory.
     */
    public static Moved inScratch(Path scratchParent, int bytes, Clock clock, Duration limit) throws Exception {
        if (bytes < 1) {
            throw new IllegalArgumentException("bytes: " + bytes + " (expected: >= 1)");
        }
        Path scratch = newScratch(scratchParent, clock);
        try {
            Release release = release(scratch, bytes, clock);
            return trade(MetaInfo.parse(release.torrent()), release.md5(), release.file(), scratch.resolve("download"), clock, limit);
        } finally {
            removeScratch(scratch);
        }
    }

    /** Writes {@code bytes} of random data to {@code scratch}/seed/{@link #NAME}: the file, its torrent and its md5. */
    public static Release release(Path scratch, int bytes, Clock clock) throws IOException {
        Path file = Files.createDirectory(scratch.resolve("seed")).resolve(NAME);
        byte[] data = new byte[bytes];
        new SplittableRandom(clock.millis()).nextBytes(data);
        Files.write(file, data);
        MessageDigest md5 = Digests.md5();
        md5.update(data);
        return new Release(file, torrentOf(data), HexFormat.of().formatHex(md5.digest()));
    }

    /**
     * A new scratch directory under {@code scratchParent}; first removes those of earlier warm-ups
     * older than {@link #STALE} (a killed process's; a younger one may be another process's,
     * running now), and only those of this process's user: in a shared temporary directory, another
     * user's directory is none of ours to walk.
     */
    public static Path newScratch(Path scratchParent, Clock clock) throws IOException {
        Path scratch = Files.createTempDirectory(scratchParent, SCRATCH_PREFIX);
        UserPrincipal owner;
        List<Path> candidates;
        try (Stream<Path> entries = Files.list(scratchParent)) {
            owner = Files.getOwner(scratch);
            candidates = entries.filter(p -> p.getFileName().toString().startsWith(SCRATCH_PREFIX) && !p.equals(scratch)).toList();
        } catch (IOException | UncheckedIOException | UnsupportedOperationException e) {
            return scratch; // nothing to sweep, or not allowed to: the warm-up itself says what fails
        }
        Instant before = clock.instant().minus(STALE);
        for (Path p : candidates) {
            try {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && owner.equals(Files.getOwner(p, LinkOption.NOFOLLOW_LINKS))
                        && Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(before)) {
                    removeScratch(p);
                }
            } catch (IOException e) {
                // gone meanwhile (another process's sweep): the next one
            }
        }
        return scratch;
    }

    /** Removes a scratch directory; one that cannot be removed is logged and left to a later warm-up's sweep. */
    public static void removeScratch(Path scratch) {
        try {
            FileTrees.deleteRecursively(scratch);
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not remove the warm-up's {}: {}", scratch, e.toString());
        }
    }

    /**
     * Runs {@code work} on a daemon thread of its own, so that a caller can wait for it a bounded
     * time whatever it does (fails, throws an Error, hangs): its result, or what it threw.
     */
    public static <T> CompletableFuture<T> onOwnThread(Callable<T> work, String threadName) {
        CompletableFuture<T> run = new CompletableFuture<>();
        Thread worker = new Thread(() -> {
            try {
                run.complete(work.call());
            } catch (Throwable e) { // an Error too (a broken install, a heap too small): the caller's warning
                run.completeExceptionally(e);
            }
        }, threadName);
        worker.setDaemon(true);
        worker.start();
        return run;
    }

    /** A private single-file torrent of {@code data}, named {@link #NAME}, in pieces of {@link #PIECE}. */
    public static byte[] torrentOf(byte[] data) {
        int count = (data.length + PIECE - 1) / PIECE;
        byte[] pieces = new byte[count * 20];
        MessageDigest sha1 = Digests.sha1();
        for (int i = 0; i < count; i++) {
            sha1.update(data, i * PIECE, Math.min(PIECE, data.length - i * PIECE));
            System.arraycopy(sha1.digest(), 0, pieces, i * 20, 20);
        }
        return Bencode.encode(BDict.builder().put("info", BDict.builder().put("name", NAME).put("length", data.length)
                .put("piece length", PIECE).put("pieces", BString.of(pieces)).put("private", 1).build()).build());
    }

    /**
     * Seeds {@code file} (the whole of {@code meta}) from one loopback engine to two others under
     * {@code downloadDir}, which also trade with each other (as the hosts of a deploy do: upload
     * slots, Haves and requests among peers, not only from a seed); throws if the seeder's check and
     * both downloads are not done within {@code limit} (closing the engines may take a few seconds
     * more).
     */
    public static Moved trade(MetaInfo meta, String md5, Path file, Path downloadDir, Clock clock, Duration limit)
            throws Exception {
        long started = System.nanoTime();
        EngineConfig config = EngineConfig.builder().portRange(PORTS).bindAddress(InetAddress.getLoopbackAddress()).ioThreads(1)
                .hashThreads(1).build();
        long deadline = started + limit.toNanos();
        try (Engine seeder = Engine.start(config, clock); Engine first = Engine.start(config, clock);
                Engine second = Engine.start(config, clock)) {
            // checked before anyone dials it, as the deployer's seeder is before it announces
            try {
                seeder.add(meta, Storage.forSeeding(meta, file), SessionOptions.seedForever(), SessionListener.NONE).completed()
                        .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw new IllegalStateException("warm-up: the seeding engine did not check " + meta.totalLength() + " bytes within "
                        + Durations.format(limit));
            } catch (ExecutionException e) {
                throw new IllegalStateException("warm-up: seeding: " + e.getCause().getMessage(), e.getCause());
            }
            List<Torrent> downloads = List.of(download(first, meta, md5, downloadDir.resolve("1")),
                    download(second, meta, md5, downloadDir.resolve("2")));
            downloads.get(0).addPeers(List.of(loopback(seeder), loopback(second)));
            downloads.get(1).addPeers(List.of(loopback(seeder), loopback(first)));
            for (Torrent download : downloads) {
                try {
                    download.completed().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    throw new IllegalStateException("warm-up: " + download.snapshot().verified() + " of " + meta.totalLength()
                            + " bytes over loopback (127.0.0.1:" + seeder.port() + ") within " + Durations.format(limit));
                } catch (ExecutionException e) {
                    throw new IllegalStateException("warm-up: " + e.getCause().getMessage(), e.getCause());
                }
            }
            long verified = Long.MAX_VALUE;
            long downloaded = 0;
            long traded = 0;
            for (Torrent download : downloads) {
                Snapshot s;
                try {
                    s = download.stop().get(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    throw new IllegalStateException("warm-up: a complete download did not stop within " + STOP_WAIT.toSeconds() + " s");
                }
                verified = Math.min(verified, s.verified());
                downloaded += s.downloaded();
                traded += s.uploaded();
            }
            if (verified != meta.totalLength()) {
                throw new IllegalStateException("warm-up: " + verified + " bytes verified of " + meta.totalLength());
            }
            return new Moved(verified, downloaded, traded, Duration.ofNanos(System.nanoTime() - started));
        }
    }

    private static Torrent download(Engine engine, MetaInfo meta, String md5, Path dir) throws IOException {
        return engine.add(meta, Storage.forDownload(meta, Files.createDirectories(dir)), SessionOptions.download(Optional.of(md5),
                Optional.empty()), SessionListener.NONE);
    }

    private static InetSocketAddress loopback(Engine engine) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), engine.port());
    }
}
