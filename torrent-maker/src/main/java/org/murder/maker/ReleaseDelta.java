package org.murder.maker;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.murder.core.MurderException;
import org.murder.core.bencode.BDict;
import org.murder.core.bencode.BString;
import org.murder.core.bencode.Bencode;
import org.murder.core.metainfo.MetaInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds what it can of a new release archive from archives a host already holds. The new
 * torrent's {@link FrameIndex} says which frames the archive is made of; a frame with the same
 * length and CRC in an older archive (found through the {@code .torrent} kept beside it) is copied
 * to its place in the download's work file. The engine then checks every piece against its SHA-1
 * before it counts (a resumed download), and fetches the rest: a corrupt older archive costs
 * downloads, never a wrong byte.
 */
public final class ReleaseDelta {
    private static final Logger LOG = LoggerFactory.getLogger(ReleaseDelta.class);
    /** Older archives looked at, newest first: the last few releases hold nearly everything the next one shares. */
    static final int MAX_SOURCES = 3;

    private ReleaseDelta() {
    }

    /** An older archive and its frames. */
    public record Source(Path archive, FrameIndex frames) {
    }

    /** What a rebuild copied. */
    public record Result(int framesReused, int frames, long bytesReused) {
        public static final Result NONE = new Result(0, 0, 0);
    }

    /** The frames a torrent made by make-torrent lists, or empty (another tool's torrent, or a file packed elsewhere). */
    public static Optional<FrameIndex> framesOf(MetaInfo meta) {
        try {
            BDict info = (BDict) Bencode.decode(meta.infoBytes());
            return info.get(FrameIndex.INFO_KEY).filter(v -> v instanceof BString).map(v -> ((BString) v).bytes())
                    .map(FrameIndex::decode).filter(f -> f.totalLength() == meta.totalLength());
        } catch (RuntimeException e) {
            LOG.debug("{}: no usable frame index ({})", meta.name(), e.getMessage());
            return Optional.empty();
        }
    }

    /** The torrent kept beside an archive once it is complete: {@code NAME.torrent} for archive {@code NAME}. */
    public static Path torrentBeside(Path archive) {
        return archive.resolveSibling(archive.getFileName() + ".torrent");
    }

