package org.murder.orchestrator.release;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.murder.core.MurderException;
import org.murder.core.io.AtomicFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The releases of one destination directory {@code DIR}:
 * <pre>
 * DIR/releases/&lt;tag&gt;/        one unpacked release per tag, complete or absent
 * DIR/releases/.history      one line per activation: "EPOCH-SECONDS TAG", "... TAG rollback" for rollbacks
 * DIR/releases/.generation   "CZXID JOB ENSEMBLE": the job that switched current last (see {@link Generation})
 * DIR/releases/.unpacked     the tags murder unpacked here, one a line: pruning deletes only these and activated ones
 * DIR/releases/.TAG.partial-XXXX/   an unpack in progress ({@link SafeExtractor.Unpacked}); a killed one's is swept
 * DIR/current -&gt; releases/&lt;tag&gt;   what the application runs
 * </pre>
 * {@code current} always points at a complete release: a release is unpacked beside its final name
 * and renamed into place, then {@code current} is switched by creating the new link under a
 * temporary name and renaming it over the old one (one {@code rename(2)}: a reader resolves the old
 * release or the new one, never nothing and never a mix). Changes to one destination are serialised
 * across threads and processes ({@code releases/.lock}); reads are not locked.
 *
 * <p>Rollback undoes activations like a stack: after v1, v2, v3, a rollback goes to v2, the next one
 * to v1 (not back to v3); activating a tag again moves it to the top.
 */
public final class ReleaseManager {
    private static final Logger LOG = LoggerFactory.getLogger(ReleaseManager.class);
    public static final String RELEASES = "releases";
    public static final String CURRENT = "current";
    public static final String HISTORY = ".history";
    /** Lines of .history that do not parse are warned of one by one up to this many, then counted. */
    private static final int MAX_HISTORY_WARNINGS = 5;
    public static final String GENERATION = ".generation";
    /** The tags murder unpacked here, one a line: only those (and activated ones) are ever pruned. */
    public static final String UNPACKED = ".unpacked";
    /**
     * {@code TAG MD5} lines: the md5 of the archive each release was unpacked from (the job's, which the download
     * verified), so that a tag deployed again with other bytes is not answered with the old release.
     */
    public static final String UNPACKED_FROM = ".unpacked-from";
    private static final String ROLLBACK_MARK = "rollback";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** One release: its tag, when it was last activated (empty: never), whether {@code current} points at it. */
    public record Release(String tag, Optional<Instant> activatedAt, boolean current) {
    }

    /** What an activation or rollback did: {@code current} went {@code from} → {@code to}. */
    public record Switch(Optional<String> from, String to, boolean extracted) {
        /** False when {@code to} was already current. */
        public boolean changed() {
            return !from.equals(Optional.of(to));
        }
    }

    /** One line of {@code .history}. */
    record HistoryLine(long epochSeconds, String tag, boolean rollback) {
        String format() {
            return epochSeconds + " " + tag + (rollback ? " " + ROLLBACK_MARK : "");
        }
    }

    private final Path dest;
    private final Path releases;
    private final Path current;
    private final Path history;
    private final Path generation;
    private final Path unpackedFrom;
    private final Path unpacked;
    private final SafeExtractor extractor;
    private final Clock clock;

    public ReleaseManager(Path dest) {
        this(dest, new SafeExtractor(), Clock.systemUTC());
    }

