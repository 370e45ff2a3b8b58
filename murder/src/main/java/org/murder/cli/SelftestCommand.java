package org.murder.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import org.murder.core.ByteSize;
import org.murder.core.MurderException;
import org.murder.core.io.FileTrees;
import org.murder.core.PortRange;
import org.murder.core.cli.LoggingOptions;
import org.murder.core.metainfo.MetaInfo;
import org.murder.peer.engine.Engine;
import org.murder.peer.engine.EngineConfig;
import org.murder.peer.engine.SessionListener;
import org.murder.peer.engine.SessionOptions;
import org.murder.peer.storage.Storage;
import org.murder.tracker.TrackerConfig;
import org.murder.tracker.TrackerServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code murder selftest}: the whole transfer path of this installation on 127.0.0.1, in one
 * process: a tracker, {@code make-torrent} of a random file, a seeding engine, and
 * {@code murder peer} downloading it through the tracker with its md5 check. The build also runs
 * it to record which classes a transfer loads, for the class-data-sharing archive that makes
 * every later start cheaper ({@code scripts/cds-archive.sh}).
 */
@Command(name = "selftest", description = "Check this installation: tracker, make-torrent, seed and peer over 127.0.0.1 in one process.",
        footer = {"", "Prints one line per step and 'selftest ok' at the end; exits 1 naming the step that failed.",
            "Example:", "  murder selftest --size 64MiB"})
public final class SelftestCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    LoggingOptions logging;

    @Option(names = "--size", paramLabel = "SIZE", defaultValue = "32MiB", description = "Size of the test file. Default: ${DEFAULT-VALUE}.")
    ByteSize size;

    @Option(names = "--port-range", paramLabel = "A-B", defaultValue = "46881-46999",
            description = "Ports for the seed and the peer on 127.0.0.1. Default: ${DEFAULT-VALUE}.")
    PortRange portRange;

    @Override
    public Integer call() throws Exception {
        if (size.bytes() < 1 || size.bytes() > (4L << 30)) {
            throw MurderException.badInput("--size: " + size + " (expected: 1 byte to 4 GiB)");
        }
        PrintWriter out = spec.commandLine().getOut();
        Path work = workDirectory();
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        try (TrackerServer tracker = TrackerServer.start(TrackerConfig.builder().bind("127.0.0.1").port(0).open(true)
                .interval(Duration.ofSeconds(2)).build(), Clock.systemUTC())) {
            String announce = "http://127.0.0.1:" + tracker.port() + "/announce";
            out.println("tracker    " + announce);
            Path file = work.resolve("seed").resolve("selftest.bin");
            try {
                writeRandom(file);
            } catch (IOException e) {
                throw MurderException.failure("selftest: write the test file: " + org.murder.core.io.IoErrors.describe(e)
                        + " (expected: room for " + size + " twice in " + org.murder.core.Printable.escape(work.getParent().toString())
                        + ": set TMPDIR to a directory with room, or --size less)", e);
            }
            Path torrent = work.resolve("selftest.torrent");
            step("make-torrent", "make-torrent", file.toString(), "--tracker", announce, "--out", torrent.toString());
            out.println("torrent    " + torrent + " (" + size + ")");
            MetaInfo meta = MetaInfo.read(torrent);
            try (Engine seeder = startSeeder(loopback)) {
                try {
                    seeder.add(meta, Storage.forSeeding(meta, file), SessionOptions.seedForever(), SessionListener.NONE)
                            .completed().get(60, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    throw MurderException.failure("selftest: seed " + file + ": " + (e.getCause() == null ? "not ready within 60 s"
                            : e.getCause().getMessage()) + " (expected: the file it was made from, seeding)", e);
                }
                out.println("seed       127.0.0.1:" + seeder.port());
                out.flush();
                Path dest = Files.createDirectories(work.resolve("peer"));
                long start = System.nanoTime();
                step("peer", "peer", torrent.toString(), dest.toString(), "--bind", "127.0.0.1", "--ip", "127.0.0.1",
                        "--port-range", portRange.toString(), "--seed-time", "0s", "--stall-timeout", "30s");
                double seconds = (System.nanoTime() - start) / 1e9;
                if (Files.mismatch(file, dest.resolve(meta.name())) != -1) {
                    throw MurderException.failure("selftest: " + dest.resolve(meta.name()) + " differs from " + file
                            + " (expected: the same bytes)", null);
                }
                out.printf(java.util.Locale.ROOT, "peer       %s downloaded and verified (md5 and every piece) in %.2f s%n",
                        ByteSize.format(meta.totalLength()), seconds);
            }
            out.println("selftest ok");
            out.flush();
            return 0;
        } finally {
            FileTrees.deleteRecursively(work);
        }
    }

    /**
     * A new directory for the run in {@code $TMPDIR} (the JVM's own temporary directory, /tmp, when it
     * is not set: java.io.tmpdir does not follow TMPDIR), named in one line when it cannot be made.
     */
    private static Path workDirectory() {
        String tmpdir = System.getenv("TMPDIR");
        Path base = Path.of(tmpdir == null || tmpdir.isBlank() ? System.getProperty("java.io.tmpdir") : tmpdir);
        try {
            return Files.createTempDirectory(base, "murder-selftest-");
        } catch (IOException e) {
            throw MurderException.failure("selftest: a work directory in " + org.murder.core.Printable.escape(base.toString()) + ": "
                    + org.murder.core.io.IoErrors.describe(e) + " (expected: a writable directory with room for twice --size: TMPDIR, or "
                    + System.getProperty("java.io.tmpdir") + " when TMPDIR is not set)", e);
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            throw MurderException.badInput("selftest: TMPDIR " + org.murder.core.Printable.escape(String.valueOf(tmpdir)) + ": "
                    + e.getMessage() + " (expected: a directory)");
        }
    }

    private Engine startSeeder(InetAddress loopback) {
        try {
            return Engine.start(EngineConfig.builder().portRange(portRange).bindAddress(loopback).build(), Clock.systemUTC());
        } catch (MurderException e) {
            throw new MurderException("selftest: seed: " + e.getMessage(), e.exitCode(), e);
        }
    }

    /** Runs one murder command in this process, its output captured; fails naming the step and its error. */
    private void step(String name, String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = Murder.commandLineFor(args);
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        if (code != 0) {
            String last = err.toString().strip().lines().reduce((a, b) -> b).orElse("no message");
            throw MurderException.failure("selftest: murder " + name + " exited " + code + ": " + last.replaceFirst("^murder: ", ""), null);
        }
    }

    private void writeRandom(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Random random = new Random();
        byte[] chunk = new byte[1 << 20];
        try (OutputStream os = Files.newOutputStream(file)) {
            for (long left = size.bytes(); left > 0; left -= chunk.length) {
                random.nextBytes(chunk);
                os.write(chunk, 0, (int) Math.min(chunk.length, left));
            }
        }
    }
}
