package org.murder.maker;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.murder.core.ByteSize;
import org.murder.core.Durations;
import org.murder.core.MurderException;
import org.murder.core.Printable;
import org.murder.core.cli.LoggingOptions;
import org.murder.core.progress.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code murder make-torrent}: pack a release, write its md5 and its .torrent. */
@Command(name = "make-torrent", sortOptions = false,
        description = {
            "Pack a release and write NAME.md5 and NAME.torrent.",
            "A directory SRC is packed into NAME.tar.zst (or .tar.gz, .tar: see --compress; sorted entries, relative paths, "
                    + "owner 0:0, modes (rwx, a directory's sticky bit), mtimes, symlinks and hard links kept, .git skipped); "
                    + "a file SRC is used as it is.",
            "The archive is compressed in frames cut where the content says, so consecutive releases share frames "
                    + "and hosts that hold the previous one rebuild what did not change instead of downloading it.",
            "The md5 and every piece's SHA-1 come from one read; compression and hashing use every core."},
        footer = {"", "Examples:",
            "  murder make-torrent ./build --tracker http://deploy-1:8998/announce --out /srv/murder/v42.torrent",
            "  murder make-torrent app-v42.tar.gz --tracker http://t1:8998/announce --tracker http://t2:8998/announce"})
public final class MakeTorrentCommand implements Callable<Integer>, org.murder.core.cli.OptionsCheck {
    @Spec
    CommandSpec spec;

    @Mixin
    LoggingOptions logging;

    @Parameters(index = "0", paramLabel = "SRC", description = "Release directory to pack, or a ready file.")
    Path source;