    public ReleaseManager(Path dest, SafeExtractor extractor, Clock clock) {
        this.dest = dest.toAbsolutePath().normalize();
        this.releases = this.dest.resolve(RELEASES);
        this.current = this.dest.resolve(CURRENT);
        this.history = releases.resolve(HISTORY);
        this.generation = releases.resolve(GENERATION);
        this.unpacked = releases.resolve(UNPACKED);
        this.unpackedFrom = releases.resolve(UNPACKED_FROM);
        this.extractor = Objects.requireNonNull(extractor, "extractor");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public Path dest() {
        return dest;
    }

    /** {@code DIR/releases/TAG}. */
    public Path releaseDir(String tag) {
        return releases.resolve(validateTag(tag));
    }

    /** Returns {@code tag} when it is a valid release name, else throws a bad-input error. */
    public static String validateTag(String tag) {
        try {
            return ReleaseTag.parse(tag).value();
        } catch (IllegalArgumentException e) {
            throw MurderException.badInput(e.getMessage());
        }
    }

    /** {@link ReleaseTag}'s rule: it keeps the hidden names ({@code .history}, {@code .lock}, {@code .v42.partial-*}) for murder itself. */
    public static boolean isValidTag(String tag) {
        return ReleaseTag.isValid(tag);
    }

    /**
     * Makes {@code tag} the current release: unpacks {@code archive} into {@code releases/TAG} unless
     * that exists already (tags are immutable: the archive is not read again), then switches
     * {@code current} atomically and records the activation. Creates {@code DIR} and
     * {@code DIR/releases} when missing. Activating the current tag again changes nothing.
     */
    public Switch activate(String tag, Path archive) {
        return activate(tag, archive, Optional.empty());
    }

    /**
     * {@link #activate(String, Path)} for the job {@code by}: refused with a
     * {@link Generation.SupersededException} when a job published after it switched {@code current}
     * already (checked before unpacking and again under the lock); on success {@code by} is recorded.
     * By hand (empty), nothing is checked or recorded.
     */
    public Switch activate(String tag, Path archive, Optional<Generation> by) {
        return activate(tag, archive, Optional.empty(), by);
    }

    /**
     * {@link #activate(String, Path, Optional)} of an archive whose md5 is {@code md5}: a release of {@code tag}
     * unpacked here before from an archive with another md5 is refused, not switched to.
     */
    public Switch activate(String tag, Path archive, Optional<String> md5, Optional<Generation> by) {
        validateTag(tag);
        Path dir = releases.resolve(tag);
        createDirectories();
        current(); // a current that is not our link fails now, before minutes of unpacking
        by.ifPresent(g -> refuseIfSuperseded(g, "switching current to " + tag));
        // one look at dir (two, isDirectory then exists, raced with another activation's move)
        BasicFileAttributes seen = attributesOrNull(dir);
        if (seen != null && !seen.isDirectory()) {
            throw MurderException.failure(dir + ": not a directory (expected: a release unpacked by murder)", null);
        }
        boolean again = seen != null && refuseOtherBytes(tag, md5); // no record, not current: unpacked again
        try (SafeExtractor.Unpacked partial = again ? extractor.extractToReplace(archive, dir)
                : seen == null ? extractor.extractBeside(archive, dir) : null;
                DestLock lock = DestLock.acquire(releases)) {
            boolean extracted = partial != null && (again ? replaceUnrecorded(partial, tag, md5) : moveIntoPlace(partial, tag));
            if (extracted) {
                noteUnpackedFrom(tag, md5);
            }
            if (partial == null && !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw MurderException.failure(dir + ": removed while activating it (expected: no keep-last running on "
                        + dest + " at the same time)", null);
            }
            by.ifPresent(g -> refuseIfSuperseded(g, "switching current to " + tag));
            Optional<String> from = current();
            if (from.equals(Optional.of(tag))) {
                by.ifPresent(this::recordGeneration);
                return new Switch(from, tag, extracted);
            }
            // the release (with any overlay copied in since it was unpacked) on the disk before current points at it: the
            // switch is flushed, and after a power loss it could have pointed at files whose data never got there
            DiskFlush.fileSystemOf(dir);
            switchCurrent(new HistoryLine(clock.instant().getEpochSecond(), tag, false), by);
            LOG.info("[dest={}] activated {} (was {})", dest, tag, from.orElse("none"));
            return new Switch(from, tag, extracted);
        }
    }

    /**
     * Unpacks {@code archive} into {@code releases/TAG} when that does not exist yet, without
     * touching {@code current}: a rollout unpacks (and applies overlays) while the hosts before it
     * are being checked, then {@link #activate} only switches. Returns the release directory.
     */
    public Path prepare(String tag, Path archive, Optional<Generation> by) {
        return prepare(tag, archive, Optional.empty(), by);
    }

    /** {@link #prepare(String, Path, Optional)} of an archive whose md5 is {@code md5} (see {@link #activate(String, Path, Optional, Optional)}). */
    public Path prepare(String tag, Path archive, Optional<String> md5, Optional<Generation> by) {
        validateTag(tag);
        Path dir = releases.resolve(tag);
        createDirectories();
        current();
        by.ifPresent(g -> refuseIfSuperseded(g, "switching current to " + tag));
        BasicFileAttributes seen = attributesOrNull(dir);
        if (seen != null) {
            if (!seen.isDirectory()) {
                throw MurderException.failure(dir + ": not a directory (expected: a release unpacked by murder)", null);
            }
            if (!refuseOtherBytes(tag, md5)) {
                return dir;
            }
        }
        boolean again = seen != null;
        try (SafeExtractor.Unpacked partial = again ? extractor.extractToReplace(archive, dir) : extractor.extractBeside(archive, dir);
                DestLock lock = DestLock.acquire(releases)) {
            if (again ? replaceUnrecorded(partial, tag, md5) : moveIntoPlace(partial, tag)) {
                noteUnpackedFrom(tag, md5);
            }
        }
        return dir;
    }

    /**
     * Puts {@code partial} (this job's archive, unpacked beside) in place of {@code releases/TAG}, a release with no record of
     * its archive (see {@link #refuseOtherBytes}), under the destination's lock: checked again there (not current, still
     * without a record; else it is used as it is, and false), moved aside to {@code releases/.TAG.unrecorded}, the new one
     * moved in, the old one deleted; put back if the move in fails. Unpacked first, so that a failure (a full disk) never
     * leaves the tag without a release.
     */
    private boolean replaceUnrecorded(SafeExtractor.Unpacked partial, String tag, Optional<String> md5) {
        Path dir = releases.resolve(tag);
        if (current().equals(Optional.of(tag)) || readUnpackedFrom().get(tag) != null || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            LOG.info("[dest={} tag={}] made current or recorded meanwhile: the release there is used as it is", dest, tag);
            return false;
        }
        Path aside = releases.resolve("." + tag + ".unrecorded");
        try {
            if (Files.exists(aside, LinkOption.NOFOLLOW_LINKS)) {
                org.murder.core.io.FileTrees.deleteRecursively(aside); // left by a process killed before its delete below
            }
            Files.move(dir, aside);
        } catch (IOException e) {
            throw MurderException.failure(dir + ": no record of the archive it was unpacked from, and it could not be moved aside"
                    + " to be replaced by this job's: " + org.murder.core.io.IoErrors.describe(e), e);
        }
        boolean moved;
        try {
            moved = moveIntoPlace(partial, tag);
        } catch (RuntimeException e) {
            try {
                Files.move(aside, dir); // the tag keeps a release
            } catch (IOException back) {
                e.addSuppressed(back);
            }
            throw e;
        }
        try {
            org.murder.core.io.FileTrees.deleteRecursively(aside);
        } catch (IOException e) {
            LOG.warn("[dest={} tag={}] {} left: {}", dest, tag, aside, org.murder.core.io.IoErrors.describe(e));
        }
        LOG.warn("[dest={}] {} had no record of the archive it was unpacked from (made by a murder before the records, or by hand):"
                + " replaced by this job's archive, md5 {}, unpacked (it may have held other bytes of the tag)", dest, dir,
                org.murder.core.Printable.escape(md5.orElse("?"), 64));
        return moved;
    }

    /**
     * Renames the unpacked {@code partial} to {@code releases/TAG} unless another activation put one
     * there meanwhile; under the destination's lock. Returns whether it moved. The tag is written in
     * {@link #UNPACKED} first: a process killed between the two leaves a line without a release
     * (dropped at the next keep-last), never a release that is never pruned.
     */
    private boolean moveIntoPlace(SafeExtractor.Unpacked partial, String tag) {
        Path dir = releases.resolve(tag);
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            LOG.info("[dest={} tag={}] unpacked meanwhile by another activation; using that one", dest, tag);
            return false;
        }
        boolean noted = noteUnpacked(tag);
        try {
            move(partial.directory(), dir);
        } catch (RuntimeException e) {
            if (noted) {
                Set<String> tags = readUnpacked();
                tags.remove(tag);
                writeUnpacked(tags);
            }
            throw e;
        }
        return true;
    }

