package org.murder.orchestrator.release;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.murder.maker.Compression;
import org.murder.core.ByteSize;
import org.murder.core.MurderException;
import org.murder.core.io.LinkWalk;
import org.murder.core.io.FileModes;

/**
 * Unpacks a release archive ({@code .tar.zst}, {@code .tar.gz} or {@code .tar}: the codec is read from its first
 * bytes) so that nothing in it can land outside the target directory.
 *
 * <p>Every entry is checked before anything is written for it, and the archive is refused with a
 * one-line {@link MurderException} ({@code ARCHIVE: entry 'NAME': REASON (expected: ...)}) when it
 * holds: a name that is empty, absolute or has a {@code ..} component; a symbolic link whose target
 * is absolute or leads out of the release (the target is resolved from the link's own directory,
 * following the archive's other links, against the whole archive once it is unpacked, so a chain of
 * links cannot escape either); a hard link to anything but a file earlier in the archive; a device or
 * a fifo; an entry below a symbolic link (writing through a link); the same path twice; more entries
 * or more content bytes than the {@link Limits} allow (a tar bomb). Files are created with
 * {@code O_CREAT|O_EXCL} and {@code O_NOFOLLOW}, so even a missed case cannot overwrite anything.
 *
 * <p>Permission bits ({@code 0777}; never setuid, setgid or sticky) and mtimes are kept; owners are
 * never changed: everything belongs to the user that unpacks. Names may start with {@code ./} (as
 * {@code tar -C dir .} writes them), and a {@code ./} entry sets the mode and mtime of the release
 * directory itself.
 *
 * <p>The archive is unpacked into {@code release} in a fresh sibling {@code .NAME.partial-XXXX}
 * (a {@link ClaimedDir}: one a killed agent left is removed later) and renamed to the target only
 * when all of it succeeded: a failure leaves nothing behind, and the target never holds
 * half a release. The archive may be several concatenated gzip members (what make-torrent's parallel
 * gzip writes).
 */
