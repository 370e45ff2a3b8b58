package org.murder.orchestrator.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.murder.orchestrator.release.ClaimedDir;
import org.murder.core.progress.Progress;
import org.murder.maker.Compression;
import org.murder.maker.MakeTorrentRequest;
import org.murder.maker.MakeTorrentResult;
import org.murder.maker.TorrentMaker;

/**
 * Packs a release (or takes a ready archive) and makes its torrent in the deploy host's work
 * directory: {@code <tag>.tar.zst} (or .tar.gz, .tar), {@code <tag>.torrent} and the md5 file,
 * keeping the {@link #WORK_DIR_KEEP} newest releases there.
 */
final class ReleasePacker {
    /** Releases (archive, md5, torrent) the deploy host keeps in its work directory; older ones are removed. */
    static final int WORK_DIR_KEEP = 5;

    /** Says whether the packed bytes may be deployed under the tag; throws to refuse them. */
    @FunctionalInterface
    interface Check {
        void accept(String md5, long size) throws Exception;
    }

    private final Clock clock;
    private final boolean terminal;

    /** {@code terminal}: show a progress bar on stderr. */
    ReleasePacker(Clock clock, boolean terminal) {
        this.clock = clock;
        this.terminal = terminal;
    }

    /**
     * Packs {@code source} as release {@code tag} announcing to {@code announce}. The files are made
     * in a directory of their own and moved beside the others only once {@code check} passed: a
     * refused deploy leaves the archive, md5 and torrent of the first deploy of this tag as they were.
     */
    MakeTorrentResult pack(Path source, String tag, Compression codec, String announce, Path workDir, boolean unpacked, Check check)
            throws Exception {
        try (PackAhead ahead = begin(source, tag, codec, announce, workDir, unpacked)) {
            return ahead.finish(check);
        }
    }

    /**
     * Starts packing {@code source} on a thread of its own, so that the archive, its md5 and its
     * torrent are made while the deploy connects to ZooKeeper, takes its locks and starts its tracker;
     * {@link PackAhead#finish} waits for them and moves them into place.
     *
     * @param unpacked the hosts will unpack it (an activating deploy): a ready archive is checked as they will
     *                 unpack it; one that is only downloaded may be any file (an image, a blob) and is not
     */
    PackAhead begin(Path source, String tag, Compression codec, String announce, Path workDir, boolean unpacked) throws IOException {
        Files.createDirectories(workDir);
        PendingDir.sweep(workDir, clock);
        if (Files.isDirectory(source)) {
            // short of the room the release may take (its files' bytes: compressed, it takes less): older releases go first
            org.murder.maker.ReleaseDelta.pruneForSpaceSparingRecent(workDir, bytesUnder(source), clock);
        }
        ClaimedDir pending = PendingDir.create(workDir, tag);
        try {
            MakeTorrentRequest make = new MakeTorrentRequest(source.toAbsolutePath(), List.of(announce),
                    pending.dir().resolve(tag + ".torrent"), pending.dir().resolve(tag + codec.extension()),
                    Optional.empty(), List.of(), true, true, Optional.of("murder deploy " + tag), codec.defaultLevel(),
                    Runtime.getRuntime().availableProcessors(), codec);
            boolean bar = terminal;
            // a ready archive is also checked as the agents will unpack it, beside its hashing: an archive no host
            // could unpack ('..', a link out of the release, a cut stream) is refused before its tag is bound to it
            boolean ready = unpacked && Files.isRegularFile(source);
            ExecutorService thread = Executors.newFixedThreadPool(ready ? 2 : 1, r -> {
                Thread t = new Thread(r, "murder-deploy-pack");
                t.setDaemon(true);
                return t;
            });
            Future<?> checked = ready ? thread.submit(() -> new org.murder.orchestrator.release.SafeExtractor().check(source,
                    pending.dir())) : null;
            Future<MakeTorrentResult> made = thread.submit(
                    () -> new TorrentMaker(clock, (label, total) -> Progress.of(label, total, System.err, bar)).make(make));
            thread.shutdown();
            return new PackAhead(announce, workDir, pending, thread, made, checked, clock);
        } catch (RuntimeException e) { // no PackAhead to close it
            pending.close();
            throw e;
        }
    }

    /** The bytes of the regular files under {@code dir} (links not followed); what cannot be read counts nothing. */
    static long bytesUnder(Path dir) {
        long[] total = {0};
        try {
            Files.walkFileTree(dir, new java.nio.file.SimpleFileVisitor<>() {
                @Override
                public java.nio.file.FileVisitResult visitFile(Path file, java.nio.file.attribute.BasicFileAttributes attrs) {
                    if (attrs.isRegularFile()) {
                        total[0] += attrs.size();
                    }
                    return java.nio.file.FileVisitResult.CONTINUE;
                }

                @Override
                public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e) {
                    return java.nio.file.FileVisitResult.CONTINUE; // the packing says what it cannot read
                }
            });
        } catch (IOException e) {
            // as above
        }
        return total[0];
    }

    /** Moves what make-torrent wrote into {@code dir} (a file SRC stays where it is). */
    static MakeTorrentResult moveInto(Path dir, MakeTorrentResult r) throws IOException {
        Path archive = r.packed() ? move(r.archive(), dir) : r.archive();
        return new MakeTorrentResult(archive, move(r.torrent(), dir), move(r.md5File(), dir), r.md5(), r.infoHash(), r.size(),
                r.pieceLength(), r.pieceCount(), r.packed(), r.elapsed());
    }

    private static Path move(Path file, Path dir) throws IOException {
        Path to = dir.resolve(file.getFileName());
        Files.move(file, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return to;
    }
}
