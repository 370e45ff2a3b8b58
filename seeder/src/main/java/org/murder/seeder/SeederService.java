package org.murder.seeder;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.murder.core.MurderException;
import org.murder.core.metainfo.MetaInfo;
import org.murder.peer.engine.Engine;
import org.murder.peer.engine.SessionListener;
import org.murder.peer.engine.SessionOptions;
import org.murder.peer.engine.Torrent;
import org.murder.peer.storage.Storage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seeds every {@code *.torrent} of a directory whose data file (the torrent's name) sits beside
 * it. Rescans every few seconds: new torrents start, removed ones stop. A torrent whose data is
 * missing or does not match is logged once and retried when its files change.
 */
public final class SeederService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SeederService.class);

    private final Engine engine;
    private final Path directory;
    private final Map<Path, Torrent> running = new HashMap<>();
    private final Map<Path, FileTime> refused = new HashMap<>();
    /** How many times a .torrent was read to be started (tests: a refused one is not read again each scan). */
    private int reads;
    private final ScheduledExecutorService scanner = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "murder-seeder-scan");
        t.setDaemon(true);
        return t;
    });

    public SeederService(Engine engine, Path directory) {
        if (!Files.isDirectory(directory)) {
            throw MurderException.badInput(directory + ": no such directory (expected: the directory of torrents to seed)");
        }
        this.engine = engine;
        this.directory = directory;
    }

    public void start(long scanMillis) {
        scanner.scheduleWithFixedDelay(this::scanQuietly, 0, scanMillis, TimeUnit.MILLISECONDS);
    }

    private void scanQuietly() {
        try {
            scan();
        } catch (RuntimeException e) {
            LOG.warn("scan {}: {}", directory, e.getMessage());
        }
    }

    /** One pass: start what appeared, stop what went away. */
    synchronized void scan() {
        Set<Path> present = new HashSet<>();
        try (DirectoryStream<Path> torrents = Files.newDirectoryStream(directory, "*.torrent")) {
            for (Path t : torrents) {
                present.add(t);
                if (!running.containsKey(t)) {
                    tryStart(t);
                }
            }
        } catch (IOException e) {
            LOG.warn("scan {}: {}", directory, e.getMessage());
            return;
        }
        running.keySet().removeIf(t -> {
            if (!present.contains(t)) {
                LOG.info("{} removed: stopping", t.getFileName());
                running.get(t).stop();
                return true;
            }
            return false;
        });
        refused.keySet().retainAll(present);
    }

    private void tryStart(Path torrent) {
        FileTime stamp = stamp(torrent);
        // a refusal is tried again once the torrent or the directory (its data appearing) changed, not every scan:
        // compared with what was stored at the refusal (a torrent older than its directory was warned of every 2 s)
        FileTime refusedAt = FileTime.fromMillis(Math.max(stamp.toMillis(), stamp(directory).toMillis()));
        if (refusedAt.equals(refused.get(torrent))) {
            return;
        }
        try {
            reads++;
            MetaInfo meta = MetaInfo.read(torrent);
            Path data = directory.resolve(meta.name());
            FileTime dataStamp = stamp(data);
            FileTime combined = FileTime.fromMillis(Math.max(stamp.toMillis(), dataStamp.toMillis()));
            if (combined.equals(refused.get(torrent))) {
                return;
            }
            Torrent s = engine.add(meta, Storage.forSeeding(meta, data), SessionOptions.seedForever(), SessionListener.NONE);
            running.put(torrent, s);
            refused.remove(torrent);
            s.finished().whenComplete((snap, err) -> {
                if (snap != null && snap.error().isPresent()) {
                    LOG.warn("{}: {}", torrent.getFileName(), snap.error().get());
                    synchronized (this) {
                        running.remove(torrent, s);
                        refused.put(torrent, combined);
                    }
                }
            });
            LOG.info("seeding {} ({})", meta.name(), meta.infoHash());
        } catch (MurderException e) {
            LOG.warn("{}", e.getMessage());
            refused.put(torrent, refusedAt);
        }
    }

    private static FileTime stamp(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    synchronized int torrentReads() {
        return reads;
    }

    public synchronized int seeding() {
        return running.size();
    }

    @Override
    public void close() {
        scanner.shutdownNow();
        synchronized (this) {
            running.values().forEach(Torrent::stop);
            running.clear();
        }
    }
}
