package org.murder.maker;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.murder.core.InfoHash;
import org.murder.core.MurderException;
import org.murder.core.io.AtomicFiles;
import org.murder.core.metainfo.MetaInfo;
import org.murder.core.progress.Progress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a release torrent: packs a directory (or takes a file), computes the md5 and every
 * piece's SHA-1 in the same single pass, writes {@code NAME.md5} and {@code NAME.torrent}.
 * Outputs are written under temporary names and renamed into place only when all succeeded.
 */
public final class TorrentMaker {
    private static final Logger LOG = LoggerFactory.getLogger(TorrentMaker.class);

    /** Makes a {@link Progress} for a label and a byte total. */
    @FunctionalInterface
    public interface ProgressFactory {
        Progress create(String label, long totalBytes);
    }

    private final Clock clock;
    private final ProgressFactory progress;

    public TorrentMaker(Clock clock, ProgressFactory progress) {
        this.clock = clock;
        this.progress = progress;
    }

    public MakeTorrentResult make(MakeTorrentRequest request) {
        long started = System.nanoTime();
        Path source = checkSource(request.source());
        boolean pack = Files.isDirectory(source);
        Path archive = pack ? request.archiveOut() : source;
        checkOutputs(request, pack, source);

        ExecutorService pool = Executors.newFixedThreadPool(request.threads(), daemonThreads());
        List<Path> temps = new java.util.concurrent.CopyOnWriteArrayList<>();
        // stopped with SIGTERM or Ctrl-C: the half-written temporaries go, not left beside the outputs for ever
        Thread onStop = new Thread(() -> temps.forEach(AtomicFiles::deleteQuietly), "murder-make-torrent-cleanup");
        Runtime.getRuntime().addShutdownHook(onStop);
        for (Path out : List.of(archive, request.torrentOut(), request.md5Out())) { // what a make-torrent killed outright left
            int swept = AtomicFiles.sweepAbandoned(out, java.time.Duration.ofHours(1), clock);
            if (swept > 0) {
                LOG.info("removed {} temporary file(s) of {} left by a run that was killed", swept, out);
            }
        }
        String writing = null; // what is being written, for an error that names no path (a full disk)
        try {
            PieceHasher.Hashes hashes;
            Optional<FrameIndex> frames = Optional.empty();
            long pieceLength;
            if (pack) {
                ReleasePacker packer = new ReleasePacker(source, request.excludes());
                List<PackEntry> entries = packer.scan();
                long content = ReleasePacker.contentBytes(entries);
                pieceLength = request.pieceSize().orElseGet(() -> PieceSizes.chooseForRelease(content));
                PieceSizes.requireReadable(content, pieceLength); // the archive is at most about its content's size
                writing = "packing into " + org.murder.core.Printable.escape(archive.toString());
                Path temp = AtomicFiles.temporarySibling(archive);
                temps.add(temp);
                LOG.info("packing {} ({} entries, {} bytes) into {} ({})", source, entries.size(), content, archive,
                        request.compression().name().toLowerCase(java.util.Locale.ROOT));
                Packed packed = packAndHash(entries, temp, pieceLength, request, pool, content);
                hashes = packed.hashes();
                if (packed.frames().frames().size() <= FrameIndex.MAX_FRAMES) {
                    frames = Optional.of(packed.frames());
                } else {
                    LOG.info("{} frames: more than a torrent lists ({}); hosts will download this release whole",
                            packed.frames().frames().size(), FrameIndex.MAX_FRAMES);
                }
            } else {
                long size = Files.size(source);
                pieceLength = request.pieceSize().orElseGet(() -> PieceSizes.choose(size));
                PieceSizes.requireReadable(size, pieceLength);
                hashes = hashFile(source, pieceLength, pool, request.threads(), size);
            }
            if (hashes.length() == 0) {
                throw MurderException.badInput(source + ": empty file (expected: at least one byte)");
            }
            String torrentName = archive.getFileName().toString();
            byte[] torrent = TorrentWriter.singleFile(torrentName, hashes.length(), pieceLength, hashes.pieces(),
                    request.trackers(), request.isPrivate(), request.comment(), clock.instant(), frames);
            if (torrent.length > MetaInfo.MAX_TORRENT_FILE_SIZE) { // an archive of many small files can outgrow its content
                throw MurderException.badInput("piece size " + org.murder.core.ByteSize.format(pieceLength) + ": a torrent of "
                        + org.murder.core.ByteSize.format(torrent.length) + " for " + org.murder.core.ByteSize.format(hashes.length())
                        + " (expected: at most " + org.murder.core.ByteSize.format(MetaInfo.MAX_TORRENT_FILE_SIZE)
                        + ", the most murder reads: a larger --piece-size)");
            }
            writing = "writing " + org.murder.core.Printable.escape(request.torrentOut().toString());
            Path torrentTemp = AtomicFiles.temporarySibling(request.torrentOut());
            temps.add(torrentTemp);
            Files.write(torrentTemp, torrent);
            writing = "writing " + org.murder.core.Printable.escape(request.md5Out().toString());
            Path md5Temp = AtomicFiles.temporarySibling(request.md5Out());
            temps.add(md5Temp);
            Files.writeString(md5Temp, hashes.md5Hex() + "  " + md5Name(request.md5Out(), archive) + "\n", StandardCharsets.UTF_8);

            // all or none: a torrent left old beside a new archive (an immutable file, a sticky directory) named bytes that were gone
            AtomicFiles.commitAll(pack ? List.of(temps.get(0), md5Temp, torrentTemp) : List.of(md5Temp, torrentTemp),
                    pack ? List.of(archive, request.md5Out(), request.torrentOut()) : List.of(request.md5Out(), request.torrentOut()),
                    request.force());
            temps.clear();
            InfoHash infoHash = MetaInfo.parse(torrent).infoHash();
            return new MakeTorrentResult(archive, request.torrentOut(), request.md5Out(), hashes.md5Hex(), infoHash,
                    hashes.length(), pieceLength, hashes.pieces().length / 20, pack,
                    Duration.ofNanos(System.nanoTime() - started));
        } catch (IOException e) {
            throw MurderException.failure("make-torrent: " + describe(e, pack ? List.of(archive, request.torrentOut(), request.md5Out())
                    : List.of(request.torrentOut(), request.md5Out()), writing), e);
        } finally {
            pool.shutdownNow();
            temps.forEach(AtomicFiles::deleteQuietly);
            try {
                Runtime.getRuntime().removeShutdownHook(onStop);
            } catch (IllegalStateException stopping) {
                // the JVM stops: the hook runs (or ran) anyway
            }
        }
    }