    /**
     * Archives in {@code dir} that have their torrent beside them, carry frames and have the size it
     * says, newest first, at most {@link #MAX_SOURCES}, leaving out {@code except} (the one being built).
     */
    public static List<Source> sourcesIn(Path dir, String except) {
        List<Path> torrents = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.torrent")) {
            ds.forEach(torrents::add);
        } catch (IOException e) {
            return List.of();
        }
        torrents.sort(Comparator.comparing(ReleaseDelta::modified).reversed());
        List<Source> sources = new ArrayList<>();
        for (Path t : torrents) {
            if (sources.size() == MAX_SOURCES) {
                break;
            }
            String name = t.getFileName().toString();
            Path archive = t.resolveSibling(name.substring(0, name.length() - ".torrent".length()));
            if (archive.getFileName().toString().equals(except) || !Files.isRegularFile(archive, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            try {
                MetaInfo meta = MetaInfo.read(t);
                Optional<FrameIndex> frames = framesOf(meta);
                if (frames.isPresent() && Files.size(archive) == meta.totalLength()) {
                    sources.add(new Source(archive, frames.get()));
                }
            } catch (MurderException | IOException e) {
                LOG.debug("{}: not a source for deltas ({})", t, e.getMessage());
            }
        }
        return sources;
    }

    private static FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    /** Where a frame can be found: an archive and an offset in it. */
    private record At(FileChannel channel, long offset) {
    }

    /**
     * Copies every frame of {@code target} found in {@code sources} to its offset in {@code work}
     * (created or resumed, sized to the archive). A frame is copied only when the bytes read match
     * its CRC (a damaged older archive is read around). Fails only when {@code work} cannot be written.
     */
    public static Result rebuild(FrameIndex target, List<Source> sources, Path work) throws IOException {
        if (sources.isEmpty() || target.frames().isEmpty()) {
            return Result.NONE;
        }
        List<FileChannel> open = new ArrayList<>();
        try {
            Map<FrameIndex.Frame, At> known = new HashMap<>();
            for (Source s : sources) {
                FileChannel ch;
                try {
                    ch = FileChannel.open(s.archive(), StandardOpenOption.READ);
                } catch (IOException e) {
                    LOG.debug("{}: cannot read ({})", s.archive(), e.getMessage());
                    continue;
                }
                open.add(ch);
                long at = 0;
                for (FrameIndex.Frame f : s.frames().frames()) {
                    known.putIfAbsent(f, new At(ch, at));
                    at += f.length();
                }
            }
            int reused = 0;
            long bytes = 0;
            try (FileChannel out = FileChannel.open(work, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE)) {
                long length = target.totalLength();
                if (out.size() != length) {
                    out.truncate(length);
                    if (out.size() < length) {
                        out.write(ByteBuffer.allocate(1), length - 1);
                    }
                }
                ByteBuffer buffer = ByteBuffer.allocate((int) FrameWriter.MAX_FRAME * 2);
                long at = 0;
                for (FrameIndex.Frame f : target.frames()) {
                    At from = known.get(f);
                    if (from != null && copy(from, f, out, at, buffer)) {
                        reused++;
                        bytes += f.length();
                    }
                    at += f.length();
                }
                out.force(false);
            }
            return new Result(reused, target.frames().size(), bytes);
        } finally {
            for (FileChannel ch : open) {
                ch.close();
            }
        }
    }

    private static boolean copy(At from, FrameIndex.Frame f, FileChannel out, long at, ByteBuffer buffer) throws IOException {
        ByteBuffer b = f.length() <= buffer.capacity() ? buffer.clear().limit((int) f.length()) : ByteBuffer.allocate((int) f.length());
        try {
            while (b.hasRemaining()) {
                if (from.channel().read(b, from.offset() + b.position()) < 0) {
                    return false;
                }
            }
        } catch (IOException e) {
            return false; // the older archive is unreadable here: download this frame
        }
        if (FrameIndex.crc(b.array(), b.arrayOffset(), b.limit()) != f.crc()) {
            return false;
        }
        b.flip();
        while (b.hasRemaining()) {
            out.write(b, at + b.position());
        }
        return true;
    }

    /**
     * Removes releases beyond the {@code keep} newest from {@code dir}: a release is a {@code .torrent}
     * with the archive it names (and the {@code .md5} beside a deploy host's torrent). The archive
     * named {@code current} always stays; so does anything this cannot read as ours. {@code .part}
     * files of other archives untouched for {@code partAge} go too (downloads that will not resume).
     * Returns the bytes freed.
     */
    public static long prune(Path dir, int keep, String current, java.time.Duration partAge, java.time.Clock clock) {
        List<Path> torrents = new ArrayList<>();
        List<Path> parts = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (n.endsWith(".torrent") && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    torrents.add(p);
                } else if (n.endsWith(".part") && !n.equals(current + ".part") && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    parts.add(p);
                }
            }
        } catch (IOException e) {
            LOG.debug("prune {}: {}", dir, e.getMessage());
            return 0;
        }
        torrents.sort(Comparator.comparing(ReleaseDelta::modified).reversed());
        long freed = 0;
        int kept = 0;
        for (Path t : torrents) {
            String archiveName;
            try {
                archiveName = MetaInfo.read(t).name();
            } catch (MurderException e) {
                continue; // not ours to judge
            }
            if (archiveName.equals(current) || kept < keep) {
                kept += archiveName.equals(current) ? 0 : 1;
                continue;
            }
            String n = t.getFileName().toString();
            Path md5 = t.resolveSibling(n.substring(0, n.length() - ".torrent".length()) + ".md5");
            for (Path p : List.of(dir.resolve(archiveName), md5, t)) {
                freed += deleteCounting(p);
            }
        }
        java.time.Instant before = clock.instant().minus(partAge);
        for (Path p : parts) {
            if (modified(p).toInstant().isBefore(before)) {
                freed += deleteCounting(p);
            }
        }
        if (freed > 0) {
            LOG.info("pruned {}: {} freed (kept the {} newest releases)", dir, org.murder.core.ByteSize.format(freed), keep);
        }
        return freed;
    }

    private static long deleteCounting(Path p) {
        try {
            long size = Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? Files.size(p) : 0;
            return Files.deleteIfExists(p) ? size : 0;
        } catch (IOException e) {
            LOG.warn("prune: cannot remove {} ({})", p, e.getMessage());
            return 0;
        }
    }
}
