package org.murder.peer.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.murder.core.ByteSize;
import org.murder.core.Durations;
import org.murder.core.MurderException;
import org.murder.core.cli.LoggingOptions;
import org.murder.core.metainfo.MetaInfo;
import org.murder.core.progress.Progress;
import org.murder.peer.engine.Engine;
import org.murder.peer.engine.EngineConfig;
import org.murder.peer.engine.LoopbackTrade;
import org.murder.peer.engine.SessionListener;
import org.murder.peer.engine.SessionOptions;
import org.murder.peer.engine.SessionState;
import org.murder.peer.engine.Snapshot;
import org.murder.peer.engine.Torrent;
import org.murder.peer.storage.Storage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code murder peer}: download a torrent into a directory, verify it, seed a while, exit. */
@Command(name = "peer", sortOptions = false,
        description = {"Download TORRENT into DEST, verify every piece (and the md5), move it into place, seed for --seed-time, exit.",
            "Downloads go to NAME.part and become NAME only once verified. A restart resumes: what is on disk is re-checked and only the rest is fetched."},
        footer = {"", "Exit codes: 0 downloaded and verified, 1 failed (no peers, md5 mismatch, disk full...), 2 bad usage.",
            "", "Example:", "  murder peer /srv/murder/v42.torrent /srv/releases --port-range 6881-6889 --seed-time 30s"})
public final class PeerCommand implements Callable<Integer>, org.murder.core.cli.OptionsCheck {
    private static final Pattern MD5 = Pattern.compile("[0-9a-fA-F]{32}");
    private static final Logger LOG = LoggerFactory.getLogger(PeerCommand.class);
    /** The warm-up's release (--warm-up): 32 pieces of LoopbackTrade.PIECE (256 KiB), 512 blocks to each of two downloads. */
    static final int WARM_UP_MIB = 8;
    /** The warm-up's own limit for its check and transfer (closing its engines takes a few seconds at most): it says why. */
    private static final Duration WARM_UP_WORK = Duration.ofSeconds(30);
    /** The longest the peer waits for its warm-up before it downloads without it. */
    private static final Duration WARM_UP_LIMIT = Duration.ofSeconds(45);

    @Spec
    CommandSpec spec;

    @Mixin
    LoggingOptions logging;

    @Mixin
    EngineOptions engineOptions;

    @Parameters(index = "0", paramLabel = "TORRENT", description = "The .torrent file.")
    Path torrent;

    @Parameters(index = "1", paramLabel = "DEST", description = "Directory to download into (must exist).")
    Path dest;

    @Option(names = "--seed-time", paramLabel = "DURATION", defaultValue = "30s",
            description = "Keep seeding this long after completing, then announce stopped and exit. Default: ${DEFAULT-VALUE}.")
    Duration seedTime;

    @Option(names = "--md5", paramLabel = "HEX",
            description = "Expected md5 of the whole file. Default: read from NAME.md5 beside the torrent when present.")
    String md5;

    @Option(names = "--stall-timeout", paramLabel = "DURATION", defaultValue = "2m",
            description = "Fail when no data arrives from any peer for this long. Default: ${DEFAULT-VALUE}.")
    Duration stallTimeout;

    @Option(names = "--warm-up", negatable = true, defaultValue = "false", fallbackValue = "true",
            description = {"Before the download, move " + WARM_UP_MIB + " MiB over loopback from one engine in this process to two others"
                    + " (as murder agent does at start; " + 3 * WARM_UP_MIB + " MiB of scratch in java.io.tmpdir, removed after), so that"
                    + " the download runs compiled code from its first second. Worth it where many peers start at once on few cores; costs"
                    + " about a second on a host of its own, several where many start at once. A failure is a warning; the peer waits"
                    + " for it 45 s at most. Default: off."})
    boolean warmUp;

    @Option(names = "--json-status", paramLabel = "FILE", description = "Rewrite FILE every second with progress as JSON.")
    Path statusFile;

    private final Clock clock;

    public PeerCommand() {
        this(Clock.systemUTC());
    }

