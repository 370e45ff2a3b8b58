package org.murder.tracker;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.nio.charset.StandardCharsets;
import org.murder.core.InfoHash;
import org.murder.core.PeerId;
import org.murder.core.RackName;
import org.murder.core.bencode.BDict;
import org.murder.core.bencode.BInteger;
import org.murder.core.bencode.BList;
import org.murder.core.bencode.BString;
import org.murder.core.bencode.BValue;
import org.murder.core.bencode.Bencode;
import org.murder.core.io.AtomicFiles;
import org.murder.tracker.swarm.PeerEntry;
import org.murder.tracker.swarm.SwarmSnapshot;

/**
 * The tracker's state file: one bencoded dictionary, written through a temporary file and a
 * rename so a crash never leaves half a file.
 * <pre>
 * d 7:version i1e  5:saved i&lt;epoch ms&gt;e  10:registered l 20:&lt;infohash&gt; ... e
 *   6:swarms l d 9:info_hash 20:...  10:downloaded i..e  13:last_activity i..e
 *                 5:peers l d 2:id 20:..  2:ip 4 or 16 bytes  4:port i..e  4:left i..e
 *                             8:uploaded i..e  10:downloaded i..e  9:completed i0|1e  9:last_seen i..e
 *                             [4:rack ..] e ... e   (peers in order of arrival; rack only for peers that gave one)
 *              e ... e e
 * </pre>
 */
public final class StateFile {
    static final int VERSION = 1;
    /**
     * The largest state file read back: an eighth of the heap (about 60 MiB under the launcher's 512 MiB), at most 512 MiB. The
     * file, its decoded values and the swarms they make are held at once: a 500 MB file ran the tracker out of heap at
     * every start. A larger one is moved aside like a corrupt one (the peers announce again within their interval).
     */
    static long maxSize() {
        return Math.min(512L << 20, Runtime.getRuntime().maxMemory() / 8);
    }

    private StateFile() {
    }

    /** Thrown for a state file that exists but cannot be used; the message says why. */
    public static final class CorruptStateException extends Exception {
        CorruptStateException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The saved state, or empty when {@code file} does not exist. */
    public static Optional<TrackerState> read(Path file) throws CorruptStateException {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > maxSize()) {
                throw new CorruptStateException(size + " bytes, more than this tracker reads back (" + (maxSize() >> 20)
                        + " MiB: an eighth of its heap, at most 512 MiB)", null);
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new CorruptStateException("cannot read: " + e, e);
        }
        try {
            return Optional.of(decode(Bencode.decode(bytes)));
        } catch (RuntimeException e) {
            throw new CorruptStateException(e.getMessage(), e);
        }
    }

    /** Writes {@code state} atomically; warns (once a process) when it is more than a start reads back ({@link #maxSize}). */
    public static void write(Path file, TrackerState state, long savedMillis) {
        byte[] bytes = Bencode.encode(encode(state, savedMillis));
        if (bytes.length > maxSize() && !warnedTooLarge) {
            warnedTooLarge = true;
            org.slf4j.LoggerFactory.getLogger(StateFile.class).warn("state file {}: {} bytes, more than this tracker reads back at"
                    + " a start ({} MiB): a restart would set aside its swarms and registrations (expected: a larger heap,"
                    + " MURDER_JAVA_OPTS=-Xmx..., or lower --max-peers)", file, bytes.length, maxSize() >> 20);
        }
        AtomicFiles.write(file, bytes, true);
    }

    private static volatile boolean warnedTooLarge;

