package org.murder.maker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.murder.core.MurderException;
import org.murder.core.io.LinkWalk;
import org.murder.core.Printable;
import org.murder.core.io.FileNames;
import org.murder.core.io.ReleaseLimits;
import org.murder.core.progress.Progress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Packs a release directory into a reproducible tar stream: entries in sorted order, relative
 * names only, owner and group normalised to 0, modes and mtimes kept, symbolic links stored as
 * links (never followed), {@code .git} and {@code --exclude} globs skipped.
 */
public final class ReleasePacker {
    private static final Logger LOG = LoggerFactory.getLogger(ReleasePacker.class);
    static final Set<String> ALWAYS_SKIPPED = Set.of(".git");

    private final Path root;
    private final List<PathMatcher> excludes;

    /** What the JDK's glob parser found, without its regex internals ("Missing '] near index 0" -> "a '[' not closed"). */
    private static String globProblem(IllegalArgumentException e) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("Missing ']")) {
            return "a '[' not closed";
        }
        if (m.contains("Missing '}")) {
            return "a '{' not closed";
        }
        if (m.contains("Cannot nest groups")) {
            return "a '{' inside another";
        }
        if (m.contains("No character to escape")) {
            return "a '\\' at the end";
        }
        return org.murder.core.Printable.escape(m.lines().findFirst().orElse(""), 100);
    }

    public ReleasePacker(Path root, List<String> excludeGlobs) {
        this.root = root;
        this.excludes = new ArrayList<>();
        for (String glob : excludeGlobs) {
            try {
                excludes.add(FileSystems.getDefault().getPathMatcher("glob:" + glob));
            } catch (IllegalArgumentException e) {
                throw MurderException.badInput("--exclude '" + org.murder.core.Printable.escape(glob, 200) + "': not a glob ("
                        + globProblem(e) + ") (expected: a glob like '*.log', 'tmp/**' or 'logs/[a-c]*', with [ ] and { } closed)");
            }
        }
    }

    /**
     * Lists what will be packed, sorted by archive name. The tree is read a level at a time, the
     * directories of a level in parallel, each entry with one {@code lstat}: a release of 12,000
     * entries took 0.45 s of one core to list before the first byte was packed, while the other cores
     * waited. Level by level, not a task per directory that waits for its subdirectories: a tree 1,500
     * directories deep (a legal path) overflowed the stack that way.
     */
    public List<PackEntry> scan() {
        List<PackEntry> entries = new ArrayList<>();
        try {
            List<Path> level = List.of(root);
            while (!level.isEmpty()) {
                List<Listing> listed = level.size() == 1 ? List.of(list(level.get(0)))
                        : level.parallelStream().map(this::list).toList();
                List<Path> next = new ArrayList<>();
                for (Listing l : listed) {
                    entries.addAll(l.entries());
                    next.addAll(l.directories());
                }
                if (entries.size() > ReleaseLimits.MAX_ENTRIES) { // now, not after listing millions more
                    throw MurderException.badInput(root + ": more than " + ReleaseLimits.MAX_ENTRIES + " entries (expected: at most "
                            + ReleaseLimits.MAX_ENTRIES + ": agents refuse to unpack more; leave out what the hosts do not need: make-torrent --exclude, or a smaller SRC for murder deploy)");
                }
                level = next;
            }
        } catch (UncheckedIOException e) {
            IOException cause = e.getCause();
            if (cause instanceof AccessDeniedException denied) {
                throw MurderException.badInput(Printable.escape(denied.getFile()) + ": permission denied (expected: "
                        + (Files.isDirectory(Path.of(denied.getFile()), java.nio.file.LinkOption.NOFOLLOW_LINKS) ? "a directory it can list"
                        : "a readable file") + ")");
            }
            throw MurderException.badInput(Printable.escape(org.murder.core.io.IoErrors.describe(cause)) + " (expected: a readable"
                    + " release directory)");
        }
        if (entries.stream().noneMatch(e -> e.kind() != PackEntry.Kind.DIRECTORY)) {
            throw MurderException.badInput(root + ": no files to pack (expected: a directory with at least one file"
                    + (excludes.isEmpty() ? "" : " not excluded") + ")");
        }
        entries.sort(Comparator.comparing(PackEntry::name));
        checkLinkWalks(entries);
        List<PackEntry> packed = hardLinked(entries);
        checkLimits(packed);
        warnSpecialBits(packed);
        return packed;
    }

    /**
     * A file with several names in the release is packed once: its later names (in archive order) are
     * hard links to the first, as tar writes them. Each name used to be packed whole, and every host
     * unpacked as many copies (200 names of one 8 MiB file made a 1.6 GiB archive).
     */
    private static List<PackEntry> hardLinked(List<PackEntry> entries) {
        java.util.Map<String, String> firstName = new java.util.HashMap<>();
        List<PackEntry> out = new ArrayList<>(entries.size());
        for (PackEntry e : entries) {
            if (e.kind() == PackEntry.Kind.FILE && e.links() > 1) {
                String first = firstName.putIfAbsent(e.inode(), e.name());
                out.add(first == null ? e : e.asHardLinkTo(first));
            } else {
                out.add(e);
            }
        }
        return out;
    }

    /** What every agent would refuse to unpack (ReleaseLimits) is refused here, before anything is written or published. */
    private void checkLimits(List<PackEntry> entries) {
        long bytes = contentBytes(entries);
        if (bytes > ReleaseLimits.MAX_BYTES) {
            throw MurderException.badInput(root + ": " + bytes + " bytes of content (expected: at most " + ReleaseLimits.MAX_BYTES
                    + " (256 GiB): agents refuse to unpack more)");
        }
    }

    /** Setuid and setgid bits are not packed (agents never set them): said once, with one of the names. */
    private void warnSpecialBits(List<PackEntry> entries) {
        List<String> dropped = entries.stream().filter(e -> (e.mode() & SETID) != 0).map(PackEntry::name).toList();
        if (!dropped.isEmpty()) {
            LOG.warn("{}: {} {} setuid or setgid, packed without (agents never set them), e.g. {}", root, dropped.size(),
                    dropped.size() == 1 ? "entry is" : "entries are", Printable.escape(dropped.get(0)));
        }
    }

    /**
     * Every link followed through the release's other links, as the agents' unpack walks them: a
     * link that leaves the release or loops only through another link ({@code a/m -> l/..} beside
     * {@code a/l -> ..}) is refused here too, not on every host.
     */
    private void checkLinkWalks(List<PackEntry> entries) {
        java.util.Map<String, String> links = new java.util.HashMap<>();
        for (PackEntry e : entries) {
            if (e.kind() == PackEntry.Kind.SYMLINK) {
                links.put(e.name(), e.linkTarget());
            }
        }
        for (java.util.Map.Entry<String, String> link : new java.util.TreeMap<>(links).entrySet()) {
            String why = switch (LinkWalk.resolve(LinkWalk.parentOf(link.getKey()), link.getValue(), links::get)) {
                case OUTSIDE -> " leaves the release through other links";
                case LOOP -> " loops through more than " + LinkWalk.MAX_HOPS + " links";
                case INSIDE -> null;
            };
            if (why != null) {
                throw MurderException.badInput(Printable.escape(root.resolve(link.getKey()).toString()) + ": symbolic link to '"
                        + Printable.escape(link.getValue()) + "'" + why + " (expected: a relative target inside the release;"
                        + " agents refuse to unpack it)");
            }
        }
    }

    /** What one directory holds: its entries, and those of them that are directories to list next. */
    private record Listing(List<PackEntry> entries, List<Path> directories) {
    }

    /** Lists one directory (not the directory itself); an I/O error is an UncheckedIOException. */
    private Listing list(Path dir) {
        List<PackEntry> found = new ArrayList<>();
        List<Path> directories = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
            for (Path child : children) {
                if (excluded(child)) {
                    continue;
                }
                String name = checkedName(child); // before the lstat: a name too long for the kernel fails there unnamed
                java.util.Map<String, Object> attrs = Files.readAttributes(child, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                int type = (Integer) attrs.get("mode") & S_IFMT;
                if (type == S_IFDIR) {
                    found.add(entry(child, name, PackEntry.Kind.DIRECTORY, attrs, ""));
                    directories.add(child);
                } else if (type == S_IFLNK) {
                    String target = Files.readSymbolicLink(child).toString();
                    checkLinkTarget(child, target);
                    found.add(entry(child, name, PackEntry.Kind.SYMLINK, attrs, target));
                } else if (type == S_IFREG) {
                    if (!Files.isReadable(child)) {
                        throw new AccessDeniedException(child.toString());
                    }
                    found.add(entry(child, name, PackEntry.Kind.FILE, attrs, ""));
                } else {
                    LOG.warn("skipping {}: not a regular file, directory or symbolic link", Printable.escape(child.toString()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.nio.file.DirectoryIteratorException e) { // a read error while listing
            throw new UncheckedIOException(e.getCause());
        }
        return new Listing(found, directories);
    }

    /** What one {@code lstat} gives of each entry. */
    private static final String ATTRIBUTES = "unix:mode,size,lastModifiedTime,ctime,dev,ino,nlink";
    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFLNK = 0120000;
    private static final int SETID = 06000;
    private static final int STICKY = 01000;

    /**
     * A link whose target is absolute or climbs out of the release is refused here, at the deploy host,
     * rather than by every agent's unpack (which refuses it: a release must not reach outside its
     * directory). This first check is on the text of the target; {@link #checkLinkWalks} then follows
     * links through links.
     */
    private void checkLinkTarget(Path link, String target) {
        String shown = Printable.escape(link.toString()) + ": symbolic link to '" + Printable.escape(target) + "'";
        String expected = " (expected: a relative target inside the release; agents refuse to unpack it)";
        if (target.isEmpty() || target.startsWith("/")) {
            throw MurderException.badInput(shown + (target.isEmpty() ? " is empty" : " is absolute") + expected);
        }
        Path from = root.relativize(link).getParent();
        Path resolved = (from == null ? Path.of(target) : from.resolve(target)).normalize();
        if (resolved.startsWith("..")) {
            throw MurderException.badInput(shown + " leaves the release" + expected);
        }
    }

    private boolean excluded(Path path) {
        if (ALWAYS_SKIPPED.contains(path.getFileName().toString())) {
            return true;
        }
        Path relative = excludes.isEmpty() ? null : root.relativize(path);
        for (PathMatcher m : excludes) {
            if (m.matches(relative) || m.matches(path.getFileName())) {
                return true;
            }
        }
        return false;
    }

    /**
     * The archive name of {@code path}, checked as every agent's unpack checks it: plain characters, UTF-8
     * as its bytes stand on disk (the JDK shows bytes that are not as U+FFFD, so two such names would pack
     * as one; a name that holds U+FFFD itself is fine), and no longer than agents unpack.
     */
    private String checkedName(Path path) {
        String name = root.relativize(path).toString().replace(path.getFileSystem().getSeparator(), "/");
        if (name.indexOf('\uFFFD') >= 0) {
            if (!FileNames.utf8()) { // read as ASCII, 'café' is 'caf\uFFFD\uFFFD' whatever its bytes: two such names would pack as one
                throw MurderException.badInput(Printable.escape(path.toString()) + ": the name is not " + FileNames.charset() + " text"
                        + FileNames.localeHint() + " (expected: UTF-8 names read as UTF-8)");
            }
            byte[] bytes = FileNames.bytes(path);
            String notUtf8 = FileNames.notUtf8(bytes);
            if (notUtf8 != null) {
                throw MurderException.badInput(Printable.escape(path.getParent().toString()) + "/" + notUtf8 + ": the name is not"
                        + " UTF-8" + FileNames.localeHint() + " (expected: UTF-8 names; rename it" + LEAVE_OUT + ")");
            }
        }
        if (!Printable.isPlain(name)) { // every agent's unpack refuses such a name, as a torrent's
            throw MurderException.badInput(Printable.escape(path.toString()) + ": control or bidi characters in the name (expected: names"
                    + " agents can unpack; rename it" + LEAVE_OUT + ")");
        }
        if (ReleaseLimits.tooLong(name)) {
            throw MurderException.badInput(Printable.escape(path.toString(), 300) + ": a name of " + name.getBytes(
                    java.nio.charset.StandardCharsets.UTF_8).length + " bytes (expected: " + ReleaseLimits.nameExpected()
                    + ": agents refuse to unpack longer ones)");
        }
        return name;
    }

    /** How a message says a file can be left out of what is packed. */
    private static final String LEAVE_OUT = ", or leave it out with make-torrent --exclude";

    private PackEntry entry(Path path, String name, PackEntry.Kind kind, java.util.Map<String, Object> attrs, String link) {
        if (link != null && (!Printable.isPlain(link) || link.indexOf('\uFFFD') >= 0)) {
            throw MurderException.badInput(Printable.escape(path.toString()) + ": symbolic link to '" + Printable.escape(link)
                    + "': control, bidi or unreadable characters in the target (expected: a target agents can unpack)");
        }
        int unixMode = (Integer) attrs.get("mode");
        int mode = kind == PackEntry.Kind.SYMLINK ? 0777
                : (unixMode & 0777) | (unixMode & SETID) | (kind == PackEntry.Kind.DIRECTORY ? unixMode & STICKY : 0);
        return new PackEntry(path, kind == PackEntry.Kind.DIRECTORY ? name + "/" : name, kind, mode,
                kind == PackEntry.Kind.FILE ? (Long) attrs.get("size") : 0, (FileTime) attrs.get("lastModifiedTime"), link,
                (FileTime) attrs.get("ctime"), attrs.get("dev") + ":" + attrs.get("ino"), (Integer) attrs.get("nlink"));
    }

    /** Total bytes of file content: what the progress display counts. */
    public static long contentBytes(List<PackEntry> entries) {
        return entries.stream().mapToLong(PackEntry::size).sum();
    }

    /** Writes the tar stream of {@code entries} to {@code out} (which this closes). */
    public static void writeTar(List<PackEntry> entries, OutputStream out, Progress progress) throws IOException {
        PackEntry firstFile = entries.stream().filter(e -> e.kind() == PackEntry.Kind.FILE).findFirst().orElse(null);
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out, 64 * 1024, "UTF-8");
                NoFollowReader reader = firstFile == null ? null : NoFollowReader.of(rootOf(firstFile)).orElse(null)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            tar.setAddPaxHeadersForNonAsciiNames(true);
            byte[] buffer = new byte[256 * 1024];
            for (PackEntry e : entries) {
                TarArchiveEntry t = switch (e.kind()) {
                    case DIRECTORY -> new TarArchiveEntry(e.name(), TarConstants.LF_DIR, true);
                    case SYMLINK -> {
                        TarArchiveEntry link = new TarArchiveEntry(e.name(), TarConstants.LF_SYMLINK, true);
                        link.setLinkName(e.linkTarget());
                        yield link;
                    }
                    case HARDLINK -> {
                        TarArchiveEntry link = new TarArchiveEntry(e.name(), TarConstants.LF_LINK, true);
                        link.setLinkName(e.linkTarget());
                        yield link;
                    }
                    case FILE -> {
                        TarArchiveEntry file = new TarArchiveEntry(e.name(), true);
                        file.setSize(e.size());
                        yield file;
                    }
                };
                t.setMode(e.kind() == PackEntry.Kind.DIRECTORY ? (TarArchiveEntry.DEFAULT_DIR_MODE & ~07777) | (e.mode() & (STICKY | 0777))
                        : (e.kind() == PackEntry.Kind.SYMLINK ? 0120000 : 0100000) | (e.mode() & 0777));
                t.setModTime(java.nio.file.attribute.FileTime.from(e.modified().toInstant().getEpochSecond(), java.util.concurrent.TimeUnit.SECONDS));
                t.setUserId(0);
                t.setGroupId(0);
                t.setUserName("");
                t.setGroupName("");
                tar.putArchiveEntry(t);
                if (e.kind() == PackEntry.Kind.FILE) {
                    copy(e, reader, tar, buffer, progress);
                }
                tar.closeArchiveEntry();
            }
            tar.finish();
        }
    }

    /** The directory {@code e}'s name is relative to. */
    private static Path rootOf(PackEntry e) {
        Path root = e.source();
        for (int i = e.name().split("/").length; i > 0; i--) {
            root = root.getParent();
        }
        return root;
    }

    private static void copy(PackEntry e, NoFollowReader reader, OutputStream tar, byte[] buffer, Progress progress) throws IOException {
        long copied = 0;
        // never through a link: a file or directory swapped for one after the listing (a link to /etc, packed by root) would
        // ship what it names. A read that fails names the source, not the archive being written.
        InputStream in;
        if (reader != null) {
            in = reader.open(e.name());
        } else { // no openat here: the file itself at least
            try {
                in = Files.newInputStream(e.source(), java.nio.file.LinkOption.NOFOLLOW_LINKS);
            } catch (IOException open) {
                throw changed(e, open);
            }
        }
        try (in) {
            while (copied < e.size()) {
                int n;
                try {
                    n = in.read(buffer, 0, (int) Math.min(buffer.length, e.size() - copied));
                } catch (IOException read) {
                    throw changed(e, read);
                }
                if (n <= 0) {
                    break;
                }
                tar.write(buffer, 0, n);
                copied += n;
                progress.advance(n);
            }
        }
        if (copied != e.size()) {
            throw new IOException(e.source() + " shrank from " + e.size() + " to " + copied + " bytes while packing (expected: a release"
                    + " that does not change while it is packed: stop what writes it, or pack a copy)");
        }
        checkUnchanged(e);
    }

    /**
     * The file read whole is the one listed, as it was listed: not grown (the archive holds its first size
     * only), not replaced, and not written since (its ctime, which every write and change of it moves, as
     * tar's "file changed as we read it" judges). A file rewritten in place while it was read shipped part
     * old and part new bytes, a version that never existed, with a valid md5.
     */
    private static void checkUnchanged(PackEntry e) throws IOException {
        java.util.Map<String, Object> now;
        try {
            now = Files.readAttributes(e.source(), "unix:size,ctime,dev,ino", java.nio.file.LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException gone) {
            return; // removed after it was read whole: what was packed is what was there
        }
        String expected = " while packing (expected: a release that does not change while it is packed: stop what writes it,"
                + " or pack a copy)";
        if ((Long) now.get("size") > e.size()) {
            throw new IOException(e.source() + " grew beyond " + e.size() + " bytes" + expected);
        }
        if (!e.inode().equals(now.get("dev") + ":" + now.get("ino"))) {
            throw new IOException(e.source() + " was replaced by another file" + expected);
        }
        if (!e.changed().equals(now.get("ctime"))) {
            throw new IOException(e.source() + " was written or changed (its ctime " + e.changed() + ", now " + now.get("ctime") + ")"
                    + expected);
        }
    }

    /**
     * A source file that could not be read as listed: named, with what it is now (as {@link NoFollowReader}
     * says it), or why it could not be read when it is the file listed (a read error is not a change).
     */
    private static java.nio.file.FileSystemException changed(PackEntry e, IOException cause) {
        Path source = e.source();
        java.nio.file.FileSystemException f = Files.isSymbolicLink(source) ? NoFollowReader.changed(source, "now a symbolic link")
                : Files.isDirectory(source, java.nio.file.LinkOption.NOFOLLOW_LINKS) ? NoFollowReader.changed(source, "now a directory")
                : NoFollowReader.unreadable(source, cause);
        f.initCause(cause);
        return f;
    }

}
