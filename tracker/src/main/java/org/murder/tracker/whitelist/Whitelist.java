package org.murder.tracker.whitelist;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.murder.core.InfoHash;
import org.murder.core.metainfo.MetaInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which infohashes the tracker serves. Open: all. Otherwise the union of the {@code *.torrent}
 * files in a watched directory (rescanned periodically; a file is parsed again only when its size
 * or mtime changes) and the infohashes registered over HTTP by the orchestrator.
 */
public final class Whitelist {
    private static final Logger log = LoggerFactory.getLogger(Whitelist.class);

    private final boolean open;
    private final Path directory;
    private final int maxRegistered;
    private final Set<InfoHash> registered = ConcurrentHashMap.newKeySet();
    private volatile Set<InfoHash> fromDirectory = Set.of();
    private final Map<Path, Scanned> scanned = new HashMap<>();
    private boolean directoryMissingLogged;

    private record Scanned(long size, long mtime, InfoHash infoHash) {
    }

    /** What a rescan changed. */
    public record Change(Set<InfoHash> added, Set<InfoHash> removed) {
    }

    private Whitelist(boolean open, Path directory, int maxRegistered) {
        this.open = open;
        this.directory = directory;
        this.maxRegistered = maxRegistered;
    }

    public static Whitelist open() {
        return new Whitelist(true, null, 0);
    }

    /** Whitelist mode: torrents in {@code directory} (if any) plus at most {@code maxRegistered} registrations. */
    public static Whitelist restricted(Optional<Path> directory, int maxRegistered) {
        return new Whitelist(false, directory.orElse(null), maxRegistered);
    }

    public boolean isOpen() {
        return open;
    }

    public Optional<Path> directory() {
        return Optional.ofNullable(directory);
    }

    public boolean allows(InfoHash infoHash) {
        return open || registered.contains(infoHash) || fromDirectory.contains(infoHash);
    }

    /**
     * Registers {@code infoHash}; returns false when it was registered already.
     *
     * @throws IllegalStateException when {@code maxRegistered} registrations exist
     */
    public boolean register(InfoHash infoHash) {
        if (registered.contains(infoHash)) {
            return false;
        }
        if (registered.size() >= maxRegistered) {
            throw new IllegalStateException("whitelist is full: " + maxRegistered + " registrations (cap --max-swarms)");
        }
        return registered.add(infoHash);
    }

    /** Removes a registration; returns false when there was none. */
    public boolean unregister(InfoHash infoHash) {
        return registered.remove(infoHash);
    }

    public boolean inDirectory(InfoHash infoHash) {
        return fromDirectory.contains(infoHash);
    }

    public Set<InfoHash> registered() {
        return Set.copyOf(registered);
    }

    public Set<InfoHash> directoryEntries() {
        return fromDirectory;
    }

    /** Registered plus directory entries (an infohash in both counts once). */
    public int size() {
        Set<InfoHash> all = new HashSet<>(fromDirectory);
        all.addAll(registered);
        return all.size();
    }

    /**
     * Reads the directory again. A torrent that does not parse is logged once (per mtime) and
     * skipped; a directory that vanished keeps the last good set and is logged once.
     */
    public synchronized Change rescan() {
        if (directory == null) {
            return new Change(Set.of(), Set.of());
        }
        Map<Path, Scanned> seen = new HashMap<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.torrent")) {
            for (Path file : files) {
                scan(file).ifPresent(s -> seen.put(file, s));
            }
            directoryMissingLogged = false;
        } catch (IOException e) {
            if (!directoryMissingLogged) {
                log.warn("whitelist: cannot read {}: {}; keeping the last {} entries", directory, e, fromDirectory.size());
                directoryMissingLogged = true;
            }
            return new Change(Set.of(), Set.of());
        }
        scanned.keySet().retainAll(seen.keySet());
        Set<InfoHash> next = new HashSet<>();
        seen.forEach((file, s) -> {
            if (s.infoHash() != null) {
                next.add(s.infoHash());
            }
        });
        Set<InfoHash> before = fromDirectory;
        Set<InfoHash> added = new HashSet<>(next);
        added.removeAll(before);
        Set<InfoHash> removed = new HashSet<>(before);
        removed.removeAll(next);
        fromDirectory = Set.copyOf(next);
        for (InfoHash ih : added) {
            log.info("whitelist: + {} (from {})", ih, directory);
        }
        for (InfoHash ih : removed) {
            log.info("whitelist: - {} (torrent left {})", ih, directory);
        }
        return new Change(Set.copyOf(added), Set.copyOf(removed));
    }

    private Optional<Scanned> scan(Path file) {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            return Optional.empty();
        }
        if (!attrs.isRegularFile()) {
            return Optional.empty();
        }
        long mtime = attrs.lastModifiedTime().toMillis();
        Scanned known = scanned.get(file);
        if (known != null && known.size() == attrs.size() && known.mtime() == mtime) {
            return Optional.of(known);
        }
        InfoHash infoHash = null;
        try {
            infoHash = MetaInfo.read(file, MetaInfo.MAX_TORRENT_FILE_SIZE_TO_LIST).infoHash();
        } catch (RuntimeException e) {
            log.warn("whitelist: skip {}: {}", file, e.getMessage());
        }
        Scanned s = new Scanned(attrs.size(), mtime, infoHash);
        scanned.put(file, s);
        return Optional.of(s);
    }
}
