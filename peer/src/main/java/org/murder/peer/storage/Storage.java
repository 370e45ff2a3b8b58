package org.murder.peer.storage;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.murder.core.ByteSize;
import org.murder.core.MurderException;
import org.murder.core.Printable;
import org.murder.core.io.AtomicFiles;
import org.murder.core.metainfo.MetaInfo;
import org.murder.core.metainfo.TorrentFile;

/**
 * The bytes of one torrent on disk: its files laid end to end, read and written at positions of
 * the torrent's byte stream. Downloads go to {@code NAME.part} files that {@link #commit()} renames
 * to their final names once everything is verified, so a half-downloaded file never stands where
 * a good one is expected. BEP 47 padding files are zeros that are never written nor made: a read
 * of one gives zeros, a write to one is dropped (pieces are verified from what is read back).
 * Thread-safe for positional reads and writes.
 */
public final class Storage implements Closeable {
    /** One file of the layout; a BEP 47 padding file has no channel and no paths (its bytes are zeros, never on disk). */
    public record Segment(FileChannel channel, long torrentOffset, long length, Path workPath, Path finalPath) {
        static Segment padding(TorrentFile f) {
            return new Segment(null, f.offset(), f.length(), null, null);
        }

        boolean isPadding() {
            return channel == null;
        }
    }

    /** A run of bytes within one file ({@code path}: where it is written); within a padding file, {@code channel} and {@code path} are null (zeros). */
    public record Slice(FileChannel channel, long filePosition, int length, Path path) {
        public boolean isPadding() {
            return channel == null;
        }
    }

    public static final String PART_SUFFIX = ".part";
    /** What a read of padding copies from; never written. */
    private static final byte[] ZEROS = new byte[16 * 1024];

    private final List<Segment> segments;
    /** Files written since their last {@link #flush()}: a torrent of many small files syncs only those. */
    private final Set<FileChannel> unflushed = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final long totalLength;
    private final boolean existedBefore;
    private volatile boolean committed;
    /** Each file's identity and modification time when first looked at as complete ({@link #changedWhileShared}), by segment. */
    private final java.util.Map<Integer, FileStamp> stamps = new java.util.concurrent.ConcurrentHashMap<>();
    /** The segment {@link #changedWhileShared} looks at next. */
    private int nextLook;

    /** A file's identity (device and inode) and its modification time. */
    private record FileStamp(Object key, java.nio.file.attribute.FileTime modified) {
        static Optional<FileStamp> of(Path path) {
            try {
                // through links, as the file was opened: a seed of a link to the archive stamps the archive
                java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(path,
                        java.nio.file.attribute.BasicFileAttributes.class);
                return a.fileKey() == null ? Optional.empty() : Optional.of(new FileStamp(a.fileKey(), a.lastModifiedTime()));
            } catch (IOException e) {
                return Optional.empty(); // gone or unreadable by its path: the open file is still the one checked
            }
        }
    }

    private Storage(List<Segment> segments, long totalLength, boolean existedBefore, boolean committed) {
        this.segments = List.copyOf(segments);
        this.totalLength = totalLength;
        this.existedBefore = existedBefore;
        this.committed = committed;
    }