    private static BasicFileAttributes attributesOrNull(Path p) {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw MurderException.failure(p + ": " + e.getMessage(), e);
        }
    }

    /**
     * Switches {@code current} to {@code toTag}, or without it to the release activated before the
     * current one. Rolling back to the current tag changes nothing. Nothing is deleted.
     */
    public Switch rollback(Optional<String> toTag) {
        return rollback(toTag, Optional.empty());
    }

    /** {@link #rollback(Optional)} for the job {@code by}, refused like {@link #activate(String, Path, Optional)} when superseded. */
    public Switch rollback(Optional<String> toTag, Optional<Generation> by) {
        toTag.ifPresent(ReleaseManager::validateTag);
        requireReleases();
        try (DestLock lock = DestLock.acquire(releases)) {
            by.ifPresent(g -> refuseIfSuperseded(g, "rolling back"));
            String from = current().orElseThrow(() -> MurderException.failure(current
                    + ": no current release (expected: a release activated by murder before a rollback)", null));
            List<HistoryLine> lines = readHistory();
            String to;
            if (toTag.isPresent()) {
                to = toTag.get();
                if (!Files.isDirectory(releases.resolve(to), LinkOption.NOFOLLOW_LINKS)) {
                    throw MurderException.badInput("tag: '" + to + "' is not a release in " + releases + " (expected: one of "
                            + String.join(", ", tags()) + ")");
                }
            } else {
                to = previous(from, lines).orElseThrow(() -> MurderException.failure(dest + ": no release was activated before "
                        + from + " (expected: an earlier activation to roll back to, or a release named with --to TAG)", null));
            }
            if (to.equals(from)) {
                by.ifPresent(this::recordGeneration);
                return new Switch(Optional.of(from), to, false);
            }
            switchCurrent(new HistoryLine(clock.instant().getEpochSecond(), to, true), by);
            LOG.info("[dest={}] rolled back from {} to {}", dest, from, to);
            return new Switch(Optional.of(from), to, false);
        }
    }

    /**
     * The release {@link #rollback(Optional) rollback(Optional.empty())} would switch to now: the one
     * activated before current; empty without a current release or an earlier one.
     */
    public Optional<String> rollbackTarget() {
        if (!releasesPresent()) {
            return Optional.empty();
        }
        return current().flatMap(from -> previous(from, readHistory()));
    }

    /**
     * Deletes every release except the current one and the {@code keep} most recently activated others
     * (a release never activated counts as oldest): {@code keep} 1 leaves the release to roll back to. Returns the deleted tags, oldest first. A release
     * is first renamed to {@code .TAG.deleting-XXXX}, so a crash never leaves half a release under a tag.
     */
    public List<String> keepLast(int keep) {
        if (keep < 0) {
            throw MurderException.badInput("keep: " + keep + " (expected: 0 or more)");
        }
        requireDest();
        if (!releasesPresent()) {
            return List.of();
        }
        List<Path> doomed = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        try (DestLock lock = DestLock.acquire(releases)) {
            Optional<String> cur = current();
            List<HistoryLine> lines = readHistory();
            Map<String, Integer> recency = lastIndex(lines);
            Set<String> unpackedHere = readUnpacked();
            List<String> present = tags();
            // a line without its release: an unpack killed between noting the tag and moving it into place
            boolean stale = unpackedHere.retainAll(present);
            Map<Boolean, List<String>> byOrigin = present.stream() // only what murder put here is ever pruned
                    .collect(Collectors.partitioningBy(t -> recency.containsKey(t) || unpackedHere.contains(t)));
            List<String> strays = byOrigin.get(false);
            List<String> newestFirst = byOrigin.get(true).stream()
                    .sorted(Comparator.comparing((String t) -> recency.getOrDefault(t, -1)).reversed()
                            .thenComparing(Comparator.reverseOrder()))
                    .toList();
            // the current release and keep others: counted in the keep, --keep 1 left nothing to roll back to
            List<String> others = newestFirst.stream().filter(t -> cur.map(c -> !c.equals(t)).orElse(true)).toList();
            Set<String> kept = new HashSet<>(others.subList(0, Math.min(keep, others.size())));
            cur.ifPresent(kept::add);
            List<String> oldestFirst = new ArrayList<>(newestFirst);
            Collections.reverse(oldestFirst);
            for (String tag : oldestFirst) {
                if (!kept.contains(tag)) {
                    Path grave = releases.resolve("." + tag + ".deleting-" + Long.toUnsignedString(RANDOM.nextLong(), 36));
                    move(releases.resolve(tag), grave);
                    doomed.add(grave);
                    removed.add(tag);
                }
            }
            doomed.addAll(leftoverDeletions());
            Set<String> gone = new HashSet<>(removed);
            if (!removed.isEmpty()) {
                writeHistory(lines.stream().filter(l -> !gone.contains(l.tag())).toList());
            }
            if (unpackedHere.removeAll(gone) || stale) {
                writeUnpacked(unpackedHere);
            }
            Map<String, String> from = readUnpackedFrom();
            if (from.keySet().retainAll(present) | from.keySet().removeAll(gone)) {
                writeUnpackedFrom(from);
            }
            if (!strays.isEmpty()) {
                LOG.info("[dest={}] left {} in {}: not unpacked or activated by murder (it prunes only its own releases)", dest,
                        Trees.printable(String.join(", ", strays)), releases);
            }
        }
        for (Path grave : doomed) {
            Trees.deleteQuietly(grave);
        }
        ClaimedDir.sweep(releases, SafeExtractor.PARTIAL_GLOB, "an unpack that was stopped before it finished",
                clock);
        if (!removed.isEmpty()) {
            LOG.info("[dest={}] removed {} old release(s): {}", dest, removed.size(), String.join(", ", removed));
        }
        return removed;
    }

    /** Every release, least recently activated first (never activated ones before all others). */
    public List<Release> list() {
        requireDest();
        if (!releasesPresent()) {
            return List.of();
        }
        Optional<String> cur = current();
        List<HistoryLine> lines = readHistory();
        Map<String, Integer> recency = lastIndex(lines);
        return tags().stream()
                .sorted(Comparator.comparing((String t) -> recency.getOrDefault(t, -1)).thenComparing(Comparator.naturalOrder()))
                .map(t -> new Release(t, Optional.ofNullable(recency.get(t)).map(i -> Instant.ofEpochSecond(lines.get(i).epochSeconds())),
                        cur.equals(Optional.of(t))))
                .toList();
    }

    /**
     * The tag {@code current} points at; empty when there is no {@code current}. Fails when
     * {@code current} is something murder did not make (a directory, a file, a link elsewhere).
     */
    public Optional<String> current() {
        if (!Files.exists(current, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        if (!Files.isSymbolicLink(current)) {
            throw MurderException.failure(current + ": not a symbolic link (expected: a link to releases/TAG made by murder;"
                    + " move it away first)", null);
        }
        Path target;
        try {
            target = Files.readSymbolicLink(current);
        } catch (IOException e) {
            throw MurderException.failure("read " + current + ": " + Trees.describe(e), e);
        }
        Path resolved = dest.resolve(target).normalize();
        Path name = resolved.getFileName();
        if (!releases.equals(resolved.getParent()) || name == null || !isValidTag(name.toString())) {
            throw MurderException.failure(current + " -> " + target + " (expected: a link to releases/TAG made by murder)", null);
        }
        return Optional.of(name.toString());
    }

    /** The tags under {@code releases/}, sorted by name. */
    List<String> tags() {
        List<String> tags = new ArrayList<>();
        if (!releasesPresent()) {
            return tags;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(releases)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (isValidTag(name) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    tags.add(name);
                }
            }
        } catch (IOException e) {
            throw MurderException.failure("list " + releases + ": " + Trees.describe(e), e);
        }
        tags.sort(Comparator.naturalOrder());
        return tags;
    }

    /**
     * The release to roll back to from {@code from}: replay the history as a stack of distinct tags
     * (an activation moves its tag to the top; a rollback to a tag in the stack drops what is above
     * it), then take the nearest tag below {@code from} whose directory still exists.
     */
    Optional<String> previous(String from, List<HistoryLine> lines) {
        List<String> stack = new ArrayList<>();
        for (HistoryLine l : lines) {
            int at = stack.indexOf(l.tag());
            if (l.rollback() && at >= 0) {
                stack.subList(at + 1, stack.size()).clear();
            } else {
                stack.remove(l.tag());
                stack.add(l.tag());
            }
        }
        int top = stack.lastIndexOf(from);
        List<String> below = top >= 0 ? stack.subList(0, top) : stack;
        for (int i = below.size() - 1; i >= 0; i--) {
            String tag = below.get(i);
            if (!tag.equals(from) && Files.isDirectory(releases.resolve(tag), LinkOption.NOFOLLOW_LINKS)) {
                return Optional.of(tag);
            }
        }
        return Optional.empty();
    }

    /** The job that switched {@code current} last; empty when none did (or only an operator by hand). */
    public Optional<Generation> generation() {
        String text;
        try {
            text = org.murder.core.io.SmallFiles.read(generation, 64 * 1024, "generation");
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw MurderException.failure("read " + generation + ": " + Trees.describe(e), e);
        }
        Generation g = Generation.parseOrNull(text);
        if (g == null) {
            throw MurderException.failure(generation + ": '" + Trees.printable(text.strip()) + "' (expected: CZXID JOB-ID ENSEMBLE-ID, written by"
                    + " the murder agent; remove it to let any job switch current)", null);
        }
        return Optional.of(g);
    }

    private void refuseIfSuperseded(Generation by, String doing) {
        Optional<Generation> last = generation();
        if (last.isPresent() && by.isBefore(last.get())) {
            throw new Generation.SupersededException("superseded: job " + last.get().job() + ", published after this job "
                    + by.job() + ", switched " + current + " already; not " + doing + " (that would go backwards)");
        }
    }

    private void recordGeneration(Generation by) {
        if (generation().map(g -> !by.isBefore(g)).orElse(true)) {
            AtomicFiles.write(generation, (by.format() + "\n").getBytes(StandardCharsets.US_ASCII), true);
        }
    }

    /** What the .history looked like when its bad lines were last warned of (see {@link #readHistory}). */
    private volatile String historyWarnedFor = "";

    /** {@code .history}, oldest first; lines that do not parse are skipped with a warning. */
    List<HistoryLine> readHistory() {
        List<String> text;
        if (Files.isSymbolicLink(history)) {
            // murder writes it in place (a rename over it): a link there is not ours, and reading what it names would put
            // that file's lines into the warnings below (and the next activation replaced the link by a file)
            throw MurderException.badInput(Trees.printable(history.toString()) + ": a symbolic link (expected: murder's own"
                    + " activation history, a regular file, or nothing)");
        }
        try {
            text = org.murder.core.io.SmallFiles.read(history, 64L << 20, "history").lines().toList();
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw MurderException.failure("read " + history + ": " + Trees.describe(e), e);
        }
        List<HistoryLine> lines = new ArrayList<>();
        int ignored = 0;
        // an operation reads it more than once (a rollback: to choose, then to write): its bad lines are told once
        String state = text.size() + "/" + text.hashCode();
        boolean tell = !state.equals(historyWarnedFor);
        for (int i = 0; i < text.size(); i++) {
            String line = text.get(i).strip();
            String[] words = line.split(" +");
            if (line.isEmpty()) {
                continue;
            }
            if ((words.length == 2 || words.length == 3 && words[2].equals(ROLLBACK_MARK))
                    && words[0].matches("[0-9]{1,18}") && isValidTag(words[1])) {
                lines.add(new HistoryLine(Long.parseLong(words[0]), words[1], words.length == 3));
            } else if (++ignored <= MAX_HISTORY_WARNINGS && tell) { // a file of garbage is a handful of lines in the log
                LOG.warn("{} line {}: '{}' ignored (expected: EPOCH-SECONDS TAG [rollback])", history, i + 1, Trees.printable(line));
            }
        }
        if (ignored > MAX_HISTORY_WARNINGS && tell) {
            LOG.warn("{}: {} more lines ignored", history, ignored - MAX_HISTORY_WARNINGS);
        }
        if (ignored > 0) {
            historyWarnedFor = state;
        }
        return lines;
    }

    /**
     * Refuses to answer a job with the release already at {@code releases/TAG} when it was unpacked from an archive
     * with another md5 than {@code md5} (the job's): the tag was deployed before with other bytes (through another
     * ZooKeeper, or one rebuilt), and the host reported the new archive verified while current kept the old files.
     * A release with no record (unpacked by a murder before 2026-12-07, or made by hand) that is not current is to be
     * unpacked again from this job's archive and put in its place ({@link #replaceUnrecorded}): true then. One a murder of before the records made held a tag's
     * other bytes when the tag came again with new ones (a ZooKeeper rebuilt), and the host reported done on the old
     * files. The current release without a record is taken as it is, with a warning (replaced, the running application
     * would lose its files).
     */
    private boolean refuseOtherBytes(String tag, Optional<String> md5) {
        String then = readUnpackedFrom().get(tag);
        if (md5.isPresent() && then != null && !then.equalsIgnoreCase(md5.get())) {
            throw MurderException.failure(releases.resolve(tag) + ": holds release " + tag + " unpacked from an archive with md5 "
                    + then + ", and this job's archive has md5 " + org.murder.core.Printable.escape(md5.get(), 64) + ": the tag was deployed here before"
                    + " with other bytes (expected: a new tag for new bytes, or that directory removed first if this job's bytes are"
                    + " the ones wanted)", null);
        }
        if (then != null) {
            return false;
        }
        boolean unpackedHere = readUnpacked().contains(tag); // one read of the record for both questions below
        if (!unpackedHere && isEmptyDirectory(releases.resolve(tag))) {
            throw MurderException.failure(releases.resolve(tag) + ": an empty directory murder did not unpack (expected: release " + tag
                    + " unpacked, or no directory there: remove it, and the job unpacks its archive into it)", null);
        }
        if (md5.isEmpty()) {
            return false;
        }
        String why = unpackedHere ? "unpacked by a murder before the records" : "made by a murder before the records, or by hand";
        if (!current().equals(Optional.of(tag))) {
            return true; // unpacked again and put in its place (replaceUnrecorded), which checks this once more under the lock
        }
        LOG.warn("[dest={}] {} has no record of the archive it was unpacked from ({}): it is current, used as it is for {}, whose"
                + " md5 is {}", dest, releases.resolve(tag), why, tag, org.murder.core.Printable.escape(md5.get(), 64));
        return false;
    }

    /** Whether {@code dir} is a directory (not a link to one) with nothing in it. */
    private static boolean isEmptyDirectory(Path dir) {
        if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (java.util.stream.Stream<Path> in = Files.list(dir)) {
            return in.findAny().isEmpty();
        } catch (IOException e) {
            return false; // unreadable: said when it is used
        }
    }

    /** {@link #UNPACKED_FROM}: tag to md5 (a missing or unreadable file: none). */
    private Map<String, String> readUnpackedFrom() {
        Map<String, String> from = new java.util.TreeMap<>();
        try {
            for (String line : org.murder.core.io.SmallFiles.read(unpackedFrom, 16L << 20, "unpacked-from").lines().toList()) {
                String[] f = line.strip().split(" ");
                if (f.length == 2 && isValidTag(f[0]) && f[1].matches("[0-9a-f]{32}")) {
                    from.put(f[0], f[1]);
                }
            }
        } catch (IOException e) {
            // none recorded: nothing is refused
        }
        return from;
    }

    /**
     * Records the md5 of {@code archive} ({@code md5}) as what {@code releases/TAG} was unpacked from, when murder unpacked
     * that release ({@link #UNPACKED}), no record says otherwise, and the archive can be its source: the only one of the
     * tag's packed names beside the releases ({@code TAG.tar.zst}, {@code .tar.gz}, {@code .tar}), and last written
     * before the release directory was (an archive written after it, by a later job of the tag, is not its source). A
     * murder before the records left such releases; without a record one was answered to other bytes under its tag
     * without a word (mixed-version audit). Anything less sure records nothing: the release is then used with a warning.
     */
    public void recordIfUnknown(String tag, Path archive, String md5) {
        validateTag(tag);
        if (!releasesPresent() || !md5.matches("[0-9a-fA-F]{32}")) {
            return;
        }
        Path dir = releases.resolve(tag);
        List<String> packedNames = java.util.Arrays.stream(org.murder.maker.Compression.values()).map(c -> tag + c.extension())
                .toList();
        long present = packedNames.stream().filter(n -> Files.exists(dest.resolve(n), LinkOption.NOFOLLOW_LINKS)).count();
        try {
            if (!packedNames.contains(archive.getFileName().toString()) || !archive.toAbsolutePath().normalize().getParent().equals(dest)
                    || present != 1 || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
                    || Files.getLastModifiedTime(archive, LinkOption.NOFOLLOW_LINKS).compareTo(
                            Files.getLastModifiedTime(dir, LinkOption.NOFOLLOW_LINKS)) > 0) {
                return;
            }
        } catch (IOException e) {
            return;
        }
        try (DestLock lock = DestLock.acquire(releases)) {
            if (readUnpacked().contains(tag) && !readUnpackedFrom().containsKey(tag)) {
                noteUnpackedFrom(tag, Optional.of(md5));
                LOG.info("[dest={}] {}: recorded as unpacked from {} (md5 {}), the archive beside it from before the records",
                        dest, dir, archive.getFileName(), md5.toLowerCase(java.util.Locale.ROOT));
            }
        }
    }

    /** Records the md5 of the archive {@code tag} was unpacked from; under the destination's lock. A failure only loses the check. */
    private void noteUnpackedFrom(String tag, Optional<String> md5) {
        Map<String, String> from = readUnpackedFrom();
        Optional<String> known = md5.map(m -> m.toLowerCase(java.util.Locale.ROOT)).filter(m -> m.matches("[0-9a-f]{32}"));
        if (known.isPresent() ? !known.get().equals(from.put(tag, known.get())) : from.remove(tag) != null) {
            writeUnpackedFrom(from);
        }
    }

    private void writeUnpackedFrom(Map<String, String> from) {
        try {
            AtomicFiles.write(unpackedFrom, from.entrySet().stream().map(e -> e.getKey() + " " + e.getValue() + "\n")
                    .collect(Collectors.joining()).getBytes(StandardCharsets.UTF_8), true);
        } catch (RuntimeException e) {
            LOG.warn("[dest={}] record what {} were unpacked from: {}", dest, from.keySet(), e.getMessage());
        }
    }

    /** {@link #UNPACKED}: the tags murder unpacked here and has not pruned (a missing file: none). */
    private Set<String> readUnpacked() {
        try {
            return new java.util.TreeSet<>(org.murder.core.io.SmallFiles.read(unpacked, 16L << 20, "unpacked").lines()
                    .map(String::strip).filter(ReleaseManager::isValidTag).toList());
        } catch (NoSuchFileException e) {
            return new java.util.TreeSet<>();
        } catch (IOException e) {
            throw MurderException.failure("read " + unpacked + ": " + Trees.describe(e), e);
        }
    }

    /** Adds {@code tag} to {@link #UNPACKED}; under the destination's lock. Returns whether it was not there yet. */
    private boolean noteUnpacked(String tag) {
        Set<String> tags = readUnpacked();
        if (tags.add(tag)) {
            writeUnpacked(tags);
            return true;
        }
        return false;
    }

    private void writeUnpacked(Set<String> tags) {
        String text = tags.stream().map(t -> t + "\n").collect(Collectors.joining());
        AtomicFiles.write(unpacked, text.getBytes(StandardCharsets.UTF_8), true);
    }

    /**
     * Points {@code current} at {@code line}'s tag and records it: the new {@link #HISTORY} (and the
     * job's {@link #GENERATION}) are written beside their files first, so a full disk or a read-only
     * directory fails before {@code current} moves; after the switch they are only renamed into place.
     */
    private void switchCurrent(HistoryLine line, Optional<Generation> by) {
        List<HistoryLine> lines = new ArrayList<>(readHistory());
        lines.add(line);
        boolean newerGeneration = by.isPresent() && generation().map(g -> !by.get().isBefore(g)).orElse(true);
        try (AtomicFiles.Staged historyText = AtomicFiles.stage(history, historyText(lines));
                AtomicFiles.Staged generationText = newerGeneration
                        ? AtomicFiles.stage(generation, (by.get().format() + "\n").getBytes(StandardCharsets.US_ASCII)) : null) {
            pointCurrentAt(line.tag());
            try {
                if (generationText != null) {
                    generationText.commit();
                }
                historyText.commit();
            } catch (MurderException e) {
                throw MurderException.failure(current + " now points at " + line.tag() + ", but the history was not written: "
                        + e.getMessage(), e);
            }
        }
    }

    private void writeHistory(List<HistoryLine> lines) {
        AtomicFiles.write(history, historyText(lines), true);
    }

    private static byte[] historyText(List<HistoryLine> lines) {
        return lines.stream().map(l -> l.format() + "\n").collect(Collectors.joining()).getBytes(StandardCharsets.UTF_8);
    }

    /** Index in {@code lines} of each tag's last activation. */
    private static Map<String, Integer> lastIndex(List<HistoryLine> lines) {
        Map<String, Integer> last = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            last.put(lines.get(i).tag(), i);
        }
        return last;
    }

    /** New link under a temporary name in DIR, renamed over {@code current}: readers never see it missing. */
    private void pointCurrentAt(String tag) {
        Path link = null;
        try {
            for (int attempt = 0; link == null; attempt++) {
                Path candidate = dest.resolve("." + CURRENT + "." + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".tmp");
                try {
                    Files.createSymbolicLink(candidate, Path.of(RELEASES, tag));
                    link = candidate;
                } catch (FileAlreadyExistsException e) {
                    if (attempt > 10) {
                        throw e;
                    }
                }
            }
            Files.move(link, current, StandardCopyOption.ATOMIC_MOVE);
            link = null;
        } catch (IOException e) {
            throw MurderException.failure("switch " + current + " to " + RELEASES + "/" + tag + ": " + Trees.describe(e), e);
        } finally {
            if (link != null) {
                AtomicFiles.deleteQuietly(link);
            }
        }
        syncDirectory(dest);
    }

    /** Makes a rename in {@code dir} durable; best effort (not every file system allows it). */
    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | RuntimeException e) {
            LOG.debug("fsync {}: {}", dir, e.toString());
        }
    }

    private List<Path> leftoverDeletions() {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(releases, ".*.deleting-*")) {
            entries.forEach(found::add);
        } catch (IOException e) {
            LOG.warn("list {}: {}", releases, e.toString());
        }
        return found;
    }

    private static void move(Path from, Path to) {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw MurderException.failure("rename " + from + " to " + to + ": " + Trees.describe(e), e);
        }
    }

    /**
     * Whether {@code DIR/releases} exists; refuses one that is a symbolic link or not a directory:
     * an agent runs as root, and a link there would have murder unpack, write and prune its
     * releases in whatever directory it points at.
     */
    private boolean releasesPresent() {
        BasicFileAttributes seen = attributesOrNull(releases);
        if (seen == null) {
            return false;
        }
        if (seen.isSymbolicLink()) {
            String to;
            try {
                to = Files.readSymbolicLink(releases).toString();
            } catch (IOException e) {
                to = "?";
            }
            throw MurderException.badInput(Trees.printable(releases.toString()) + ": a symbolic link to " + Trees.printable(to)
                    + " (expected: the directory murder makes there; it never unpacks, writes or deletes releases through a link)");
        }
        if (!seen.isDirectory()) {
            throw MurderException.badInput(Trees.printable(releases.toString()) + ": not a directory (expected: the directory murder"
                    + " makes there, holding the releases)");
        }
        return true;
    }

    private void createDirectories() {
        if (releasesPresent()) {
            return;
        }
        try {
            Files.createDirectories(releases);
        } catch (IOException e) {
            throw MurderException.failure("create " + releases + ": " + Trees.describe(e), e);
        }
    }

    private void requireDest() {
        if (!Files.isDirectory(dest)) {
            throw MurderException.badInput("dest: " + dest + " (expected: an existing directory holding releases/ and current)");
        }
    }

    private void requireReleases() {
        requireDest();
        if (!releasesPresent()) {
            throw MurderException.failure(releases + ": no such directory (expected: the destination of earlier deploys)", null);
        }
    }
}