public final class SafeExtractor {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SafeExtractor.class);
    /** What is read past tar's end-of-archive marker to reach the compressed stream's end (see Run.readAfterMarker). */
    static final long AFTER_MARKER_READ = 64L << 20;


    /** The tar-bomb guard: content bytes (after decompression) and entries, per archive. */
    public record Limits(long maxBytes, long maxEntries) {
        public static final long DEFAULT_MAX_BYTES = org.murder.core.io.ReleaseLimits.MAX_BYTES;
        public static final long DEFAULT_MAX_ENTRIES = org.murder.core.io.ReleaseLimits.MAX_ENTRIES;

        public Limits {
            if (maxBytes < 0) {
                throw MurderException.badInput("maxBytes: " + maxBytes + " (expected: 0 or more)");
            }
            if (maxEntries < 1) {
                throw MurderException.badInput("maxEntries: " + maxEntries + " (expected: 1 or more)");
            }
        }

        /** 256 GiB of content and a million entries: far above a release, far below a full disk of inodes. */
        public static Limits defaults() {
            return new Limits(DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRIES);
        }
    }

    /** A finished extraction: where it is, how many entries and content bytes it held. */
    public record Extracted(Path directory, long entries, long bytes) {
    }

    /** How the archive's bytes are read: the file itself, or (in tests) a disk that fails part way. */
    interface Opener {
        InputStream open(Path archive) throws IOException;
    }

    private final Limits limits;
    private final Opener opener;

    public SafeExtractor() {
        this(Limits.defaults());
    }

    public SafeExtractor(Limits limits) {
        this(limits, Files::newInputStream);
    }

    SafeExtractor(Limits limits, Opener opener) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.opener = Objects.requireNonNull(opener, "opener");
    }

    public Limits limits() {
        return limits;
    }

    /**
     * Unpacks {@code archive} into {@code target}, which must not exist yet and whose parent must.
     * On any failure nothing is left at or beside {@code target}.
     */
    public Extracted extract(Path archive, Path target) {
        Path resolved = asTheKernelSees(target); // once: the move goes where the checks looked
        try (Unpacked done = extractBeside(archive, target, resolved)) {
            DiskFlush.fileSystemOf(done.directory()); // on the disk before it is in place (murder unpack)
            // not ATOMIC_MOVE: rename(2) would silently replace an empty directory at target
            Files.move(done.directory(), resolved);
            return new Extracted(target, done.entries(), done.bytes());
        } catch (FileAlreadyExistsException e) {
            throw MurderException.badInput(target + ": already exists (expected: a new directory)");
        } catch (IOException e) {
            throw MurderException.failure("extract " + archive + ": " + Trees.describe(e), e);
        }
    }

    /**
     * Checks {@code archive} as {@link #extract} would unpack it, every rule applied, without writing its
     * files' bytes: its directories, links and empty files are made in a scratch directory in {@code scratchParent}
     * (which goes after), so that a deploy refuses an archive no host could unpack before anything is published.
     */
    public Extracted check(Path archive, Path scratchParent) {
        Path target = asTheKernelSees(scratchParent).resolve(".murder-check-" + Long.toHexString(System.nanoTime()));
        try (Unpacked done = extractBeside(archive, target, target, false)) {
            return new Extracted(archive, done.entries(), done.bytes());
        }
    }

    /** The prefix of the directories where releases called {@code name} are unpacked before their rename. */
    public static String partialPrefix(String name) {
        return "." + name + ".partial-";
    }

    /** What {@link ClaimedDir#sweep} looks for: every release's partial directory. */
    public static final String PARTIAL_GLOB = ".*.partial-*";

    /**
     * An archive unpacked completely, not yet in place: {@link #directory} is {@code release} inside a
     * {@link ClaimedDir} {@code .NAME.partial-XXXX} beside the target, locked by this process until
     * {@link #close}, which removes whatever is left of it (all of it, unless the caller renamed the
     * release out first). A partial directory whose agent was killed is known by its free lock.
     */
    public static final class Unpacked implements AutoCloseable {
        private final ClaimedDir claim;
        private final Extracted extracted;

        private Unpacked(ClaimedDir claim, Extracted extracted) {
            this.claim = claim;
            this.extracted = extracted;
        }

        /** The unpacked release, to be renamed to its target. */
        public Path directory() {
            return extracted.directory();
        }

        public long entries() {
            return extracted.entries();
        }

        public long bytes() {
            return extracted.bytes();
        }

        @Override
        public void close() {
            claim.close();
        }
    }

    /**
     * {@code target} as open(2) and rename(2) resolve it: its parent with its links followed and its
     * {@code ..} taken after them ({@code rel/../v1}, {@code rel} a link to {@code /srv/releases}, is
     * {@code /srv/v1}; normalised as text it was {@code ./v1}, and the release was unpacked beside one
     * and renamed to the other). A last component {@code .} or {@code ..} names no new directory.
     */
    static Path asTheKernelSees(Path target) {
        Path absolute = target.toAbsolutePath();
        Path name = absolute.getFileName();
        if (name == null || name.toString().equals(".") || name.toString().equals("..")) {
            throw MurderException.badInput(target + ": names no new directory (expected: DIR, the path of a directory to create)");
        }
        Path parent = absolute.getParent();
        try {
            return parent.toRealPath().resolve(name);
        } catch (java.nio.file.NoSuchFileException e) { // no such parent: said as such by the caller, with the path as given
            return parent.normalize().resolve(name);
        } catch (IOException e) { // not ours to read (a loop of links, no permission): as given, and the checks say why
            return absolute;
        }
    }

    /** Whether {@code directory} is on a file system mounted read-only. */
    private static boolean readOnly(Path directory) {
        try {
            return Files.getFileStore(directory).isReadOnly();
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Unpacks {@code archive} completely into a fresh directory beside {@code target} ({@link
     * Unpacked}); the caller renames it to {@code target} (so it can do that under its own lock). On
     * failure nothing is left.
     */
    public Unpacked extractBeside(Path archive, Path target) {
        return extractBeside(archive, target, asTheKernelSees(target));
    }

    /**
     * As {@link #extractBeside(Path, Path)} for a {@code target} that exists and that the caller replaces (a release with
     * no record of its archive, see ReleaseManager#replaceUnrecorded).
     */
    public Unpacked extractToReplace(Path archive, Path target) {
        return extractBeside(archive, target, asTheKernelSees(target), true, true);
    }

    /** As {@link #extractBeside(Path, Path)}, {@code target} resolved already ({@code absolute}); messages name {@code target}. */
    private Unpacked extractBeside(Path archive, Path target, Path absolute) {
        return extractBeside(archive, target, absolute, true);
    }

    /** As above; without {@code contents}, files are made empty (their bytes read, counted and dropped). */
    private Unpacked extractBeside(Path archive, Path target, Path absolute, boolean contents) {
        return extractBeside(archive, target, absolute, contents, false);
    }

    private Unpacked extractBeside(Path archive, Path target, Path absolute, boolean contents, boolean replacing) {
        Path parent = absolute.getParent();
        if (!replacing && Files.exists(absolute, LinkOption.NOFOLLOW_LINKS)) {
            throw MurderException.badInput(target + ": already exists (expected: a new directory)");
        }
        if (parent == null || !Files.isDirectory(parent)) {
            throw MurderException.badInput(target + ": " + (parent != null && Files.exists(parent) ? parent + " is not a directory"
                    : "no directory " + parent) + " to unpack in (expected: DIR in an existing directory)");
        }
        if (!Files.isWritable(parent)) { // read-only file system, or not ours: the operator's choice of DIR, as for peer's DEST
            throw MurderException.badInput(target + ": cannot write in " + parent + (readOnly(parent) ? ", a read-only file system" : "") + " (expected: DIR in a directory this user can write)");
        }
        if (!Files.isRegularFile(archive)) {
            throw MurderException.badInput(archive + (Files.isDirectory(archive) ? ": a directory" : Files.exists(archive)
                    ? ": not a regular file" : ": no such file") + " (expected: a release archive: .tar.zst, .tar.gz or .tar)");
        }
        ClaimedDir claim;
        try {
            claim = ClaimedDir.create(parent, partialPrefix(absolute.getFileName().toString()));
        } catch (IOException e) {
            throw MurderException.failure("extract " + archive + ": cannot create a directory in " + parent + ": "
                    + Trees.describe(e), e);
        }
        boolean ok = false;
        try {
            Path root = Files.createDirectory(claim.dir().resolve("release"));
            Unpacked done = new Unpacked(claim, new Run(archive, root, contents).run());
            ok = true;
            return done;
        } catch (IOException e) {
            throw MurderException.failure("extract " + archive + ": " + Trees.describe(e), e);
        } catch (MurderException e) {
            throw e;
        } catch (RuntimeException e) { // a malformed header can surface as an unchecked exception
            throw MurderException.failure("extract " + archive + ": " + Trees.printable(String.valueOf(e)), e);
        } finally {
            if (!ok) {
                claim.close();
            }
        }
    }

    private enum Kind { DIRECTORY, FILE, SYMLINK }

    private record Link(String rawName, String key, String target) {
    }

    private record DirAttributes(Path path, int depth, int mode, FileTime mtime) {
    }

    /** The state of one extraction. */
    private final class Run {
        private final Path archive;
        private final Path root;
        /**
         * The directories made so far (keys); files are not held in memory, only found on disk when asked about: a
         * map of every entry took an agent's whole heap (192 MB) at 900,000 files, and it died in a loop of full
         * collections on a release the packer had accepted.
         */
        private final java.util.Set<String> dirKeys = new java.util.HashSet<>();
        private final List<Link> links = new ArrayList<>();
        private final Map<String, String> linkTargets = new HashMap<>();
        private final List<DirAttributes> dirs = new ArrayList<>();
        private final byte[] buffer = new byte[256 * 1024];
        /** The mode bits a new file here keeps (see {@link #creationKeeps}). */
        private final int keeps;
        private long entries;
        private long bytes;
        private boolean rootAttributes;
        private FileReads source;

        /** Whether files get their bytes (an extraction) or stay empty (a check). */
        private final boolean contents;

        Run(Path archive, Path root, boolean contents) throws IOException {
            this.archive = archive;
            this.root = root;
            this.contents = contents;
            this.keeps = creationKeeps(root);
        }

        Extracted run() throws IOException {
            try (InputStream file = new BufferedInputStream(source = new FileReads(opener.open(archive)), 256 * 1024)) {
                Compression codec;
                try {
                    codec = codec(file);
                } catch (IOException e) {
                    throw readFailure(e).orElseThrow(() -> e);
                }
                InputStream decompressed;
                try {
                    decompressed = codec.decompress(file); // gzip reads its header here
                } catch (IOException e) {
                    Compression read = codec;
                    throw readFailure(e).orElseGet(() -> MurderException.badInput("extract " + archive + ": " + reason(e, read), e));
                }
                TrailingData untilTrailing = new TrailingData(decompressed);
                try (InputStream tarBytes = new ReadAhead(untilTrailing, "murder-unpack");
                        TarEnd tar = new TarEnd(tarBytes, "UTF-8")) { // not the locale's
                    String last = null;
                    while (true) {
                        TarArchiveEntry entry;
                        try {
                            entry = tar.getNextEntry();
                        } catch (IOException | RuntimeException e) {
                            String where = last == null ? "the first entry: " : "the entry after '" + Trees.printable(last) + "': ";
                            Compression read = codec;
                            throw readFailure(e).orElseGet(() -> MurderException.badInput("extract " + archive + ": " + where
                                    + reason(e, read), e));
                        }
                        if (entry == null) {
                            java.util.Optional<String> cut = tar.problem();
                            if (cut.isPresent()) {
                                String where = last == null ? "" : "after entry '" + Trees.printable(last) + "': ";
                                throw readFailure(new java.io.EOFException()).orElseGet(() -> MurderException.badInput("extract " + archive
                                        + ": " + where + cut.get()));
                            }
                            readAfterMarker(tarBytes, codec);
                            if (untilTrailing.seen() != null) {
                                LOG.warn("extract {}: bytes after the {} stream ignored ({}), as gzip does", archive,
                                        codec.name().toLowerCase(java.util.Locale.ROOT), Trees.printable(untilTrailing.seen()));
                            }
                            break;
                        }
                        if (tar.paxTooLarge()) {
                            throw refuse(entry.getName(), "a PAX header over 1 MiB (expected: a name, times and the like: a few"
                                    + " hundred bytes)");
                        }
                        if (entry.isGlobalPaxHeader()) {
                            continue; // e.g. git archive's commit id: metadata, not a path
                        }
                        last = entry.getName();
                        if (!entry.isCheckSumOK()) {
                            throw refuse(last, "its header's checksum does not match (expected: a valid tar header; a corrupt"
                                    + " archive?)");
                        }
                        if (tar.namedAbsolute()) { // commons-compress dropped the '/' of a PAX or GNU long name
                            throw refuse("/" + last, "absolute path (expected: a relative path inside the release)");
                        }
                        if (tar.notUtf8().isPresent()) { // commons-compress reads such bytes as '?'
                            throw refuse(last, "its " + tar.notUtf8().get() + " (expected: UTF-8 names and link targets;"
                                    + " rename it in the release)");
                        }
                        if (entry.isDirectory() && entry.getSize() > 0 && entry.getLinkFlag() != TarConstants.LF_DIR) {
                            throw refuse(last, "a directory with " + entry.getSize() + (entry.getSize() == 1 ? " byte" : " bytes")
                                    + " of data (expected: a file, or a directory without data)");
                        }
                        unpack(entry, tar, codec);
                    }
                }
            }
            // links are checked as they come, and again against the whole tree: a link may lead out
            // only through links that came after it ("a/m -> l/.." then "a/l -> ..")
            for (Link link : links) {
                checkLinkTarget(link.rawName(), link.key(), link.target());
            }
            if (!rootAttributes) {
                dirs.add(new DirAttributes(root, 0, 0755, null));
            }
            dirs.sort(Comparator.comparingInt(DirAttributes::depth).reversed());
            for (DirAttributes d : dirs) {
                if ((d.mode() & STICKY) != 0) { // beyond what PosixFilePermission says
                    Files.setAttribute(d.path(), "unix:mode", d.mode() & (STICKY | 0777), LinkOption.NOFOLLOW_LINKS);
                } else {
                    Files.setPosixFilePermissions(d.path(), permissions(d.mode()));
                }
                if (d.mtime() != null) {
                    setTimes(d.path(), d.mtime());
                }
            }
            return new Extracted(root, entries, bytes);
        }

        /**
         * Reads what follows tar's end-of-archive marker (the rest of its last block, a second tar after it) without
         * unpacking it, as GNU tar does not, so that the compressed stream's own check at its end (gzip's CRC-32 and
         * length, zstd's frame checksum) covers every byte of the archive: a damaged stream is refused here instead of
         * unpacked as if whole. At most {@link #AFTER_MARKER_READ}: past that the rest is left unread, with a warning.
         */
        private void readAfterMarker(InputStream tarBytes, Compression codec) throws IOException {
            if (codec == Compression.NONE) {
                return; // a plain tar has no check to reach
            }
            long read = 0;
            try {
                int n;
                while (read < AFTER_MARKER_READ && (n = tarBytes.read(buffer)) >= 0) {
                    read += n;
                }
            } catch (IOException | RuntimeException e) {
                throw readFailure(e).orElseGet(() -> MurderException.badInput("extract " + archive
                        + ": after tar's end-of-archive marker: " + reason(e, codec), e));
            }
            if (read >= AFTER_MARKER_READ) {
                LOG.warn("extract {}: more than {} after tar's end-of-archive marker, left unread (not unpacked, and the {}"
                        + " stream's check at its end not made)", archive, ByteSize.format(AFTER_MARKER_READ),
                        codec.name().toLowerCase(java.util.Locale.ROOT));
            }
        }

        /** The archive's codec, from its first bytes; anything else is refused. */
        private Compression codec(InputStream file) throws IOException {
            file.mark(1024);
            byte[] head = file.readNBytes(512);
            file.reset();
            return Compression.detect(head, head.length).orElseThrow(() -> MurderException.badInput("extract " + archive
                    + ": not a release archive (expected: a zstd, gzip or tar stream; "
                    + (head.length == 0 ? "it is empty" : "it starts with "
                    + org.murder.core.Hex.encode(java.util.Arrays.copyOf(head, Math.min(4, head.length)))) + ")"));
        }

        /**
         * When reading the archive's file failed (EIO from a bad disk, a network filesystem gone):
         * a failure of this host (exit 1), not a bad archive, whatever the decompressor made of it.
         */
        private java.util.Optional<MurderException> readFailure(Throwable e) {
            IOException failed = source == null ? null : source.failure();
            return failed == null ? java.util.Optional.empty() : java.util.Optional.of(MurderException.failure("extract " + archive
                    + ": cannot read the file: " + org.murder.core.io.IoErrors.reason(failed), e));
        }

        /** What went wrong reading the archive, without a bare exception name. */
        private String reason(Throwable e, Compression codec) {
            // a plain tar is a "tar stream", not a "none tar stream"
            String codecName = codec == Compression.NONE ? "tar" : codec.name().toLowerCase(java.util.Locale.ROOT) + " tar";
            if (e instanceof java.io.EOFException || e.getMessage() == null) {
                return "the archive ends early (expected: a complete " + codecName + " stream; truncated?)";
            }
            String message = Trees.printable(e.getMessage());
            if (message.contains("Corrupted TAR archive") || message.contains("Truncated TAR archive")) {
                return "not a readable tar header (" + message + ") (expected: a tar entry; corrupt archive?)";
            }
            return message + " (expected: a complete, valid " + codecName + " stream)";
        }

        private void unpack(TarArchiveEntry entry, TarArchiveInputStream tar, Compression codec) throws IOException {
            String raw = entry.getName();
            if (++entries > limits.maxEntries()) {
                throw refuse(raw, "more than " + limits.maxEntries() + " entries (expected: at most " + limits.maxEntries() + ")");
            }
            Kind kind = kind(entry);
            List<String> parts = components(raw, raw, "");
            if (org.murder.core.io.ReleaseLimits.tooLong(parts)) { // here, not by ENAMETOOLONG naming our partial directory
                throw refuse(raw, "a name longer than file systems take (expected: " + org.murder.core.io.ReleaseLimits.nameExpected()
                        + ")");
            }
            if (parts.isEmpty()) {
                if (kind != Kind.DIRECTORY) {
                    throw refuse(raw, "names the release directory itself (expected: a path inside it)");
                }
                rootAttributes = true;
                dirs.add(new DirAttributes(root, 0, dirMode(entry), entry.getLastModifiedTime()));
                return;
            }
            String key = makeParents(raw, parts);
            Path path = root.resolve(key);
            if (!path.normalize().startsWith(root)) { // cannot happen after components(); never write if it does
                throw refuse(raw, "leaves the release (expected: a relative path inside the release)");
            }
            Kind existing = dirKeys.contains(key) ? Kind.DIRECTORY : linkTargets.containsKey(key) ? Kind.SYMLINK : null;
            if (existing != null && !(existing == Kind.DIRECTORY && kind == Kind.DIRECTORY)) {
                throw refuse(raw, "appears twice (expected: each path once)");
            }
            try { // a file there already (not held in memory): its name taken is the refusal
                switch (kind) {
                    case DIRECTORY -> {
                        if (existing == null) {
                            Files.createDirectory(path);
                            dirKeys.add(key);
                        }
                        dirs.add(new DirAttributes(path, parts.size(), dirMode(entry), entry.getLastModifiedTime()));
                    }
                    case FILE -> {
                        if (entry.isLink()) {
                            hardLink(raw, entry.getLinkName(), path);
                        } else {
                            writeFile(raw, entry, tar, path, codec);
                        }
                    }
                    case SYMLINK -> {
                        String target = entry.getLinkName();
                        checkLinkTarget(raw, key, target);
                        createSymbolicLink(path, target);
                        links.add(new Link(raw, key, target));
                        linkTargets.put(key, target);
                        setLinkTime(path, entry.getLastModifiedTime());
                    }
                }
            } catch (java.nio.file.FileAlreadyExistsException e) {
                throw refuse(raw, "appears twice (expected: each path once)");
            }
        }

        private Kind kind(TarArchiveEntry entry) {
            String raw = entry.getName();
            if (entry.isDirectory()) {
                return Kind.DIRECTORY;
            }
            if (entry.isSymbolicLink()) {
                return Kind.SYMLINK;
            }
            if (entry.isLink()) {
                return Kind.FILE; // a hard link: one more name for a file
            }
            if (entry.isCharacterDevice()) {
                throw refuse(raw, "character device (expected: a file, directory or symbolic link)");
            }
            if (entry.isBlockDevice()) {
                throw refuse(raw, "block device (expected: a file, directory or symbolic link)");
            }
            if (entry.isFIFO()) {
                throw refuse(raw, "fifo (expected: a file, directory or symbolic link)");
            }
            byte type = entry.getLinkFlag();
            if (type == TarConstants.LF_NORMAL || type == TarConstants.LF_OLDNORM || type == TarConstants.LF_CONTIG) {
                return Kind.FILE;
            }
            if (entry.isOldGNUSparse()) { // GNU tar's -S in its default format: a file, its holes read back as zeros
                return Kind.FILE;
            }
            throw refuse(raw, "entry type '" + Trees.printable(String.valueOf((char) type))
                    + "' (expected: a file, directory or symbolic link)");
        }

        /** Creates the missing parents of {@code parts}, refusing to go through a link or a file; returns the key. */
        private String makeParents(String raw, List<String> parts) throws IOException {
            StringBuilder key = new StringBuilder();
            for (int i = 0; i < parts.size() - 1; i++) {
                if (i > 0) {
                    key.append('/');
                }
                key.append(parts.get(i));
                String k = key.toString();
                if (dirKeys.contains(k)) {
                    continue;
                }
                if (linkTargets.containsKey(k)) {
                    throw refuse(raw, "writes through the symbolic link '" + Trees.printable(k)
                            + "' (expected: no entry below a symbolic link)");
                }
                try {
                    Files.createDirectory(root.resolve(k));
                } catch (java.nio.file.FileAlreadyExistsException e) { // neither a directory nor a link of ours: a file
                    throw refuse(raw, "'" + Trees.printable(k) + "' is a file (expected: a directory)");
                }
                dirKeys.add(k);
            }
            return parts.size() == 1 ? parts.get(0) : key + "/" + parts.get(parts.size() - 1);
        }

        private void writeFile(String raw, TarArchiveEntry entry, TarArchiveInputStream tar, Path path, Compression codec)
                throws IOException {
            long expected = entry.isSparse() ? entry.getRealSize() : entry.getSize();
            if (expected > limits.maxBytes() - bytes) {
                throw refuse(raw, bytesReason());
            }
            long written = 0;
            int mode = entry.getMode() & 0777;
            // created with its mode (and the owner's read bit): no chmod after, unless creation lost bits
            int createMode = mode | 0400;
            try (FileChannel out = FileChannel.open(path, CREATE_FILE, PosixFilePermissions.asFileAttribute(permissions(createMode)))) {
                int n;
                while (true) {
                    try {
                        n = tar.read(buffer);
                    } catch (IOException | RuntimeException e) {
                        long sofar = written;
                        throw readFailure(e).orElseGet(() -> MurderException.badInput("extract " + archive + ": entry '"
                                + Trees.printable(raw) + "': " + reason(e, codec) + " after " + sofar + " of its " + expected + " bytes", e));
                    }
                    if (n < 0) {
                        break;
                    }
                    bytes += n;
                    written += n;
                    if (bytes > limits.maxBytes()) { // a sparse entry may expand beyond its declared size
                        throw refuse(raw, bytesReason());
                    }
                    ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
                    try {
                        while (contents && chunk.hasRemaining()) {
                            out.write(chunk);
                        }
                    } catch (IOException e) { // a full disk or quota: name the entry and what it had written
                        long wrote = written - n + chunk.position();
                        throw MurderException.failure("extract " + archive + ": write entry '" + Trees.printable(raw) + "' after "
                                + wrote + " of its " + expected + " bytes (" + (bytes - n + chunk.position()) + " bytes unpacked so far"
                                + freeSpace(path) + "): " + Trees.describe(e), e);
                    }
                }
            }
            if (written != expected) {
                throw refuse(raw, "holds " + written + " bytes but its header says " + expected + " (expected: as many as it says)");
            }
            // the times before the final mode: the JDK sets them through a read-only open, which needs
            // the owner's read bit (given at creation unless creation took it away)
            boolean exact = keeps >= 0 && (createMode & keeps) == mode;
            if (!exact && (keeps < 0 || (keeps & 0400) == 0)) {
                Files.setPosixFilePermissions(path, permissions(createMode));
            }
            setTimes(path, entry.getLastModifiedTime());
            if (!exact) {
                Files.setPosixFilePermissions(path, permissions(mode));
            }
        }

        /** ", N free in the file system" of {@code path}, or nothing when that cannot be read. */
        private static String freeSpace(Path path) {
            try {
                return ", " + ByteSize.format(Files.getFileStore(path).getUsableSpace()) + " free there";
            } catch (IOException | RuntimeException e) {
                return "";
            }
        }

        private String bytesReason() {
            return "more than " + limits.maxBytes() + " bytes of content (expected: at most "
                    + ByteSize.format(limits.maxBytes()) + ")";
        }

        private void hardLink(String raw, String target, Path path) throws IOException {
            String shown = "hard link to '" + Trees.printable(target) + "'";
            String expected = " (expected: a file earlier in the archive)";
            if (target == null || target.isEmpty()) {
                throw refuse(raw, "hard link with an empty target" + expected);
            }
            if (target.startsWith("/")) {
                throw refuse(raw, shown + " is absolute" + expected);
            }
            if (List.of(target.split("/")).contains("..")) {
                throw refuse(raw, shown + " has '..' in it" + expected);
            }
            List<String> parts = components(raw, target, shown + ": ");
            String key = String.join("/", parts);
            if (parts.isEmpty() || !isFileEarlier(parts)) {
                throw refuse(raw, shown + " names no file earlier in the archive" + expected);
            }
            Files.createLink(path, root.resolve(key));
        }

        /**
         * Makes the link {@code path -> target} with the target's text as the archive has it. A Java path drops a
         * trailing slash and doubled ones ({@code a.txt/} became {@code a.txt}, {@code sub//f} {@code sub/f}: a link
         * broken on the build machine worked on the hosts, and the tree no longer compared equal), so such a text is
         * given to {@code ln -s} (rare: one process each).
         */
        private void createSymbolicLink(Path path, String target) throws IOException {
            Path asJava = path.getFileSystem().getPath(target);
            if (asJava.toString().equals(target)) {
                Files.createSymbolicLink(path, asJava);
                return;
            }
            Process ln;
            try { // -T: the link's name is never taken as a directory to make the link in
                ln = new ProcessBuilder("ln", "-s", "-T", "--", target, path.toString()).redirectErrorStream(true).start();
            } catch (IOException e) {
                LOG.warn("no ln(1) here ({}): the link {} points at '{}', not '{}' as the archive has it", e.getMessage(), path,
                        Trees.printable(asJava.toString()), Trees.printable(target));
                Files.createSymbolicLink(path, asJava);
                return;
            }
            try {
                if (!ln.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) { // its few words fit the pipe: read after
                    throw new IOException("ln -s " + path + ": no answer in 30 s");
                }
                if (ln.exitValue() != 0) {
                    String said = new String(ln.getInputStream().readNBytes(4096), java.nio.charset.StandardCharsets.UTF_8).strip();
                    if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                        throw new FileAlreadyExistsException(path.toString());
                    }
                    throw new IOException("ln -s " + path + ": " + Trees.printable(said));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("making the link " + path);
            } finally {
                ln.destroyForcibly();
            }
        }

        /** Whether {@code parts} names a file an earlier entry made: no link or file on the way, a regular file at the end. */
        private boolean isFileEarlier(List<String> parts) {
            String key = String.join("/", parts);
            if (dirKeys.contains(key) || linkTargets.containsKey(key)) {
                return false;
            }
            StringBuilder prefix = new StringBuilder();
            for (int i = 0; i < parts.size() - 1; i++) {
                prefix.append(i == 0 ? "" : "/").append(parts.get(i));
                if (!dirKeys.contains(prefix.toString())) {
                    return false; // through a link, a file, or nothing made
                }
            }
            return Files.isRegularFile(root.resolve(key), LinkOption.NOFOLLOW_LINKS);
        }

        private void checkLinkTarget(String raw, String key, String target) {
            String shown = "symbolic link to '" + Trees.printable(target) + "'";
            String expected = " (expected: a relative target inside the release)";
            if (target == null || target.isEmpty()) {
                throw refuse(raw, "symbolic link with an empty target" + expected);
            }
            if (target.startsWith("/")) {
                throw refuse(raw, shown + " is absolute" + expected);
            }
            if (target.indexOf('\0') >= 0) {
                throw refuse(raw, shown + " is not a valid path" + expected);
            }
            switch (LinkWalk.resolve(LinkWalk.parentOf(key), target, linkTargets::get)) {
                case OUTSIDE -> throw refuse(raw, shown + " leaves the release" + expected);
                case LOOP -> throw refuse(raw, shown + " loops through more than " + LinkWalk.MAX_HOPS + " links" + expected);
                case INSIDE -> {
                }
            }
            if (!org.murder.core.Printable.isPlain(target)) { // as entry names: `ls -l` would print it to a terminal
                throw refuse(raw, shown + " has control or bidi characters" + expected);
            }
        }

        /**
         * The components of {@code name} without {@code .} and empty ones; refuses absolute names,
         * {@code ..} and names the file system cannot hold. {@code what} prefixes the reason.
         */
        private List<String> components(String raw, String name, String what) {
            String expected = " (expected: a relative path inside the release)";
            if (name == null || name.isEmpty()) {
                throw refuse(raw, what + "empty name" + expected);
            }
            if (name.startsWith("/")) {
                throw refuse(raw, what + "absolute path" + expected);
            }
            List<String> parts = new ArrayList<>();
            for (String c : name.split("/")) {
                if (c.equals("..")) {
                    throw refuse(raw, what + "'..' in path" + expected);
                }
                if (!c.isEmpty() && !c.equals(".")) {
                    try {
                        root.getFileSystem().getPath(c);
                    } catch (InvalidPathException e) {
                        throw refuse(raw, what + "not a valid path" + expected);
                    }
                    parts.add(c);
                }
            }
            if (!org.murder.core.Printable.isPlain(name)) { // as a torrent's name: a file name that can rewrite a terminal line
                throw refuse(raw, what + "control characters in the name (expected: a name without control or bidi characters)");
            }
            return parts;
        }

        private MurderException refuse(String raw, String reason) {
            return MurderException.badInput(archive + ": entry '" + Trees.printable(raw) + "': " + reason);
        }
    }

    /**
     * A directory's mode from the archive, but always readable and enterable by its owner (the
     * agent): an entry '.' or 'conf/' with mode 0644 left a release nobody but root could enter. A
     * read-only one (0555) stays read-only; pruning opens such directories up (FileTrees). The sticky
     * bit is kept: without it a directory every user may write lets each delete the others' files.
     */
    private static int dirMode(TarArchiveEntry entry) {
        return (entry.getMode() & (STICKY | 0777)) | 0500;
    }

    /** A directory's sticky bit (S_ISVTX): only a file's owner may remove or rename it there. */
    private static final int STICKY = 01000;

    private static void setLinkTime(Path link, FileTime mtime) {
        try {
            setTimes(link, mtime);
        } catch (IOException | UnsupportedOperationException e) {
            // a link's own mtime is cosmetic; some file systems cannot set it
        }
    }

    /**
     * Sets the modification (and access) time of {@code path} itself, never of what a link points to.
     * (The JDK does it with four calls: lstat, open, futimens, close; tar needs one, utimensat by path.)
     */
    private static void setTimes(Path path, FileTime mtime) throws IOException {
        Files.getFileAttributeView(path, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setTimes(mtime, mtime, null);
    }

    /** {@code O_CREAT|O_EXCL|O_NOFOLLOW}: never an existing file, never through a link. */
    private static final Set<java.nio.file.OpenOption> CREATE_FILE = Set.of(StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);

    /**
     * The permission bits a file created here keeps of those it asks for: a probe file created with
     * 0777 and read back. The umask takes bits away, and a default ACL on the directory replaces the
     * umask; either way a file whose bits do not survive creation gets its chmod. -1 (unknown: chmod
     * every file) when the probe cannot be made or read; a probe that cannot be removed fails the
     * extraction, since it would be left in the release.
     */
    private static int creationKeeps(Path dir) throws IOException {
        Path probe = dir.resolve(".murder-mode-probe");
        int keeps;
        try {
            Files.createFile(probe, PosixFilePermissions.asFileAttribute(permissions(0777)));
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
        try {
            keeps = FileModes.bits(Files.getPosixFilePermissions(probe, LinkOption.NOFOLLOW_LINKS));
        } catch (IOException | UnsupportedOperationException e) {
            keeps = -1;
        }
        Files.delete(probe);
        return keeps;
    }

    static Set<PosixFilePermission> permissions(int mode) {
        return FileModes.permissions(mode);
    }

    /** The archive file's own reads, keeping the first error they threw (the codecs may wrap or hide it). */
    private static final class FileReads extends java.io.FilterInputStream {
        private volatile IOException failure;

        FileReads(InputStream in) {
            super(in);
        }

        IOException failure() {
            return failure;
        }

        private IOException noted(IOException e) {
            if (failure == null) {
                failure = e;
            }
            return e;
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException e) {
                throw noted(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                throw noted(e);
            }
        }

        @Override
        public long skip(long n) throws IOException {
            try {
                return super.skip(n);
            } catch (IOException e) {
                throw noted(e);
            }
        }
    }
}
