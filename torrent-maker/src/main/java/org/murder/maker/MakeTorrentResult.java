package org.murder.maker;

import java.nio.file.Path;
import java.time.Duration;
import org.murder.core.InfoHash;

/** What {@link TorrentMaker} wrote. */
public record MakeTorrentResult(Path archive, Path torrent, Path md5File, String md5, InfoHash infoHash, long size,
        long pieceLength, int pieceCount, boolean packed, Duration elapsed) {
}