    /**
     * Opens the files of {@code meta} under {@code directory} for downloading: final files that
     * exist with the right size are opened for reading only (to be checked: a download needing to
     * write one is refused, see {@link #differingFoundFile}), otherwise {@code .part} files are
     * created or resumed and sized. A final file with another size is refused, not overwritten; so is
     * a {@code .part} with other hard links (the download would be written into another file too).
     */
    public static Storage forDownload(MetaInfo meta, Path directory) {
        checkDirectory(directory);
        refusePartClashes(meta);
        long free = usableSpace(directory);
        List<Segment> segments = new ArrayList<>();
        boolean existed = false;
        boolean allFinal = true;
        long needed = 0;
        List<Path[]> paths = new ArrayList<>();
        for (TorrentFile f : meta.files()) {
            if (f.padding()) {
                paths.add(null);
                continue;
            }
            Path target = target(meta, directory, f);
            Path part = target.resolveSibling(target.getFileName() + PART_SUFFIX);
            refuseLongNames(meta, f);
            refuseLongPath(part, meta);
            refuseLinks(directory, target, part);
            if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                throw MurderException.badInput(Printable.escape(target.toString()) + ": is a directory (expected: " + f.length()
                        + " bytes of " + Printable.escape(meta.name()) + ", or no file; move it away first)");
            }
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                long size = size(target);
                if (!Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) || size != f.length()) {
                    throw MurderException.badInput(target + ": exists with " + size + " bytes (expected: " + f.length()
                            + " bytes of " + meta.name() + ", or no file; move it away first)");
                }
                paths.add(new Path[] {target, target});
                existed = true;
            } else {
                allFinal = false;
                if (Files.isDirectory(part, LinkOption.NOFOLLOW_LINKS)) { // a complete file beside it does not need it
                    throw MurderException.badInput(Printable.escape(part.toString()) + ": is a directory (expected: the partial"
                            + " download of " + Printable.escape(meta.name()) + ", or no file; move it away first)");
                }
                if (Files.exists(part)) {
                    refuseHardLinks(part, meta.name());
                    existed = existed || size(part) > 0;
                    needed += Math.max(0, f.length() - size(part));
                } else {
                    needed += f.length();
                }
                paths.add(new Path[] {part, target});
            }
        }
        if (needed > free) {
            throw MurderException.failure(directory + ": " + ByteSize.format(free) + " free (expected: at least "
                    + ByteSize.format(needed) + " for " + meta.name() + ")", null);
        }
        List<Path> made = new ArrayList<>(); // directories and files this call created
        try {
            for (int i = 0; i < meta.files().size(); i++) {
                TorrentFile f = meta.files().get(i);
                if (f.padding()) {
                    segments.add(Segment.padding(f));
                    continue;
                }
                Path work = paths.get(i)[0];
                if (work.equals(paths.get(i)[1])) { // found final: read, never written in place
                    segments.add(new Segment(FileChannel.open(work, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS), f.offset(),
                            f.length(), work, work));
                    continue;
                }
                for (Path d = work.getParent(); d != null && !Files.exists(d, LinkOption.NOFOLLOW_LINKS); d = d.getParent()) {
                    made.add(d);
                }
                Files.createDirectories(work.getParent());
                boolean fresh = !Files.exists(work, LinkOption.NOFOLLOW_LINKS);
                FileChannel ch = FileChannel.open(work, StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
                if (fresh) {
                    made.add(work);
                }
                try {
                    lockOrRefuse(ch, work);
                } catch (MurderException inUse) {
                    made.remove(work); // made by the process that holds it (it won the race to create it): not ours to remove
                    throw inUse;
                }
                if (ch.size() != f.length()) {
                    ch.truncate(f.length());
                    if (ch.size() < f.length()) {
                        ch.write(ByteBuffer.allocate(1), f.length() - 1);
                    }
                }
                segments.add(new Segment(ch, f.offset(), f.length(), work, paths.get(i)[1]));
            }
        } catch (MurderException inUse) {
            undo(segments, made);
            throw inUse;
        } catch (IOException e) {
            undo(segments, made);
            String why = org.murder.core.io.IoErrors.describe(e);
            if (String.valueOf(e.getMessage()).contains("Too many open files")) { // EMFILE: each file is held open while it downloads
                why += "; expected: a torrent of fewer files than this process may hold open (" + meta.files().size()
                        + " here; see ulimit -n and LimitNOFILE), or a higher limit";
            }
            throw MurderException.failure(Printable.escape(directory.toString()) + ": cannot create files for "
                    + Printable.escape(meta.name()) + " (" + why + ")", e);
        }
        return new Storage(segments, meta.totalLength(), existed, allFinal);
    }

    /** Closes what a creation that failed opened and removes what it made (out of inodes, 999 empty .part files and their directories stayed): deepest first. */
    private static void undo(List<Segment> segments, List<Path> made) {
        segments.forEach(s -> closeQuietly(s.channel()));
        made.sort(java.util.Comparator.comparingInt(Path::getNameCount).reversed());
        for (Path p : made) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException notEmpty) {
                // a directory holding what was there before: kept
            }
        }
    }

    /**
     * Takes the lock of a {@code .part} for as long as {@code ch} is open, or refuses it (closing {@code ch}) when another
     * process holds it: two downloads into one directory (two murder peers, one of them of another release of the same
     * name) wrote one {@code .part} together, and one of them said {@code md5 ok} over the other's bytes, or failed with
     * {@code already exists} behind a good file. Advisory (fcntl): murder's downloads take it, nothing else is kept out.
     * Held by this process, it is not refused: an agent's downloads into one directory wait for each other already (its
     * destination lock), and a job's download started again while its last session still closes must go on. (A POSIX lock
     * is the process's: the old session's close then drops it, and the new download goes on unlocked.)
     */
    private static void lockOrRefuse(FileChannel ch, Path work) throws IOException {
        java.nio.channels.FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException ours) {
            return;
        } catch (IOException e) {
            return; // a file system without locks (some network ones): the download goes on unlocked, as before
        }
        if (lock == null) {
            closeQuietly(ch);
            throw MurderException.failure(Printable.escape(work.toString()) + ": another process is downloading into it (a murder"
                    + " peer or agent into the same directory, maybe of another release of this name; expected: one download into a"
                    + " directory at a time); left as it is", null);
        }
    }

    /**
     * A file whose download name ({@code a.part}) is another path of the torrent ({@code a.part} itself,
     * or a directory of that name) is bad input before anything is written: the two downloads shared one
     * file, and the end's rename failed after every piece checked out, leaving {@code a}'s bytes under
     * {@code a.part}'s name.
     */
    private static void refusePartClashes(MetaInfo meta) {
        if (!meta.isMultiFile()) {
            return;
        }
        java.util.Set<String> paths = new java.util.HashSet<>();
        for (TorrentFile f : meta.files()) {
            if (f.padding()) {
                continue;
            }
            StringBuilder prefix = new StringBuilder();
            for (String component : f.path()) {
                prefix.append(prefix.length() == 0 ? "" : "/").append(component);
                paths.add(prefix.toString()); // its directories too
            }
        }
        for (TorrentFile f : meta.files()) {
            String joined = String.join("/", f.path());
            if (!f.padding() && paths.contains(joined + PART_SUFFIX)) {
                throw MurderException.badInput("'" + Printable.escape(joined, 60) + "' and '" + Printable.escape(joined + PART_SUFFIX, 60)
                        + "' in " + Printable.escape(meta.name(), 60) + ": the first downloads as " + PART_SUFFIX + ", the second's name"
                        + " (expected: no path of the torrent that is another's with " + PART_SUFFIX + " added)");
            }
        }
    }

    /** Longest name of one file or directory file systems take (NAME_MAX), in bytes; the .part needs 5 more. */
    static final int NAME_MAX = 255;

    /** A name too long to make is bad input before anything is written, not a failure once the files are made. */
    private static void refuseLongNames(MetaInfo meta, TorrentFile f) {
        List<String> names = new ArrayList<>(f.path());
        if (meta.isMultiFile()) {
            names.add(meta.name());
        }
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            // the file's own name gets .part while it downloads
            int room = i == f.path().size() - 1 ? NAME_MAX - PART_SUFFIX.length() : NAME_MAX;
            int bytes = n.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            if (bytes > room) {
                String in = meta.isMultiFile() && i < names.size() - 1 ? " in " + Printable.escape(meta.name(), 60) : "";
                throw MurderException.badInput("'" + Printable.escape(n, 60) + "': a name of " + bytes + " bytes" + in + " (expected: at most " + room
                        + ", what file systems take" + (room < NAME_MAX ? " with .part added" : "") + ")");
            }
        }
    }

    /** Longest path Linux takes (PATH_MAX, with its terminating zero), in bytes. */
    static final int PATH_MAX = 4096;

    /** A path too long to open (deep directories of short names) is bad input before anything is written. */
    private static void refuseLongPath(Path part, MetaInfo meta) {
        int bytes = part.toAbsolutePath().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes >= PATH_MAX) {
            throw MurderException.badInput("'" + Printable.escape(part.toString(), 60) + "': a path of " + bytes + " bytes for a file of "
                    + Printable.escape(meta.name(), 60) + " (expected: under " + PATH_MAX + ", what Linux takes)");
        }
    }

    private static void refuseHardLinks(Path part, String name) {
        try {
            Object links = Files.getAttribute(part, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
            if (links instanceof Integer n && n > 1) {
                throw MurderException.badInput(Printable.escape(part.toString()) + ": has " + n + " hard links (expected: the partial"
                        + " download of " + Printable.escape(name) + " alone, or no file: the download would be written into every"
                        + " other name of it too; move it away first)");
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            // no link count here: nothing to check
        }
    }

    /**
     * After the check of a download ({@link #forDownload}: its files found under their final name
     * are the ones it works on in place, read only): such a file whose pieces are not all
     * {@code good} (the download would have to write into it), described for a one-line refusal;
     * empty when every found file is whole. Pieces shared with a neighbouring file count.
     */
    public Optional<String> differingFoundFile(java.util.BitSet good, long pieceLength, String torrentName) {
        for (Segment s : segments) {
            if (s.isPadding() || !s.workPath().equals(s.finalPath()) || s.length() == 0) {
                continue;
            }
            int first = (int) (s.torrentOffset() / pieceLength);
            int last = (int) ((s.torrentOffset() + s.length() - 1) / pieceLength);
            int bad = 0;
            for (int i = first; i <= last; i++) {
                bad += good.get(i) ? 0 : 1;
            }
            if (bad > 0) {
                return Optional.of(Printable.escape(s.finalPath().toString()) + ": exists with the right size, but " + bad + " of its "
                        + (last - first + 1) + " pieces do not check out against " + Printable.escape(torrentName) + (segments.size() > 1
                        ? " (a piece shared with another file counts)" : "") + " (expected: the same content, or no"
                        + " file; murder never writes into a file in place: move it away first)");
            }
        }
        return Optional.empty();
    }

    /** Opens complete files for seeding only: every file must exist with its exact size. */
    public static Storage forSeeding(MetaInfo meta, Path fileOrDirectory) {
        List<Segment> segments = new ArrayList<>();
        try {
            for (TorrentFile f : meta.files()) {
                if (f.padding()) {
                    segments.add(Segment.padding(f));
                    continue;
                }
                Path p = meta.isMultiFile() ? target(meta, fileOrDirectory, f)
                        : Files.isDirectory(fileOrDirectory) ? fileOrDirectory.resolve(meta.name()) : fileOrDirectory;
                String shown = Printable.escape(p.toString());
                String which = meta.isMultiFile() ? Printable.escape(f.joinedPath()) + " of " + Printable.escape(meta.name())
                        : Printable.escape(meta.name());
                if (!Files.isRegularFile(p)) {
                    throw MurderException.badInput(shown + (Files.exists(p) ? ": not a regular file" : ": no such file")
                            + " (expected: the " + f.length() + "-byte file " + which + ")");
                }
                if (size(p) != f.length()) {
                    throw MurderException.badInput(shown + ": " + size(p) + " bytes (expected: the " + f.length() + "-byte file "
                            + which + ")");
                }
                segments.add(new Segment(FileChannel.open(p, StandardOpenOption.READ), f.offset(), f.length(), p, p));
            }
        } catch (IOException e) {
            segments.forEach(s -> closeQuietly(s.channel()));
            throw MurderException.failure("open " + fileOrDirectory + ": " + e.getMessage(), e);
        } catch (MurderException e) {
            segments.forEach(s -> closeQuietly(s.channel()));
            throw e;
        }
        Storage storage = new Storage(segments, meta.totalLength(), true, true);
        storage.changedWhileShared(segments.size()); // stamped as it is opened, before its pieces are checked (or trusted)
        return storage;
    }

    /**
     * Every path a download of {@code meta} into {@code directory} writes: each file, its
     * {@code .part}, and for a multi-file torrent its top directory (everything below it is the
     * download's too). For refusing another output (a status file) aimed at one of them.
     */
    public static List<Path> downloadPaths(MetaInfo meta, Path directory) {
        List<Path> paths = new ArrayList<>();
        if (meta.isMultiFile()) {
            paths.add(directory.resolve(meta.name()));
        }
        for (TorrentFile f : meta.files()) {
            if (f.padding()) {
                continue;
            }
            Path target = target(meta, directory, f);
            paths.add(target);
            paths.add(target.resolveSibling(target.getFileName() + PART_SUFFIX));
        }
        return paths;
    }

    private static Path target(MetaInfo meta, Path directory, TorrentFile f) {
        try {
            Path p = meta.isMultiFile() ? directory.resolve(meta.name()) : directory;
            for (String c : f.path()) {
                p = p.resolve(c);
            }
            return p;
        } catch (java.nio.file.InvalidPathException e) { // a name this JVM's file-name charset cannot write (LANG=C)
            throw MurderException.badInput("'" + Printable.escape(meta.isMultiFile() ? meta.name() + "/" + f.joinedPath() : meta.name())
                    + "': cannot be a file name here" + org.murder.core.io.FileNames.localeHint() + " (expected: a name this host can"
                    + " write)");
        }
    }

    /**
     * No symbolic link between DEST and a file of the download (its directories, the file, its .part):
     * one planted there would have the download written, and moved into place, outside DEST. DEST
     * itself may be a link: it is the operator's.
     */
    private static void refuseLinks(Path directory, Path target, Path part) {
        List<Path> inside = new ArrayList<>(List.of(part, target));
        for (Path p = target.getParent(); p != null && !p.equals(directory) && p.startsWith(directory); p = p.getParent()) {
            inside.add(p);
        }
        for (Path p : inside) {
            if (Files.isSymbolicLink(p)) {
                throw MurderException.badInput(Printable.escape(p.toString()) + ": a symbolic link (expected: a file or directory of"
                        + " the download, or nothing; a link could lead out of " + Printable.escape(directory.toString()) + ")");
            }
        }
    }

    /** Refuses a download directory that is not one, or that this user cannot write in; writes nothing. */
    public static void checkDirectory(Path directory) {
        if (!Files.isDirectory(directory)) {
            throw MurderException.badInput(Printable.escape(directory.toString()) + (Files.exists(directory) ? ": not a directory"
                    : ": no such directory") + " (expected: an existing download directory)");
        }
        if (!Files.isWritable(directory)) {
            throw MurderException.badInput(Printable.escape(directory.toString()) + ": not writable (expected: a directory this user"
                    + " can write)");
        }
    }

    private static long usableSpace(Path directory) {
        try {
            return Files.getFileStore(directory).getUsableSpace();
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }

    /** True when data was on disk before this run: a resume, whose pieces must be re-checked. */
    public boolean existedBefore() {
        return existedBefore;
    }

    public long totalLength() {
        return totalLength;
    }

    /**
     * Writes {@code sources}, one after another, at {@code offset} of the torrent's byte stream
     * (a block received in two reads comes as two buffers).
     */
    public void write(long offset, ByteBuffer... sources) throws IOException {
        long at = offset;
        for (ByteBuffer src : sources) {
            int length = src.remaining();
            for (Slice s : slices(at, length)) {
                if (s.isPadding()) { // zeros by definition: what a peer sent there is not kept (a read gives zeros)
                    src.position(src.position() + s.length());
                    continue;
                }
                ByteBuffer part = src.slice();
                part.limit(s.length());
                long pos = s.filePosition();
                unflushed.add(s.channel());
                try {
                    while (part.hasRemaining()) {
                        pos += s.channel().write(part, pos);
                    }
                } catch (IOException e) { // "No space left on device" names the file it was for
                    throw new IOException(Printable.escape(s.path().toString()) + ": " + org.murder.core.io.IoErrors.reason(e), e);
                }
                src.position(src.position() + s.length());
            }
            at += length;
        }
    }

    /** Fills {@code dst} from {@code offset}. */
    public void read(long offset, ByteBuffer dst) throws IOException {
        for (Slice s : slices(offset, dst.remaining())) {
            ByteBuffer part = dst.slice();
            part.limit(s.length());
            if (s.isPadding()) {
                while (part.hasRemaining()) {
                    part.put(ZEROS, 0, Math.min(ZEROS.length, part.remaining()));
                }
                dst.position(dst.position() + s.length());
                continue;
            }
            long pos = s.filePosition();
            while (part.hasRemaining()) {
                int n = s.channel().read(part, pos);
                if (n < 0) {
                    throw new IOException("unexpected end of file at " + pos);
                }
                pos += n;
            }
            dst.position(dst.position() + s.length());
        }
    }

    /** The file runs that hold {@code length} bytes from {@code offset}: one, or more across file boundaries. */
    public List<Slice> slices(long offset, int length) {
        if (offset < 0 || length < 0 || offset + length > totalLength) {
            throw new IndexOutOfBoundsException("range [" + offset + ", " + (offset + length) + ") outside [0, " + totalLength + ")");
        }
        List<Slice> out = new ArrayList<>(1);
        long pos = offset;
        int left = length;
        for (Segment s : segments) {
            if (left == 0) {
                break;
            }
            long end = s.torrentOffset() + s.length();
            if (pos >= end || s.length() == 0) {
                continue;
            }
            int n = (int) Math.min(left, end - pos);
            out.add(new Slice(s.channel(), pos - s.torrentOffset(), n, s.workPath()));
            pos += n;
            left -= n;
        }
        return out;
    }

    /** Writes the data written so far to disk (not the metadata): commit has less left to do. */
    public void flush() throws IOException {
        for (FileChannel c : unflushed) {
            unflushed.remove(c); // a write from now on marks it again
            c.force(false);
        }
    }

    /** Flushes to disk and renames {@code .part} files to their final names. Idempotent. */
    public synchronized void commit() throws IOException {
        if (committed) {
            return;
        }
        for (Segment s : segments) {
            if (!s.isPadding()) {
                s.channel().force(true);
            }
        }
        for (Segment s : segments) {
            if (!s.isPadding() && !s.workPath().equals(s.finalPath())) {
                AtomicFiles.commit(s.workPath(), s.finalPath(), false);
            }
        }
        committed = true;
    }

    /**
     * A file now shorter than the torrent says (cut or replaced after its check: every block read
     * from it fails), described for one line; empty when every file still has its length.
     */
    public Optional<String> shorterThanItsTorrent() {
        for (Segment s : segments) {
            if (s.isPadding()) {
                continue;
            }
            Optional<String> cut = cut(s);
            if (cut.isPresent()) {
                return cut;
            }
        }
        return Optional.empty();
    }

    /** File {@code s} now shorter than the torrent says, or unreadable, described for one line; empty when it has its length. */
    private Optional<String> cut(Segment s) {
        String shown = Printable.escape((committed ? s.finalPath() : s.workPath()).toString());
        try {
            long size = s.channel().size();
            if (size < s.length()) {
                return Optional.of(shown + ": " + size + " bytes now, " + s.length() + " when it was checked (expected: the file the"
                        + " torrent was made from, unchanged while it is shared)");
            }
        } catch (IOException e) {
            return Optional.of(shown + ": cannot be read (" + org.murder.core.io.IoErrors.describe(e) + ")");
        }
        return Optional.empty();
    }

    /**
     * A complete file written to in place since this storage first looked at it ({@link #forSeeding} looks as it opens,
     * a download once it is complete): cut shorter, or its modification time moved while its path still names the
     * same file (one replaced by a rename is another file: the one open here is still the one checked). Pieces read
     * from such a file may no longer match the torrent, and every peer that gets one bans this one. Looks at up to
     * {@code maxFiles} files a call, in turn; the first look at a file takes its stamp. Described for one line; empty
     * when nothing changed.
     */
    public synchronized Optional<String> changedWhileShared(int maxFiles) {
        for (int looked = 0; looked < Math.min(maxFiles, segments.size()); looked++) {
            int i = nextLook;
            nextLook = (nextLook + 1) % segments.size();
            Segment s = segments.get(i);
            if (s.isPadding()) {
                continue;
            }
            Optional<String> cut = cut(s);
            if (cut.isPresent()) {
                return cut;
            }
            Path path = committed ? s.finalPath() : s.workPath();
            Optional<FileStamp> now = FileStamp.of(path);
            if (now.isEmpty()) {
                continue;
            }
            FileStamp first = stamps.putIfAbsent(i, now.get());
            if (first != null && first.key().equals(now.get().key()) && !first.modified().equals(now.get().modified())) {
                return Optional.of(Printable.escape(path.toString()) + ": written to while it is shared (modified "
                        + first.modified() + " when first checked, " + now.get().modified() + " now; expected: the file the torrent"
                        + " was made from, unchanged while it is shared: pieces read from it may no longer match)");
            }
        }
        return Optional.empty();
    }

    /** Where each file is now (padding has no file): final paths once committed, else the {@code .part} paths. */
    public List<Path> currentPaths() {
        return segments.stream().filter(s -> !s.isPadding()).map(s -> committed ? s.finalPath() : s.workPath()).toList();
    }

    @Override
    public void close() {
        segments.forEach(s -> closeQuietly(s.channel()));
    }

    private static void closeQuietly(FileChannel c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException ignored) {
            // closing after use; nothing to report
        }
    }
}