    /** A packed archive's hashes and frames. */
    private record Packed(PieceHasher.Hashes hashes, FrameIndex frames) {
    }

    private Packed packAndHash(List<PackEntry> entries, Path temp, long pieceLength,
            MakeTorrentRequest request, ExecutorService pool, long content) throws IOException {
        // piece hashes on the pool, compression on a pool of its own: a piece's SHA-1 queued behind
        // frames to compress held the writer (and so everything) up; 2 cores ran at 1.3 on average
        PieceHasher hasher = new PieceHasher(pieceLength, pool, request.threads() * 2 + 4);
        ExecutorService compressors = Executors.newFixedThreadPool(request.threads(), daemonThreads());
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                Progress bar = progress.create("packing", content)) {
            OutputStream sink = new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    ByteBuffer buf = ByteBuffer.wrap(b, off, len);
                    while (buf.hasRemaining()) {
                        channel.write(buf);
                    }
                    hasher.update(ByteBuffer.wrap(b, off, len));
                }
            };
            FrameWriter frames = new FrameWriter(sink, compressors, request.threads(), request.compression(), request.level());
            ReleasePacker.writeTar(entries, frames, bar);
            channel.force(false);
            return new Packed(hasher.finish(), frames.index());
        } finally {
            compressors.shutdownNow();
        }
    }

    private PieceHasher.Hashes hashFile(Path file, long pieceLength, ExecutorService pool, int threads, long size)
            throws IOException {
        PieceHasher hasher = new PieceHasher(pieceLength, pool, threads + 2);
        // read, not mapped: a mapped file cut short under us is a SIGBUS in the native digests, the JVM's end
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
                Progress bar = progress.create("hashing", size)) {
            hasher.readFully(channel, bar::advance);
        }
        PieceHasher.Hashes hashes = hasher.finish();
        long now = Files.size(file);
        if (hashes.length() != size || now != size) {
            throw MurderException.failure(org.murder.core.Printable.escape(file.toString()) + ": changed while it was hashed (" + size
                    + " bytes, then " + (hashes.length() != size ? hashes.length() : now) + ") (expected: a file that does not change"
                    + " while make-torrent reads it)", null);
        }
        return hashes;
    }

    private static Path checkSource(Path source) {
        if (!Files.exists(source)) {
            if (Files.isSymbolicLink(source)) {
                throw MurderException.badInput(source + ": symbolic link to nothing or a loop (expected: a release directory or file)");
            }
            if (source.toString().indexOf('\uFFFD') >= 0) { // the JDK read bytes of the argument that are not text as U+FFFD
                throw MurderException.badInput(org.murder.core.Printable.escape(source.toString()) + ": not found, and the path is not "
                        + org.murder.core.io.FileNames.charset() + " text" + org.murder.core.io.FileNames.localeHint()
                        + " (expected: a release directory or file named in UTF-8: rename it, or pack it through a link so named)");
            }
            throw MurderException.badInput(source + ": no such file or directory (expected: a release directory or file)");
        }
        if (!Files.isReadable(source)) {
            throw MurderException.badInput(source + ": permission denied (expected: a readable release directory or file)");
        }
        try {
            Path real = source.toRealPath();
            if (!Files.isDirectory(real) && !Files.isRegularFile(real)) {
                throw MurderException.badInput(source + ": not a directory or regular file (expected: a release directory or file)");
            }
            return real;
        } catch (IOException e) {
            throw MurderException.badInput(source + ": cannot resolve (" + org.murder.core.io.IoErrors.describe(e) + ")");
        }
    }

    private static void checkOutputs(MakeTorrentRequest request, boolean pack, Path source) {
        List<Path> outputs = new ArrayList<>(List.of(request.torrentOut(), request.md5Out()));
        if (pack) {
            outputs.add(request.archiveOut());
        }
        for (Path out : outputs) {
            Path real = realLocation(out);
            // where it really is, through links: a path through a link to SRC got by, --force replaced a file of
            // the release with the archive, and the next pack of SRC shipped the outputs of this one
            if (pack ? real.startsWith(source) : real.equals(source)) {
                String what = out.equals(request.torrentOut()) ? "--out " : out.equals(request.md5Out()) ? "the md5 file "
                        : "the archive ";
                throw MurderException.badInput(what + org.murder.core.Printable.escape(out.toString()) + ": "
                        + (pack ? "inside the source " : "the source ") + org.murder.core.Printable.escape(source.toString())
                        + (real.equals(out.toAbsolutePath().normalize()) ? "" : " (through a symbolic link)")
                        + " (expected: a path outside what is " + (pack ? "packed: " : "read: ") + "see --out and --archive)");
            }
        }
        for (Path out : outputs) {
            Path dir = out.toAbsolutePath().getParent();
            if (!Files.isDirectory(dir)) {
                throw MurderException.badInput(org.murder.core.Printable.escape(out.toString()) + ": "
                        + org.murder.core.Printable.escape(dir.toString()) + (Files.exists(dir) ? " is not a directory" : " does not exist")
                        + " (expected: an existing directory to write in)");
            }
            if (Files.isDirectory(out)) {
                throw MurderException.badInput(org.murder.core.Printable.escape(out.toString())
                        + ": is a directory (expected: a file path to write)");
            }
            if (!request.force() && Files.exists(out, LinkOption.NOFOLLOW_LINKS)) {
                throw MurderException.badInput(out + ": already exists (expected: a new path, or --force to replace it)");
            }
            // before minutes of packing, not after
            AtomicFiles.checkWritable(out, org.murder.core.Printable.escape(out.toString()), "a directory this user can write");
        }
    }

    /** Where {@code out} is: its directory with every link resolved, and its own name (itself may be a link to replace). */
    private static Path realLocation(Path out) {
        Path abs = out.toAbsolutePath().normalize();
        try {
            return abs.getParent().toRealPath().resolve(abs.getFileName());
        } catch (IOException e) {
            return abs; // a directory that is not there: said below
        }
    }

    /** The name written in the md5 file: bare when the archive sits beside it, else absolute. */
    static String md5Name(Path md5File, Path archive) {
        Path md5Dir = md5File.toAbsolutePath().normalize().getParent();
        Path archiveAbs = archive.toAbsolutePath().normalize();
        return archiveAbs.getParent().equals(md5Dir) ? archiveAbs.getFileName().toString() : archiveAbs.toString();
    }

    /**
     * The error naming the output as the operator gave it: a temporary file beside an output is
     * named as that output, and an error that names no path (a full disk) as the output being
     * written ({@code writing}, null before any).
     */
    private static String describe(IOException e, List<Path> outputs, String writing) {
        String file = e instanceof FileSystemException f ? f.getFile() : null;
        Path output = file == null ? null : outputs.stream().filter(o -> AtomicFiles.isTemporarySibling(Path.of(file), o)).findFirst()
                .orElse(null);
        if (output != null) {
            return org.murder.core.Printable.escape(output.toString()) + ": " + org.murder.core.io.IoErrors.reason(e);
        }
        if (file == null && writing != null) {
            return writing + ": " + org.murder.core.io.IoErrors.reason(e);
        }
        return org.murder.core.io.IoErrors.describe(e);
    }

    private static java.util.concurrent.ThreadFactory daemonThreads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "make-torrent-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

}
