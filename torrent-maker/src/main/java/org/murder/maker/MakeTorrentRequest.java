package org.murder.maker;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Everything {@link TorrentMaker} needs, resolved and validated by the command line.
 *
 * @param source      a release directory (packed into a compressed tar) or a file (used as it is)
 * @param trackers    announce URLs, first one primary
 * @param torrentOut  where the .torrent goes; the md5 file goes beside it as {@code NAME.md5}
 * @param archiveOut  where the packed archive goes when {@code source} is a directory
 * @param pieceSize   forced piece size, or empty to choose from the size
 * @param excludes    globs left out of the archive
 * @param force       replace existing outputs
 * @param isPrivate   set BEP 27 private
 * @param comment     optional comment in the torrent
 * @param level       compression level (see {@link Compression#level})
 * @param threads     threads for compression and hashing
 * @param compression how the packed tar is compressed
 */
public record MakeTorrentRequest(Path source, List<String> trackers, Path torrentOut, Path archiveOut,
        Optional<Long> pieceSize, List<String> excludes, boolean force, boolean isPrivate, Optional<String> comment,
        int level, int threads, Compression compression) {
    public MakeTorrentRequest {
        trackers = List.copyOf(trackers);
        excludes = List.copyOf(excludes);
        compression.level(Optional.of(level));
    }

    /** A gzip release (Murder's {@code .tar.gz}) at {@code level}. */
    public MakeTorrentRequest(Path source, List<String> trackers, Path torrentOut, Path archiveOut, Optional<Long> pieceSize,
            List<String> excludes, boolean force, boolean isPrivate, Optional<String> comment, int level, int threads) {
        this(source, trackers, torrentOut, archiveOut, pieceSize, excludes, force, isPrivate, comment, level, threads,
                Compression.GZIP);
    }

    /** {@code NAME.md5} beside the torrent, NAME being the torrent's file name without {@code .torrent}. */
    public Path md5Out() {
        String name = torrentOut.getFileName().toString();
        String base = name.endsWith(".torrent") ? name.substring(0, name.length() - ".torrent".length()) : name;
        return torrentOut.resolveSibling(base + ".md5");
    }
}
