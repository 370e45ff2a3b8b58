package org.murder.tracker;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.murder.core.Durations;
import org.murder.core.InfoHash;
import org.murder.core.MurderException;
import org.murder.metrics.DaemonMetrics;
import org.murder.tracker.http.AnnounceQuery;
import org.murder.tracker.http.HttpSettings;
import org.murder.tracker.http.TrackerChannelInitializer;
import org.murder.tracker.http.TrackerHttpHandler;
import org.murder.tracker.http.TrackerMetrics;
import org.murder.tracker.swarm.SwarmRegistry;
import org.murder.tracker.swarm.SwarmSnapshot;
import org.murder.tracker.whitelist.Whitelist;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tracker's composition root: reads a {@link TrackerConfig}, wires registry, whitelist,
 * state file, metrics and the Netty server (epoll where available), and runs the maintenance
 * (peer expiry, whitelist rescan, state saves) on one background thread.
 */
public final class TrackerServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TrackerServer.class);

    private final TrackerConfig config;
    private final Clock clock;
    private final SwarmRegistry registry;
    private final Whitelist whitelist;
    private final TrackerMetrics metrics = new TrackerMetrics(DaemonMetrics.newRegistry("tracker"));
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch closedLatch = new CountDownLatch(1);
    private EventLoopGroup workers;
    private Channel serverChannel;
    private ScheduledExecutorService maintenance;
    private String transport;

    private TrackerServer(TrackerConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.registry = new SwarmRegistry(clock, config.swarmSettings());
        this.whitelist = config.open() ? Whitelist.open() : Whitelist.restricted(config.whitelistDir(), config.maxSwarms());
    }

    /**
     * Starts a tracker: checks the whitelist directory, restores the state file, binds, schedules
     * maintenance and logs one line.
     *
     * @throws MurderException bad input (exit 2) for a missing whitelist directory; failure (exit 1)
     *                         when the address cannot be bound
     */
    public static TrackerServer start(TrackerConfig config, Clock clock) {
        TrackerServer server = new TrackerServer(config, clock);
        try {
            server.startUp();
        } catch (RuntimeException e) {
            server.shutDown(false);
            throw e;
        }
        return server;
    }

    private void startUp() {
        config.whitelistDir().ifPresent(dir -> {
            if (!Files.isDirectory(dir)) {
                throw MurderException.badInput("--whitelist " + dir + ": not a directory (expected: a directory of .torrent files)");
            }
        });
        whitelist.rescan();
        String restored = config.stateFile().map(this::restore).orElse("no state file");
        bind();
        maintenance = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("tracker-maintenance", true));
        long sweepMillis = sweepEvery(config).toMillis();
        maintenance.scheduleWithFixedDelay(this::sweepQuietly, sweepMillis, sweepMillis, TimeUnit.MILLISECONDS);
        if (config.whitelistDir().isPresent()) {
            long rescan = config.whitelistRescan().toMillis();
            maintenance.scheduleWithFixedDelay(this::rescanQuietly, rescan, rescan, TimeUnit.MILLISECONDS);
        }
        if (config.stateFile().isPresent()) {
            long save = config.stateSaveInterval().toMillis();
            maintenance.scheduleWithFixedDelay(this::saveQuietly, save, save, TimeUnit.MILLISECONDS);
        }
        log.info("tracker listening on http://{}:{}/announce ({}, {} threads; {}; interval {}, peer timeout {}; {})",
                config.bind(), port(), transport, config.effectiveIoThreads(), whitelistSummary(),
                Durations.format(config.interval()), Durations.format(config.peerTimeout()), restored);
    }

    private String whitelistSummary() {
        if (whitelist.isOpen()) {
            return "open mode: any infohash";
        }
        return "whitelist: " + whitelist.directoryEntries().size() + " torrents"
                + whitelist.directory().map(d -> " in " + d).orElse("") + " + " + whitelist.registered().size()
                + " registered";
    }

    private void bind() {
        boolean epoll = Epoll.isAvailable();
        transport = epoll ? "epoll" : "nio";
        int threads = config.effectiveIoThreads();
        workers = epoll ? new EpollEventLoopGroup(threads, new DefaultThreadFactory("tracker-io", true))
                : new NioEventLoopGroup(threads, new DefaultThreadFactory("tracker-io", true));
        // one group both accepts and serves: no separate acceptor thread to wake for every new
        // connection (short connections are most of a tracker's traffic)
        Class<? extends ServerChannel> channel = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        HttpSettings http = new HttpSettings((int) config.interval().toSeconds(), (int) config.minInterval().toSeconds(),
                new AnnounceQuery.Policy(config.defaultNumwant(), config.maxNumwant(), config.acceptIpParameter()),
                config.adminToken(), config.accessLog(), config.maxRequestLine(), config.maxHeaderSize(), config.maxBody(),
                config.requestTimeout().toMillis(), config.idleTimeout().toMillis(), config.maxConnections(),
                config.maxConnectionsPerSource(), config.sourcePrefixV6(), config.embeddedIn());
        TrackerHttpHandler handler = new TrackerHttpHandler(http, registry, whitelist, metrics, clock);
        metrics.gauges(registry, whitelist);
        ServerBootstrap b = new ServerBootstrap()
                .group(workers, workers)
                .channel(channel)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                // TCP_NODELAY is on by default for accepted sockets on Linux; not setting it again saves a syscall
                .childHandler(new TrackerChannelInitializer(http, metrics, handler));
        try {
            serverChannel = b.bind(config.bind(), config.port()).sync().channel();
        } catch (Exception e) {
            String message = String.valueOf(e.getMessage());
            if (message.contains("assign requested address") || message.contains("error(-99)")) { // EADDRNOTAVAIL
                throw MurderException.badInput("cannot listen on " + config.bind() + ":" + config.port()
                        + ": not an address of this machine (expected: --bind with one of its IP addresses, or 0.0.0.0)", e);
            }
            String why = e instanceof BindException || message.contains("in use") ? "address already in use" : message;
            throw MurderException.failure("cannot listen on " + config.bind() + ":" + config.port() + ": " + why, e);
        }
    }

    /** The port actually bound (useful with port 0). */
    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    public SwarmRegistry registry() {
        return registry;
    }

    public Whitelist whitelist() {
        return whitelist;
    }

    public TrackerMetrics metrics() {
        return metrics;
    }

    /** Expires silent peers and idle swarms now (maintenance does it periodically). */
    public int sweep() {
        return registry.sweep();
    }

    /** Reads the whitelist directory now; swarms of torrents that left it are dropped. */
    public void rescanWhitelist() {
        Whitelist.Change change = whitelist.rescan();
        for (InfoHash ih : change.removed()) {
            if (!whitelist.allows(ih)) {
                registry.drop(ih);
            }
        }
    }

    /** Writes the state file now (no-op without {@code --state}). */
    public void saveState() {
        config.stateFile().ifPresent(file -> {
            TrackerState state = new TrackerState(whitelist.isOpen() ? java.util.Set.of() : whitelist.registered(),
                    registry.snapshot());
            StateFile.write(file, state, clock.millis());
        });
    }

    /** Deletes all but the newest {@code keep} copies of {@code file} set aside as corrupt (a tracker restarted in a loop made one each time). */
    private void keepNewestCorrupt(Path file, int keep) {
        String prefix = file.getFileName() + ".corrupt-";
        try (java.util.stream.Stream<Path> s = Files.list(file.toAbsolutePath().getParent())) {
            List<Path> copies = s.filter(p -> p.getFileName().toString().startsWith(prefix)).sorted().toList();
            for (Path old : copies.subList(0, Math.max(0, copies.size() - keep))) {
                Files.deleteIfExists(old);
            }
        } catch (IOException | RuntimeException e) {
            log.debug("corrupt state copies of {} not pruned: {}", file, e.toString());
        }
    }

    private String restore(Path file) {
        Optional<TrackerState> state;
        try {
            state = StateFile.read(file);
        } catch (StateFile.CorruptStateException e) {
            // a name of its own each time: the evidence of an earlier corrupt file is kept
            Path aside = file.resolveSibling(file.getFileName() + ".corrupt-" + java.time.format.DateTimeFormatter
                    .ofPattern("yyyyMMdd'T'HHmmss.SSS").withZone(java.time.ZoneOffset.UTC).format(clock.instant()));
            String moved;
            try {
                Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
                moved = "moved to " + aside;
            } catch (IOException io) {
                moved = "left in place";
            }
            keepNewestCorrupt(file, 3);
            log.warn("state file {} is corrupt ({}); {}; starting empty", file, e.getMessage(), moved);
            return "state file corrupt, started empty";
        }
        if (state.isEmpty()) {
            return "state file " + file + " not found, starting empty";
        }
        TrackerState s = state.get();
        if (!whitelist.isOpen()) {
            for (InfoHash ih : s.registered()) {
                try {
                    whitelist.register(ih);
                } catch (IllegalStateException full) {
                    log.warn("state file {}: {}; registrations past it are left out", file, full.getMessage());
                    break;
                }
            }
        }
        int swarms = 0;
        int peers = 0;
        List<SwarmSnapshot> saved = s.swarms();
        for (SwarmSnapshot snap : saved) {
            if (!whitelist.allows(snap.infoHash())) {
                continue;
            }
            try {
                peers += registry.restore(snap);
                swarms++;
            } catch (RuntimeException capped) {
                log.warn("state file {}: {}; swarms past it are left out", file, capped.getMessage());
                break;
            }
        }
        return "restored " + swarms + " swarms, " + peers + " peers, " + s.registered().size() + " registrations from " + file;
    }

    private void sweepQuietly() {
        try {
            int n = sweep();
            if (n > 0) {
                log.debug("expired {} peers", n);
            }
        } catch (RuntimeException e) {
            log.warn("peer expiry failed: {}", e.toString(), e);
        }
    }

    private void rescanQuietly() {
        try {
            rescanWhitelist();
        } catch (RuntimeException e) {
            log.warn("whitelist rescan failed: {}", e.toString(), e);
        }
    }

    /** The last save's failure, told once until it changes or a save succeeds (a read-only disk failed every --state-every). */
    private String saveFailure;

    private void saveQuietly() {
        try {
            saveState();
            if (saveFailure != null) {
                log.info("state saved again after: {}", saveFailure);
                saveFailure = null;
            }
        } catch (RuntimeException e) {
            String failure = String.valueOf(e.getMessage());
            if (!failure.equals(saveFailure)) {
                log.warn("state save failed: {} (not told again until it changes or a save succeeds)", failure);
            }
            saveFailure = failure;
        }
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitClose() throws InterruptedException {
        closedLatch.await();
    }

    /** Stops accepting, saves the state file, stops the threads; logs one line. Idempotent. */
    @Override
    public void close() {
        shutDown(true);
    }

    private void shutDown(boolean started) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            if (serverChannel != null) {
                serverChannel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
            }
            if (maintenance != null) {
                // let a save in progress finish: interrupting it would abort its write
                maintenance.shutdown();
                try {
                    if (!maintenance.awaitTermination(5, TimeUnit.SECONDS)) {
                        maintenance.shutdownNow();
                    }
                } catch (InterruptedException e) {
                    maintenance.shutdownNow();
                    Thread.currentThread().interrupt();
                }
            }
            String saved = "";
            if (started && serverChannel != null && config.stateFile().isPresent()) {
                try {
                    saveState();
                    saved = "; state saved to " + config.stateFile().get();
                } catch (RuntimeException e) {
                    saved = "; state NOT saved: " + e.getMessage();
                }
            }
            if (workers != null) {
                workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
            }
            if (started && serverChannel != null) {
                log.info("tracker stopped ({} swarms, {} peers{})", registry.swarmCount(), registry.peerCount(), saved);
            }
        } finally {
            closedLatch.countDown();
        }
    }

    /** For logs and tests: how long maintenance waits between sweeps. */
    static Duration sweepEvery(TrackerConfig config) {
        return Duration.ofMillis(Math.max(1000, Math.min(config.peerTimeout().toMillis() / 4, 15_000)));
    }
}