    static BDict encode(TrackerState state, long savedMillis) {
        List<BValue> registered = new ArrayList<>();
        state.registered().forEach(ih -> registered.add(BString.of(ih.toBytes())));
        List<BValue> swarms = new ArrayList<>();
        for (SwarmSnapshot s : state.swarms()) {
            List<BValue> peers = new ArrayList<>();
            for (PeerEntry p : s.peers()) {
                BDict.Builder peer = BDict.builder();
                p.rack().ifPresent(r -> peer.put("rack", r.value()));
                peers.add(peer
                        .put("id", BString.of(p.peerId().toBytes()))
                        .put("ip", BString.of(p.address().getAddress()))
                        .put("port", p.port())
                        .put("left", p.left())
                        .put("uploaded", p.uploaded())
                        .put("downloaded", p.downloaded())
                        .put("completed", p.completed() ? 1 : 0)
                        .put("last_seen", p.lastSeenMillis())
                        .build());
            }
            swarms.add(BDict.builder()
                    .put("info_hash", BString.of(s.infoHash().toBytes()))
                    .put("downloaded", s.downloaded())
                    .put("last_activity", s.lastActivityMillis())
                    .put("peers", new BList(peers))
                    .build());
        }
        return BDict.builder()
                .put("version", VERSION)
                .put("saved", savedMillis)
                .put("registered", new BList(registered))
                .put("swarms", new BList(swarms))
                .build();
    }

    static TrackerState decode(BValue root) {
        BDict d = dict(root, "state");
        long version = integer(d, "version");
        if (version != VERSION) {
            throw new IllegalArgumentException("version: " + version + " (expected: " + VERSION + ")");
        }
        Set<InfoHash> registered = new HashSet<>();
        for (BValue v : list(d, "registered")) {
            registered.add(InfoHash.of(string(v, "registered[]")));
        }
        List<SwarmSnapshot> swarms = new ArrayList<>();
        for (BValue v : list(d, "swarms")) {
            BDict s = dict(v, "swarms[]");
            List<PeerEntry> peers = new ArrayList<>();
            for (BValue pv : list(s, "peers")) {
                BDict p = dict(pv, "peers[]");
                peers.add(new PeerEntry(PeerId.of(string(p.get("id").orElse(null), "id")), address(p),
                        (int) integer(p, "port"), nonNegative(p, "uploaded"), nonNegative(p, "downloaded"),
                        nonNegative(p, "left"), integer(p, "completed") != 0, integer(p, "last_seen"), rack(p)));
            }
            swarms.add(new SwarmSnapshot(InfoHash.of(string(s.get("info_hash").orElse(null), "info_hash")),
                    nonNegative(s, "downloaded"), integer(s, "last_activity"), peers));
        }
        return new TrackerState(registered, swarms);
    }

    /** Absent in files written before racks, and for peers that gave none. */
    private static Optional<RackName> rack(BDict p) {
        BValue v = p.get("rack").orElse(null);
        return v == null ? Optional.empty() : Optional.of(new RackName(new String(string(v, "rack"), StandardCharsets.UTF_8)));
    }

    private static InetAddress address(BDict p) {
        byte[] ip = string(p.get("ip").orElse(null), "ip");
        if (ip.length != 4 && ip.length != 16) {
            throw new IllegalArgumentException("ip: " + ip.length + " bytes (expected: 4 or 16)");
        }
        try {
            return InetAddress.getByAddress(ip);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("ip: " + e.getMessage(), e);
        }
    }

    private static BDict dict(BValue v, String what) {
        if (v instanceof BDict d) {
            return d;
        }
        throw new IllegalArgumentException(what + ": " + typeName(v) + " (expected: dictionary)");
    }

    private static List<BValue> list(BDict d, String key) {
        BValue v = d.get(key).orElseThrow(() -> new IllegalArgumentException("missing " + key));
        if (v instanceof BList l) {
            return l.items();
        }
        throw new IllegalArgumentException(key + ": " + v.typeName() + " (expected: list)");
    }

    private static long integer(BDict d, String key) {
        BValue v = d.get(key).orElseThrow(() -> new IllegalArgumentException("missing " + key));
        if (v instanceof BInteger i) {
            return i.value();
        }
        throw new IllegalArgumentException(key + ": " + v.typeName() + " (expected: integer)");
    }

    private static long nonNegative(BDict d, String key) {
        long v = integer(d, key);
        if (v < 0) {
            throw new IllegalArgumentException(key + ": " + v + " (expected: >= 0)");
        }
        return v;
    }

    private static byte[] string(BValue v, String what) {
        if (v instanceof BString s) {
            return s.bytes();
        }
        throw new IllegalArgumentException(what + ": " + typeName(v) + " (expected: string)");
    }

    private static String typeName(BValue v) {
        return v == null ? "missing" : v.typeName();
    }
}
