package org.murder.peer.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.murder.core.Hex;
import org.murder.core.bencode.BDict;
import org.murder.core.bencode.BList;
import org.murder.core.bencode.BString;
import org.murder.core.bencode.Bencode;
import org.murder.core.metainfo.MetaInfo;

/** A random file and its single-file torrent, for engine tests. */
record TorrentFixture(Path file, byte[] data, MetaInfo meta, String md5) {

    static TorrentFixture create(Path dir, String name, int size, int pieceLength, List<String> trackers, long seed)
            throws Exception {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        Path file = dir.resolve(name);
        Files.createDirectories(dir);
        Files.write(file, data);
        return new TorrentFixture(file, data, MetaInfo.parse(torrentBytes(name, data, pieceLength, trackers)),
                Hex.encode(MessageDigest.getInstance("MD5").digest(data)));
    }

    static byte[] torrentBytes(String name, byte[] data, int pieceLength, List<String> trackers) throws Exception {
        int count = (data.length + pieceLength - 1) / pieceLength;
        byte[] pieces = new byte[count * 20];
        for (int i = 0; i < count; i++) {
            byte[] piece = Arrays.copyOfRange(data, i * pieceLength, Math.min(data.length, (i + 1) * pieceLength));
            System.arraycopy(MessageDigest.getInstance("SHA-1").digest(piece), 0, pieces, i * 20, 20);
        }
        BDict.Builder root = BDict.builder().put("info", BDict.builder().put("name", name).put("length", data.length)
                .put("piece length", pieceLength).put("pieces", BString.of(pieces)).put("private", 1).build());
        if (!trackers.isEmpty()) {
            root.put("announce", trackers.get(0));
            root.put("announce-list", new BList(trackers.stream().map(t -> (org.murder.core.bencode.BValue) BList.of(BString.of(t))).toList()));
        }
        return Bencode.encode(root.build());
    }
}