    @Option(names = "--tracker", required = true, paramLabel = "URL",
            description = "Tracker announce URL (http or https). Repeat for fallback trackers (BEP 12 tiers, in order).")
    List<String> trackers;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE.torrent",
            description = "Where to write the torrent. Default: ./NAME.torrent. NAME.md5 is written beside it.")
    Path torrentOut;

    @Option(names = "--archive", paramLabel = "FILE",
            description = "Where to write the packed archive (directory SRC only). Default: NAME.tar.zst (.tar.gz, .tar) beside the torrent.")
    Path archiveOut;

    @Option(names = "--name", paramLabel = "NAME",
            description = "Base name of the outputs. Default: the --out name without .torrent, else SRC's name (without .tar.gz/.tgz).")
    String name;

    @Option(names = "--piece-size", paramLabel = "SIZE",
            description = "Piece size, a power of two from 16KiB to 16MiB. Default: chosen from the size: at most about 1500 pieces, "
                    + "at least 32KiB; for a packed release at most 128KiB while that gives 12000 pieces or fewer.")
    ByteSize pieceSize;

    @Option(names = "--exclude", paramLabel = "GLOB", description = "Leave out paths matching GLOB (relative path or file name). Repeatable.")
    List<String> excludes = new ArrayList<>();

    @Option(names = "--public", description = "Do not set the private flag (BEP 27). Default: private, so clients use only our tracker.")
    boolean isPublic;

    @Option(names = "--comment", paramLabel = "TEXT", description = "Comment stored in the torrent.")
    String comment;

    @Option(names = "--compress", paramLabel = "zstd|gzip|none", defaultValue = "zstd",
            description = "How to compress the packed tar: zstd (fast, the default), gzip (Murder-style .tar.gz) or none.")
    String compress;

    @Option(names = "--level", paramLabel = "N",
            description = "Compression level: zstd 1-19 (default 1), gzip 1-9 (default 6).")
    Integer level;

    @Option(names = "--threads", paramLabel = "N", description = "Threads for compression and hashing. Default: the number of cores.")
    Integer threads;

    @picocli.CommandLine.Mixin
    org.murder.core.cli.JsonOutput json = new org.murder.core.cli.JsonOutput();

    @Option(names = {"-f", "--force"}, description = "Replace outputs that already exist.")
    boolean force;

    private final Clock clock;

    public MakeTorrentCommand() {
        this(Clock.systemUTC());
    }

    MakeTorrentCommand(Clock clock) {
        this.clock = clock;
    }

    @Override
    public Integer call() {
        MakeTorrentRequest request = request();
        PrintWriter out = spec.commandLine().getOut();
        boolean terminal = Progress.isTerminal();
        TorrentMaker maker = new TorrentMaker(clock, (label, total) -> Progress.of(label, total, System.err, terminal));
        MakeTorrentResult r = maker.make(request);
        if (json.enabled()) {
            java.util.Map<String, Object> doc = new java.util.LinkedHashMap<>();
            doc.put("archive", r.archive().toString());
            doc.put("packed", r.packed());
            doc.put("md5", r.md5());
            doc.put("md5File", r.md5File().toString());
            doc.put("torrent", r.torrent().toString());
            doc.put("infoHash", r.infoHash().toHex());
            doc.put("size", r.size());
            doc.put("pieceLength", r.pieceLength());
            doc.put("pieces", r.pieceCount());
            doc.put("seconds", r.elapsed().toMillis() / 1000.0);
            org.murder.core.cli.JsonOutput.print(out, doc);
            return 0;
        }
        if (r.packed()) {
            out.println("archive   " + org.murder.core.Printable.escape(r.archive().toString()));
        }
        out.println("md5       " + r.md5() + "  " + org.murder.core.Printable.escape(r.md5File().toString()));
        out.println("torrent   " + org.murder.core.Printable.escape(r.torrent().toString()));
        out.println("infohash  " + r.infoHash().toHex());
        out.printf(Locale.ROOT, "size      %s (%d bytes) in %d pieces of %s%n", ByteSize.format(r.size()), r.size(),
                r.pieceCount(), ByteSize.format(r.pieceLength()));
        out.println("took      " + Durations.format(r.elapsed()));
        out.flush();
        return 0;
    }

    /** The trackers, the packing and its level, the threads and the piece size, before SRC is looked at. */
    @Override
    public void checkOptions() {
        for (String t : trackers == null ? List.<String>of() : trackers) { // none when check-config reads the options alone
            TorrentWriter.validateTracker(t);
        }
        Compression.parse(compress).level(Optional.ofNullable(level));
        int n = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (n < 1 || n > 256) {
            throw MurderException.badInput("--threads: " + n + " (expected: 1 to 256)");
        }
        Optional.ofNullable(pieceSize).map(PieceSizes::validate);
    }

    MakeTorrentRequest request() {
        checkOptions();
        Compression compression = Compression.parse(compress);
        int lvl = compression.level(Optional.ofNullable(level));
        int n = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        Optional<Long> forced = Optional.ofNullable(pieceSize).map(PieceSizes::validate);
        Path src = source.toAbsolutePath().normalize();
        boolean directory = Files.isDirectory(src);
        if (!directory && archiveOut != null) {
            throw MurderException.badInput("--archive: SRC " + source + " is a file, used as it is (expected: --archive only with a directory SRC)");
        }
        String base = name != null ? name : torrentOut != null ? baseName(torrentOut) : baseName(src);
        if (base.isEmpty() || base.equals(".") || base.equals("..") || base.contains("/") || !Printable.isPlain(base)) {
            // the name comes from --name, else from the torrent's file name (--out), else from SRC's: say which
            String from = name != null ? "--name '" + Printable.escape(base) + "'" : torrentOut != null
                    ? "--out " + Printable.escape(torrentOut.toString()) + ": the release name '" + Printable.escape(base) + "' taken from it"
                    : "SRC " + Printable.escape(source.toString()) + ": the release name '" + Printable.escape(base) + "' taken from it";
            throw MurderException.badInput(from + " (expected: a file name without '/' or control characters, not '.' or '..'"
                    + (name != null ? "" : "; or give one with --name") + ")");
        }
        Path torrent = torrentOut != null ? torrentOut : Path.of(base + ".torrent");
        torrent = torrent.toAbsolutePath().normalize();
        Path archive = archiveOut != null ? archiveOut.toAbsolutePath().normalize()
                : torrent.resolveSibling(base + compression.extension());
        // the torrent names the archive (a file SRC: that file) as hosts will save it: checked before anything is written
        Path named = directory ? archive : realIfThere(src); // a file SRC: make-torrent names the torrent after the file a link leads to
        String torrentName = named.getFileName() == null ? "" : named.getFileName().toString();
        if (!org.murder.core.metainfo.MetaInfo.isFileName(torrentName)) {
            throw MurderException.badInput((directory ? "--archive " : "SRC ") + Printable.escape(named.toString())
                    + ": the torrent's name '" + Printable.escape(torrentName) + "' taken from it (expected: a file name without"
                    + " control characters or '\\'" + (directory ? "" : "; rename the file") + ")");
        }
        MakeTorrentRequest request = new MakeTorrentRequest(src, trackers, torrent, archive, forced, excludes, force, !isPublic,
                Optional.ofNullable(comment), lvl, n, compression);
        distinctOutputs(request, directory);
        return request;
    }

    /**
     * Each output a path of its own, and none of them SRC: with --force, the later write replaced the
     * earlier (an archive at the torrent's path was overwritten by the torrent), or a release given
     * as a file by its own torrent.
     */
    private static void distinctOutputs(MakeTorrentRequest r, boolean directory) {
        Path md5 = r.md5Out();
        if (r.torrentOut().equals(r.source()) || md5.equals(r.source())) {
            throw MurderException.badInput("--out " + Printable.escape(r.torrentOut().toString()) + ": it or its .md5 is SRC itself"
                    + " (expected: outputs beside SRC, not in its place)");
        }
        if (directory && (r.archiveOut().equals(r.torrentOut()) || r.archiveOut().equals(md5))) {
            throw MurderException.badInput("--archive " + Printable.escape(r.archiveOut().toString()) + ": the same file as the "
                    + (r.archiveOut().equals(md5) ? ".md5" : "torrent") + " (expected: a path of its own)");
        }
        // before anything is written: one output refused after another was put in place left half a result
        for (Path out : directory ? List.of(r.torrentOut(), md5, r.archiveOut()) : List.of(r.torrentOut(), md5)) {
            if (Files.exists(out, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(out)
                    && !Files.isRegularFile(out, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw MurderException.badInput(Printable.escape(out.toString()) + ": "
                        + (Files.isDirectory(out, java.nio.file.LinkOption.NOFOLLOW_LINKS) ? "a directory" : "not a regular file (a device,"
                        + " a FIFO or a socket)") + " (expected: a file path to write; never replaced, even with --force)");
            }
        }
    }

    /** {@code build} for a directory, {@code v42} for {@code v42.torrent}, {@code v42.tar.zst} or {@code v42.tar.gz}, {@code img.bin} for other files. */
    static String baseName(Path source) {
        Path fileName = source.getFileName();
        String n = fileName == null ? "release" : fileName.toString();
        for (String ext : new String[] {".torrent", ".tar.zst", ".tzst", ".tar.gz", ".tgz", ".tar"}) {
            if (n.endsWith(ext) && n.length() > ext.length()) {
                return n.substring(0, n.length() - ext.length());
            }
        }
        return n;
    }

    private static Path realIfThere(Path path) {
        try {
            return path.toRealPath();
        } catch (java.io.IOException e) {
            return path; // missing or unreadable: make-torrent says so
        }
    }
}
