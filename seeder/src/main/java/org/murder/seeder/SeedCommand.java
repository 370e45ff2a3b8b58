package org.murder.seeder;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.murder.core.ByteSize;
import org.murder.core.MurderException;
import org.murder.core.Printable;
import org.murder.core.cli.LoggingOptions;
import org.murder.core.metainfo.MetaInfo;
import org.murder.metrics.HealthCheck;
import org.murder.metrics.HealthStatus;
import org.murder.metrics.MetricsEndpoint;
import org.murder.metrics.MetricsOptions;
import org.murder.peer.cli.EngineOptions;
import org.murder.peer.engine.Engine;
import org.murder.peer.engine.SessionListener;
import org.murder.peer.engine.SessionOptions;
import org.murder.peer.engine.SessionState;
import org.murder.peer.engine.Snapshot;
import org.murder.peer.engine.Torrent;
import org.murder.peer.storage.Storage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code murder seed}: verify complete files, then seed them until stopped. */
@Command(name = "seed", sortOptions = false,
        description = {"Verify FILE against TORRENT, then seed it until stopped (SIGTERM or Ctrl-C: announce stopped, exit 0).",
            "With --dir, seed every *.torrent in DIR whose file (the torrent's name) is beside it; torrents added later start, removed ones stop."},
        footer = {"", "Examples:", "  murder seed /srv/murder/v42.torrent /srv/murder/v42.tar.gz --port-range 6881-6889",
            "  murder seed --dir /srv/murder        # the seeder service"})
public final class SeedCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    LoggingOptions logging;

    @Mixin
    EngineOptions engineOptions;

    @Parameters(index = "0", arity = "0..1", paramLabel = "TORRENT", description = "The .torrent file.")
    Path torrent;

    @Parameters(index = "1", arity = "0..1", paramLabel = "FILE", description = "The complete file (or the directory holding it).")
    Path file;

    @Option(names = "--dir", paramLabel = "DIR", description = "Seed every torrent of DIR (watched) instead of one.")
    Path dir;

    @Mixin
    MetricsOptions metricsOptions;

    /**
     * The seeder service ({@code --dir}) serves metrics unless told otherwise; a one-off seed of a
     * file only when asked, so that it never fights the service on this host for the port.
     */
    private Optional<MetricsEndpoint> metricsEndpoint() {
        return metricsOptions.endpoint(dir != null ? OptionalInt.of(MetricsOptions.SEED_PORT) : OptionalInt.empty());
    }

    @Override
    public Integer call() throws Exception {
        if (dir != null) {
            if (torrent != null) {
                throw MurderException.badInput("seed: give either TORRENT FILE or --dir DIR, not both");
            }
            return seedDirectory();
        }
        if (torrent == null || file == null) {
            throw MurderException.badInput("seed: missing " + (torrent == null ? "TORRENT and FILE" : "FILE")
                    + " (expected: murder seed TORRENT FILE, or murder seed --dir DIR)");
        }
        List<java.net.InetSocketAddress> extraPeers = engineOptions.extraPeers(); // bad input before anything listens
        Optional<MetricsEndpoint> endpoint = metricsEndpoint();
        MetaInfo meta = MetaInfo.read(torrent);
        Storage storage = Storage.forSeeding(meta, file);
        PrintWriter out = spec.commandLine().getOut();
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicReference<Torrent> seeding = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean announced = new java.util.concurrent.atomic.AtomicBoolean();
        try (SeedMetrics metrics = SeedMetrics.serve(endpoint, () -> {
                    Torrent s = seeding.get();
                    return s != null && s.state() == SessionState.SEEDING ? HealthStatus.ok()
                            : HealthStatus.unhealthy("checking " + Printable.escape(file.toString()) + " against "
                                    + Printable.escape(torrent.toString()));
                });
                Engine engine = Engine.start(engineOptions.configBuilder().build(), Clock.systemUTC())) {
            metrics.engine(engine);
            Thread hook = new Thread(() -> {
                metrics.close();
                engine.close();
                Torrent s = seeding.get();
                Snapshot last = s == null ? null : s.finished().getNow(null); // taken on its loop as it stopped
                // not after the one line that says the file does not match, or that it changed while shared
                if (last != null && announced.get() && last.state() != SessionState.FAILED) {
                    out.println("stopped   uploaded " + ByteSize.format(last.uploaded()));
                    out.flush();
                }
                stopped.countDown();
            }, "murder-seed-stop");
            org.murder.core.cli.Termination.onStop(hook);
            Torrent session = engine.add(meta, storage, SessionOptions.seedForever().saidByCaller(), SessionListener.NONE);
            seeding.set(session);
            session.addPeers(extraPeers);
            try {
                session.completed().get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof org.murder.peer.engine.FileMismatchException m) {
                    throw MurderException.badInput(m.getMessage()); // the operator named the wrong file, as with one of the wrong size
                }
                throw MurderException.from(e.getCause());
            }
            if (!session.snapshot().error().isEmpty() || session.snapshot().verified() != meta.totalLength()) {
                throw MurderException.failure(file + ": does not match " + torrent, null);
            }
            announced.set(true);
            out.println("seeding   " + meta.name() + " (" + ByteSize.format(meta.totalLength()) + ", " + meta.infoHash()
                    + ") on port " + engine.port() + metrics.describe());
            out.flush();
            Snapshot last = session.finished().get();
            if (last.state() == SessionState.FAILED && stopped.getCount() > 0) {
                // stopped by itself, not by a signal (its file cut or written to while shared): said, and not exit 0
                throw MurderException.failure(last.error().orElse("seeding " + meta.name() + " stopped"), null);
            }
            hook.join(); // stopped by a signal: its last line is printed before the process exits
        }
        return 0;
    }

    private int seedDirectory() throws InterruptedException {
        Optional<MetricsEndpoint> endpoint = metricsEndpoint();
        CountDownLatch stopped = new CountDownLatch(1);
        SeedMetrics metrics = SeedMetrics.serve(endpoint, HealthCheck.SERVING);
        Engine engine = null;
        SeederService service;
        try {
            engine = Engine.start(engineOptions.configBuilder().build(), Clock.systemUTC());
            service = new SeederService(engine, dir);
        } catch (RuntimeException e) {
            if (engine != null) {
                engine.close();
            }
            metrics.close();
            throw e;
        }
        metrics.engine(engine);
        Engine started = engine;
        org.murder.core.cli.Termination.onStop(new Thread(() -> {
            metrics.close();
            service.close();
            started.close();
            stopped.countDown();
        }, "murder-seeder-stop"));
        service.start(2000);
        spec.commandLine().getOut().println("seeding   every torrent in " + dir + " on port " + started.port() + metrics.describe());
        spec.commandLine().getOut().flush();
        stopped.await();
        return 0;
    }
}
