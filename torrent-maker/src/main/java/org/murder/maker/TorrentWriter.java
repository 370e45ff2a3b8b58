package org.murder.maker;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.murder.core.MurderException;
import org.murder.core.bencode.BDict;
import org.murder.core.bencode.BList;
import org.murder.core.bencode.BString;
import org.murder.core.bencode.BValue;
import org.murder.core.bencode.Bencode;

/** Writes single-file BEP 3 metainfo: announce, BEP 12 announce-list (one tier per tracker, in order), BEP 27 private. */
public final class TorrentWriter {
    public static final String CREATED_BY = "murder " + Version.VERSION;

    private TorrentWriter() {
    }

    /** The longest announce URL make-torrent writes. */
    static final int MAX_TRACKER_URL = 2048;

    /** Checks that a tracker URL is absolute http(s) with a host, and not longer than {@link #MAX_TRACKER_URL}. */
    public static String validateTracker(String url) {
        if (url.length() > MAX_TRACKER_URL) {
            throw MurderException.badInput("--tracker '" + org.murder.core.Printable.escape(url, 80) + "': " + url.length()
                    + " characters (expected: at most " + MAX_TRACKER_URL + ": each announce adds its parameters to it, and trackers"
                    + " refuse longer request lines; murder's answered a 100 KB one with 414)");
        }
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
                if (uri.getPort() == 0 || uri.getPort() > 65535) {
                    throw MurderException.badInput("--tracker '" + org.murder.core.Printable.escape(url, 200) + "': port " + uri.getPort()
                            + " (expected: 1 to 65535)");
                }
                return url;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        throw MurderException.badInput("--tracker '" + org.murder.core.Printable.escape(url, 200)
                + "' (expected: an http:// or https:// URL with a host, like http://deploy-1:8998/announce)");
    }

    public static byte[] singleFile(String name, long length, long pieceLength, byte[] pieces, List<String> trackers,
            boolean isPrivate, Optional<String> comment, Instant created) {
        return singleFile(name, length, pieceLength, pieces, trackers, isPrivate, comment, created, Optional.empty());
    }

    /** As above, with the packed release's frames in the info dictionary (see {@link FrameIndex#INFO_KEY}). */
    public static byte[] singleFile(String name, long length, long pieceLength, byte[] pieces, List<String> trackers,
            boolean isPrivate, Optional<String> comment, Instant created, Optional<FrameIndex> frames) {
        BDict.Builder info = BDict.builder()
                .put("name", name)
                .put("length", length)
                .put("piece length", pieceLength)
                .put("pieces", BString.of(pieces));
        frames.ifPresent(f -> info.put(FrameIndex.INFO_KEY, BString.of(f.encode())));
        if (isPrivate) {
            info.put("private", 1);
        }
        BDict.Builder root = BDict.builder()
                .put("info", info.build())
                .put("created by", CREATED_BY)
                .put("creation date", created.getEpochSecond());
        if (!trackers.isEmpty()) {
            root.put("announce", trackers.get(0));
        }
        if (trackers.size() > 1) {
            List<BValue> tiers = trackers.stream().<BValue>map(t -> BList.of(BString.of(t))).toList();
            root.put("announce-list", new BList(tiers));
        }
        comment.ifPresent(c -> root.put("comment", c));
        return Bencode.encode(root.build());
    }

}