    PeerCommand(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void checkOptions() {
        if (seedTime.isNegative()) {
            throw MurderException.badInput("--seed-time: " + seedTime + " (expected: 0 or more)");
        }
        if (stallTimeout.isZero() || stallTimeout.isNegative()) {
            throw MurderException.badInput("--stall-timeout: " + Durations.format(stallTimeout) + " (expected: a positive duration)");
        }
        engineOptions.refuseDownLimitUnderARequestPer(stallTimeout, Optional.of("--stall-timeout"));
    }

    @Override
    public Integer call() throws Exception {
        MetaInfo meta = MetaInfo.read(torrent);
        Optional<String> expectedMd5 = expectedMd5(meta);
        checkOptions();
        EngineConfig config = engineOptions.configBuilder().stallTimeout(stallTimeout).build();
        List<Path> ours = Storage.downloadPaths(meta, dest);
        notAFileOfTheDownload(torrent, ours);
        StatusFile status = statusFile == null ? null : StatusFile.open(statusFile, torrent, ours);
        List<InetSocketAddress> extraPeers = engineOptions.extraPeers(); // checked before anything is written to DEST
        Storage.checkDirectory(dest); // a DEST that cannot be is bad usage, named before any port is looked for
        if (warmUp) {
            warmUp();
        }
        PrintWriter out = spec.commandLine().getOut();
        long started = System.nanoTime();
        try (Engine engine = Engine.start(config, clock)) {
            // after the port is ours: with every port of --port-range taken, DEST is left as it was
            Storage storage = Storage.forDownload(meta, dest);
            Thread hook = new Thread(engine::close, "murder-peer-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            Progress bar = Progress.of("downloading " + meta.name(), meta.totalLength(), System.err, Progress.isTerminal());
            SessionListener listener = new SessionListener() {
                private long shown;

                @Override
                public void onProgress(Snapshot s) {
                    bar.advance(Math.max(0, s.verified() - shown));
                    shown = Math.max(shown, s.verified());
                    if (status != null) {
                        status.write(s);
                    }
                }

                @Override
                public void onStateChange(SessionState state, Snapshot s) {
                    if (status != null) {
                        status.write(s);
                    }
                }
            };
            Torrent session = engine.add(meta, storage, SessionOptions.download(expectedMd5, Optional.of(seedTime)).saidByCaller(),
                    listener);
            session.addPeers(extraPeers);
            try {
                session.completed().get();
            } catch (ExecutionException e) {
                bar.close();
                throw MurderException.from(e.getCause());
            }
            bar.close();
            double seconds = (System.nanoTime() - started) / 1e9;
            // a multi-file torrent's download is its directory (its first file was named before)
            out.printf(Locale.ROOT, "done      %s%n", meta.isMultiFile()
                    ? org.murder.core.Printable.escape(dest.resolve(meta.name()).toString()) + " (" + meta.files().stream().filter(f -> !f.padding()).count() + " files)"
                    : org.murder.core.Printable.escape(storage.currentPaths().get(0).toString()));
            out.printf(Locale.ROOT, "size      %s in %.1f s (%s/s)%s%n", ByteSize.format(meta.totalLength()), seconds,
                    ByteSize.format((long) (meta.totalLength() / Math.max(seconds, 1e-3))),
                    expectedMd5.map(m -> ", md5 " + m + " ok").orElse(""));
            if (!seedTime.isZero()) {
                out.println("seeding   for " + Durations.format(seedTime) + " on port " + engine.port());
            }
            out.flush();
            Snapshot last = session.finished().get();
            removeHook(hook);
            if (last.state() == SessionState.FAILED) {
                // the download was done and checked, but seeding it stopped by itself (its file cut or written to while
                // shared): what is at DEST may no longer be what was checked, so not exit 0 (it was, after 'stopped')
                throw MurderException.failure("seeding after the download stopped: " + last.error().orElse("failed"), null);
            }
            out.printf(Locale.ROOT, "stopped   uploaded %s%n", ByteSize.format(last.uploaded()));
            out.flush();
        }
        return 0;
    }

    /**
     * Runs the loopback warm-up on a thread of its own and waits for it at most {@link #WARM_UP_LIMIT}:
     * whatever it does (fails, throws an Error, hangs), the download follows.
     */
    private void warmUp() throws InterruptedException {
        int bytes = WARM_UP_MIB << 20;
        CompletableFuture<LoopbackTrade.Moved> run = LoopbackTrade.onOwnThread(
                () -> LoopbackTrade.inScratch(Path.of(System.getProperty("java.io.tmpdir")), bytes, clock, WARM_UP_WORK),
                "murder-peer-warm-up");
        try {
            LoopbackTrade.Moved moved = run.get(WARM_UP_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            LOG.info("warmed up in {}: {} over loopback to two engines, verified by both ({} received, {} traded between them)",
                    Durations.format(moved.took()), ByteSize.format(bytes), ByteSize.format(moved.downloaded()),
                    ByteSize.format(moved.traded()));
        } catch (TimeoutException e) {
            LOG.warn("warm-up not done after {}; going on without it: the download may be slower to start",
                    Durations.format(WARM_UP_LIMIT));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            LOG.warn("warm-up failed ({}); going on: the download may be slower to start",
                    cause.getMessage() == null ? cause.toString() : cause.getMessage());
            LOG.debug("warm-up", cause);
        }
    }

    /** SIGTERM while seeding runs the hook, which stops the session and lets us get here: too late to remove it. */
    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is already stopping because of a signal; the hook did the work
        }
    }

    private Optional<String> expectedMd5(MetaInfo meta) throws IOException {
        if (md5 != null) {
            if (!MD5.matcher(md5).matches()) {
                throw MurderException.badInput("--md5 '" + md5 + "' (expected: 32 hex digits)");
            }
            return Optional.of(md5.toLowerCase(Locale.ROOT));
        }
        String name = torrent.getFileName().toString();
        Path beside = torrent.resolveSibling((name.endsWith(".torrent") ? name.substring(0, name.length() - 8) : name) + ".md5");
        if (!Files.isRegularFile(beside)) {
            return Optional.empty();
        }
        return Optional.of(md5Beside(beside, meta.name()));
    }

    /**
     * Refuses a TORRENT that is one of the download's own files ({@code ours}: each file and its .part; a multi-file
     * torrent's top directory is no file): a torrent at DEST/NAME.part was taken for the partial download, written into
     * and renamed.
     */
    static void notAFileOfTheDownload(Path torrent, List<Path> ours) {
        Path mine = torrent.toAbsolutePath().normalize();
        for (Path p : ours) {
            Path theirs = p.toAbsolutePath().normalize();
            boolean same;
            try {
                // the file or its .part itself (a torrent kept inside a multi-file download's directory is no file of it)
                same = mine.equals(theirs) || (Files.isRegularFile(p) && Files.isSameFile(torrent, p));
            } catch (IOException e) {
                same = false;
            }
            if (same) {
                throw MurderException.badInput("TORRENT " + org.murder.core.Printable.escape(torrent.toString()) + ": is the download's own "
                        + org.murder.core.Printable.escape(theirs.toString()) + " (expected: the torrent outside the files it downloads,"
                        + " which are written and renamed)");
            }
        }
    }

    /** The most a NAME.md5 beside the torrent may hold: one md5sum line of a long path. */
    static final int MD5_FILE_LIMIT = 8192;

    /**
     * The md5 in {@code file} (NAME.md5 beside the torrent, as make-torrent writes it): one line, 32 hex digits, then
     * optionally the name of the download ({@code name}, or a path ending in it; md5sum's {@code *} for binary mode
     * taken). Anything else is refused, naming the file: a list of files' md5s (md5sum's output for a directory) is not
     * the md5 of the download, whose first line was taken for it and every file left as .part after a good download.
     */
    static String md5Beside(Path file, String name) throws IOException {
        String shown = org.murder.core.Printable.escape(file.toString());
        byte[] bytes = org.murder.core.io.SmallFiles.readAtMost(file, MD5_FILE_LIMIT + 1);
        String expected = " (expected: one line, the md5 of " + org.murder.core.Printable.escape(name)
                + " as make-torrent writes it: 32 hex digits, then optionally that name; or move it away, or give --md5)";
        if (bytes.length > MD5_FILE_LIMIT) {
            throw MurderException.badInput(shown + ": more than " + MD5_FILE_LIMIT + " bytes" + expected);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw MurderException.badInput(shown + ": not text (not UTF-8)" + expected);
        }
        List<String> lines = text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        if (lines.size() != 1) {
            throw MurderException.badInput(shown + ": " + lines.size() + " lines" + expected);
        }
        String[] parts = lines.get(0).split("\\s+", 2);
        if (!MD5.matcher(parts[0]).matches()) {
            throw MurderException.badInput(shown + ": '" + org.murder.core.Printable.escape(parts[0], 40) + "' is not 32 hex digits"
                    + expected);
        }
        if (parts.length == 2) {
            String named = parts[1].startsWith("*") ? parts[1].substring(1) : parts[1];
            String last = named.substring(named.lastIndexOf('/') + 1);
            if (!last.equals(name)) {
                throw MurderException.badInput(shown + ": the md5 of '" + org.murder.core.Printable.escape(named, 200) + "'" + expected);
            }
        }
        return parts[0].toLowerCase(Locale.ROOT);
    }
}
