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
import org.murder.core.Printable;
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
    /** Torrents whose seeding failed, with the change times of the .torrent and of its data then ("T|D"). */
    private final Map<Path, String> refused = new HashMap<>();
    /** .torrent files that could not be read, with their modification time then. */
    private final Map<Path, FileTime> unreadable = new HashMap<>();
    /** The last reason each .torrent was refused for, to warn of a reason once. */
    private final Map<Path, String> warned = new HashMap<>();
    /** Warnings logged about refused torrents (tests). */
    private int warnings;
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
                LOG.info("{} removed: stopping", Printable.escape(t.getFileName().toString()));
                running.get(t).stop();
                return true;
            }
            return false;
        });
        refused.keySet().retainAll(present);
        warned.keySet().retainAll(present);
        unreadable.keySet().retainAll(present);
    }

    private void tryStart(Path torrent) {
        FileTime stamp = stamp(torrent);
        if (stamp.equals(unreadable.get(torrent))) {
            return; // the same bad .torrent: read again only once it changed (it may be up to 64 MiB)
        }
        try {
            MetaInfo meta;
            try {
                meta = MetaInfo.read(torrent);
            } catch (MurderException e) {
                unreadable.put(torrent, stamp);
                throw e;
            } catch (RuntimeException e) { // a bug of ours, met on this file: this file is skipped, the others still seed
                unreadable.put(torrent, stamp);
                throw MurderException.failure(Printable.escape(torrent.toString() + ": cannot read: " + e), e);
            }
            unreadable.remove(torrent);
            Path data = directory.resolve(meta.name());
            // refused: tried again once the .torrent or its data changed (each by its change time: a copy that kept an older
            // mtime moves it too); the data's stamp is taken only here and at a start (up to 4,096 stats a scan)
            String refusedFor = refused.get(torrent);
            String stamps = refusedFor == null ? null : stamps(torrent, meta, data);
            if (refusedFor != null && refusedFor.equals(stamps)) {
                return;
            }
            // a multi-file torrent's files are below DIR/NAME already: forSeeding adds the NAME
            Storage storage = Storage.forSeeding(meta, meta.isMultiFile() ? directory : data);
            // as of the start (a change after it is a change); taken once a scan
            String combined = stamps != null ? stamps : stamps(torrent, meta, data);
            Torrent s = engine.add(meta, storage, SessionOptions.seedForever(), SessionListener.NONE);
            running.put(torrent, s);
            warned.remove(torrent);
            refused.remove(torrent);
            s.finished().whenComplete((snap, err) -> {
                if (snap != null && snap.error().isPresent()) {
                    LOG.warn("{}: {}", Printable.escape(torrent.getFileName().toString()), Printable.escape(snap.error().get()));
                    synchronized (this) {
                        running.remove(torrent, s);
                        refused.put(torrent, combined);
                    }
                }
            });
            LOG.info("seeding {} ({})", meta.name(), meta.infoHash());
        } catch (RuntimeException e) {
            // tried again every scan (its data may still be on its way in), warned of once per reason: the same
            // reason every 2 s flooded the log, and waiting for the directory to change missed data copied in place. Not
            // ours (a bug met on this torrent, in its storage or the engine): named with its file, and the others still seed
            String why = e instanceof MurderException ? e.getMessage() : Printable.escape(torrent.getFileName() + ": " + e);
            if (!why.equals(warned.put(torrent, why))) {
                warnings++;
                LOG.warn("{}", why);
            }
        }
    }

    private static FileTime stamp(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    /** The change times of {@code torrent} and of its data, as {@link #refused} keeps them. */
    private static String stamps(Path torrent, MetaInfo meta, Path data) {
        return changed(torrent) + "|" + dataStamp(meta, data);
    }

    /** The most files of a multi-file torrent looked at for a change of its data (each scan, while it is not seeded). */
    static final int MAX_FILES_STAMPED = 4096;

    /**
     * When the torrent's data last changed: its file's status change time (ctime: a write, a
     * rename over it, a copy that kept an older mtime, a chmod), or the latest of the directory's
     * and its first {@link #MAX_FILES_STAMPED} files' for a multi-file torrent. A file written into
     * leaves its directory's times as they were: a refused multi-file torrent whose file was mended
     * in place was not tried again until a restart.
     */
    private static FileTime dataStamp(MetaInfo meta, Path data) {
        FileTime latest = changed(data);
        if (!meta.isMultiFile()) {
            return latest;
        }
        int looked = 0;
        for (org.murder.core.metainfo.TorrentFile f : meta.files()) {
            if (f.padding()) {
                continue;
            }
            if (++looked > MAX_FILES_STAMPED) {
                break;
            }
            Path p = data;
            for (String part : f.path()) {
                p = p.resolve(part);
            }
            FileTime t = changed(p);
            if (t.compareTo(latest) > 0) {
                latest = t;
            }
        }
        return latest;
    }

    /** {@code p}'s status change time (its modification time where the file system has none), the epoch when it cannot be read. */
    private static FileTime changed(Path p) {
        try {
            Object ctime = Files.getAttribute(p, "unix:ctime");
            if (ctime instanceof FileTime t) {
                return t;
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            // no unix view here: the modification time below
        }
        return stamp(p);
    }

    synchronized int warnings() {
        return warnings;
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
