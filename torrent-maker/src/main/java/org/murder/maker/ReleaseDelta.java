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
        if (Files.exists(work, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(work, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            // a link planted at NAME.part would have the older releases' frames written wherever it points (as Storage refuses)
            throw org.murder.core.MurderException.badInput(org.murder.core.Printable.escape(work.toString())
                    + ": not a regular file (expected: the download's .part, or nothing)");
        }
        long missing = target.totalLength() - (Files.exists(work) ? Files.size(work) : 0);
        long free = Files.getFileStore(work.toAbsolutePath().getParent()).getUsableSpace();
        if (missing > free) {
            // the download's own check then says so; a sparse work file of full length would hide the shortage from it
            LOG.warn("{}: {} free, {} needed: not rebuilding", work.getParent(), org.murder.core.ByteSize.format(free),
                    org.murder.core.ByteSize.format(missing));
            return Result.NONE;
        }
        List<FileChannel> open = new ArrayList<>();
        try {
            Map<FrameIndex.Frame, List<At>> known = new HashMap<>();
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
                    known.computeIfAbsent(f, k -> new ArrayList<>(1)).add(new At(ch, at));
                    at += f.length();
                }
            }
            int reused = 0;
            long bytes = 0;
            try (FileChannel out = FileChannel.open(work, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
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
                    for (At from : known.getOrDefault(f, List.of())) { // the next source when a copy is damaged
                        if (copy(from, f, out, at, buffer)) {
                            reused++;
                            bytes += f.length();
                            break;
                        }
                    }
                    at += f.length();
                }
                out.force(false);
            }
            return new Result(reused, target.frames().size(), bytes);
        } finally {
            for (FileChannel ch : open) {
                try {
                    ch.close();
                } catch (IOException e) {
                    LOG.debug("close an older archive: {}", e.toString());
                }
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

    /** A release's torrent younger than this is never pruned: another job may be downloading, seeding or unpacking it. */
    static final java.time.Duration IN_USE = java.time.Duration.ofHours(1);
    /** A {@code .part} of a release archive untouched this long will not be resumed (jobs expire after 7 days). */
    static final java.time.Duration STALE_PART = java.time.Duration.ofDays(8);
    private static final List<String> ARCHIVE_ENDINGS = java.util.Arrays.stream(Compression.values()).map(Compression::extension)
            .toList();

    /**
     * Removes releases beyond the {@code keep} newest from {@code dir}. A release is ours when its
     * torrent is named after its archive: {@code v41.tar.zst.torrent} beside {@code v41.tar.zst} (an
     * agent's), or {@code v41.torrent} with {@code v41.tar.zst} and {@code v41.md5} (a deploy
     * host's). Other files are never touched, nor {@code protect}ed archives, nor a release whose
     * torrent changed within {@link #IN_USE}. A {@code .part} of a release archive goes with its
     * release, or once untouched for {@link #STALE_PART}. Returns the bytes freed.
     */
    public static long prune(Path dir, int keep, java.util.Set<String> protect, java.time.Clock clock) {
        return prune(dir, keep, meta -> false, protect::contains, IN_USE, clock);
    }

    /**
     * {@link #prune(Path, int, java.util.Set, java.time.Clock)} for a caller that knows every use of the directory's
     * releases (an agent: its jobs download, seed and unpack them, nothing else does): a release {@code inUse} says is used
     * (or {@code archiveInUse} names by its archive's file name: a {@code .part} so named stays too) stays, and one whose
     * torrent changed within {@code young}; the others beyond the {@code keep} newest go. An agent given 150 deploys in 14
     * minutes kept every archive of that hour under the hour's rule: 1.66 GB where its keep said 6.
     */
    public static long prune(Path dir, int keep, java.util.function.Predicate<MetaInfo> inUse,
            java.util.function.Predicate<String> archiveInUse, java.time.Duration young, java.time.Clock clock) {
        List<Path> torrents = new ArrayList<>();
        List<Path> parts = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                if (n.endsWith(".torrent")) {
                    torrents.add(p);
                } else if (n.endsWith(".part") && ARCHIVE_ENDINGS.stream().anyMatch(e -> n.endsWith(e + ".part"))) {
                    parts.add(p);
                }
            }
        } catch (IOException e) {
            LOG.debug("prune {}: {}", dir, e.getMessage());
            return 0;
        }
        torrents.sort(Comparator.comparing(ReleaseDelta::modified).reversed());
        java.time.Instant now = clock.instant();
        long freed = 0;
        int kept = 0;
        for (Path t : torrents) {
            Optional<Ours> ours = ours(t);
            if (ours.isEmpty() || !Files.isRegularFile(ours.get().files().get(0), LinkOption.NOFOLLOW_LINKS)) {
                continue; // not a release of ours, or nothing left of it to keep or free
            }
            boolean used = archiveInUse.test(ours.get().meta().name()) || inUse.test(ours.get().meta());
            if (used || modified(t).toInstant().isAfter(now.minus(young)) || kept < keep) {
                kept += used ? 0 : 1;
                continue;
            }
            for (Path p : ours.get().files()) {
                freed += deleteCounting(p);
            }
        }
        for (Path p : parts) {
            String archiveName = p.getFileName().toString().replaceFirst("\\.part$", "");
            if (!archiveInUse.test(archiveName) && modified(p).toInstant().isBefore(now.minus(STALE_PART))) {
                freed += deleteCounting(p);
            }
        }
        if (freed > 0) {
            LOG.info("pruned {}: {} freed (kept the {} newest releases)", dir, org.murder.core.ByteSize.format(freed), keep);
        }
        return freed;
    }

    /**
     * Makes room for {@code needed} bytes in {@code dir}'s file system when it has less: removes releases of
     * ours (as {@link #prune} knows them), oldest torrent first, whatever their age and the keep, but never one
     * {@code inUse} says is (a job downloads, seeds or activates it: deleting a file still open frees nothing, and one
     * about to be unpacked must stay), until the space is there or none is left to remove. A release that failed to
     * unpack on a full disk kept its archive for {@link #IN_USE} and beyond the keep, and every deploy after it
     * failed for want of space (fault audit). Returns the bytes the file system gained.
     */
    public static long pruneForSpace(Path dir, long needed, java.util.function.Predicate<MetaInfo> inUse) {
        return pruneForSpace(dir, needed, inUse, archive -> true);
    }

    /**
     * {@link #pruneForSpace(Path, long, java.util.function.Predicate)}, then, still short, the {@code .part} files of
     * downloads given up, but none of an archive {@code archiveInUse} names (by its file name).
     */
    public static long pruneForSpace(Path dir, long needed, java.util.function.Predicate<MetaInfo> inUse,
            java.util.function.Predicate<String> archiveInUse) {
        long usable = usable(dir);
        if (usable < 0 || usable >= needed) {
            return 0;
        }
        List<Path> torrents = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.torrent")) {
            ds.forEach(p -> {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    torrents.add(p);
                }
            });
        } catch (IOException e) {
            LOG.debug("prune {}: {}", dir, e.getMessage());
            return 0;
        }
        torrents.sort(Comparator.comparing(ReleaseDelta::modified));
        List<String> removed = new ArrayList<>();
        for (Path t : torrents) {
            if (usable(dir) >= needed) {
                break;
            }
            Optional<Ours> ours = ours(t);
            if (ours.isEmpty() || inUse.test(ours.get().meta())) {
                continue;
            }
            ours.get().files().forEach(ReleaseDelta::deleteCounting);
            removed.add(ours.get().meta().name());
        }
        if (usable(dir) < needed) {
            removed.addAll(removeStaleParts(dir, needed, archiveInUse));
        }
        long gained = Math.max(0, usable(dir) - usable);
        if (!removed.isEmpty()) {
            LOG.warn("low on space in {}: removed {} to make room for {} ({} gained, {} usable now)", dir, String.join(", ", removed),
                    org.murder.core.ByteSize.format(needed), org.murder.core.ByteSize.format(gained),
                    org.murder.core.ByteSize.format(Math.max(0, usable(dir))));
        }
        return gained;
    }

    /**
     * {@link #pruneForSpace(Path, long, java.util.function.Predicate)} for a directory other processes may use too (a deploy
     * host's work directory, which another deploy may be seeding from): a release whose torrent changed within
     * {@link #IN_USE} is spared, and no {@code .part} is touched. A deploy host's work directory had only the keep and the
     * hour's rule: a full disk failed every deploy until someone removed old releases by hand.
     */
    public static long pruneForSpaceSparingRecent(Path dir, long needed, java.time.Clock clock) {
        long usable = usable(dir);
        if (usable < 0 || usable >= needed) {
            return 0;
        }
        java.time.Instant recent = clock.instant().minus(IN_USE);
        java.util.Set<String> spared = new java.util.HashSet<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.torrent")) {
            for (Path t : ds) {
                if (Files.isRegularFile(t, LinkOption.NOFOLLOW_LINKS) && modified(t).toInstant().isAfter(recent)) {
                    ours(t).ifPresent(o -> spared.add(o.meta().name()));
                }
            }
        } catch (IOException e) {
            LOG.debug("prune {}: {}", dir, e.getMessage());
            return 0;
        }
        return pruneForSpace(dir, needed, meta -> spared.contains(meta.name()), archive -> true);
    }

    /**
     * A {@code .part} written to this recently may belong to a download under way (of another agent process on the
     * destination: the agent itself names its jobs' parts as in use): never removed for space.
     */
    static final java.time.Duration PART_BUSY = java.time.Duration.ofHours(1);

    /**
     * The {@code .part} files of downloads that failed or were given up (their tag never finished here: no torrent
     * beside them, so the loop over releases above passes them by), oldest first, until there is room: a failed 10 GB
     * download held its space for the 8 days a .part may be resumed, and every other job failed for want of it. Not the
     * archive {@code archiveInUse} names, nor one written in the last
     * {@link #PART_BUSY}.
     */
    private static List<String> removeStaleParts(Path dir, long needed, java.util.function.Predicate<String> archiveInUse) {
        List<Path> parts = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.part")) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && ARCHIVE_ENDINGS.stream().anyMatch(e -> n.endsWith(e + ".part"))) {
                    parts.add(p);
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        parts.sort(Comparator.comparing(ReleaseDelta::modified));
        java.time.Instant busy = java.time.Instant.now().minus(PART_BUSY);
        List<String> removed = new ArrayList<>();
        for (Path p : parts) {
            if (usable(dir) >= needed) {
                break;
            }
            String archive = p.getFileName().toString().replaceFirst("\\.part$", "");
            if (modified(p).toInstant().isAfter(busy) || archiveInUse.test(archive)) {
                continue;
            }
            deleteCounting(p);
            removed.add(p.getFileName().toString());
        }
        return removed;
    }

    /** The bytes {@code dir}'s file system lets us write, or -1 when it cannot say. */
    private static long usable(Path dir) {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * A release of ours and its files, archive first: its torrent named after its archive, {@code v41.tar.zst.torrent}
     * beside {@code v41.tar.zst} (an agent's) or {@code v41.torrent} with {@code v41.tar.zst} and {@code v41.md5} (a
     * deploy host's), with the archive's {@code .part}.
     */
    private record Ours(MetaInfo meta, List<Path> files) {
    }

    /** {@code torrent}'s release when it is one of ours (see {@link Ours}); empty for any other torrent. */
    private static Optional<Ours> ours(Path torrent) {
        String n = torrent.getFileName().toString();
        String base = n.substring(0, n.length() - ".torrent".length());
        MetaInfo meta;
        try {
            meta = MetaInfo.read(torrent);
        } catch (MurderException e) {
            return Optional.empty(); // not ours to judge
        }
        String archiveName = meta.name();
        boolean agents = archiveName.equals(base);
        boolean deployHosts = ARCHIVE_ENDINGS.stream().anyMatch(e -> archiveName.equals(base + e));
        if (!agents && !deployHosts) {
            return Optional.empty();
        }
        Path dir = torrent.getParent();
        List<Path> files = new ArrayList<>(List.of(dir.resolve(archiveName), dir.resolve(archiveName + ".part"), torrent));
        if (deployHosts) {
            files.add(dir.resolve(base + ".md5"));
        }
        return Optional.of(new Ours(meta, files));
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
