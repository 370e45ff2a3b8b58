package org.murder.orchestrator.deploy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.murder.core.MurderException;
import org.murder.core.metainfo.MetaInfo;
import org.murder.peer.engine.Engine;
import org.murder.peer.engine.EngineConfig;
import org.murder.peer.engine.SessionListener;
import org.murder.peer.engine.SessionOptions;
import org.murder.peer.storage.Storage;
import org.murder.tracker.TrackerConfig;
import org.murder.tracker.TrackerServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the deploy host serves while hosts download a release: a tracker the torrent announces to
 * (one embedded here, this machine's murder tracker, or an external one, where the torrent is
 * registered over HTTP) and the seeder of the archive. {@link #close()} stops the seeder and the
 * embedded tracker, whatever was started.
 */
final class OriginServices implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OriginServices.class);

    private final Clock clock;
    private final DeployMetrics metrics;
    /** The embedded tracker, null when the tracker runs elsewhere. */
    private final TrackerServer tracker;
    private final String announce;
    /** Where a tracker that is not embedded registers torrents (its announce URL; its /whitelist is beside it). */
    private final String registerAt;
    private Engine seeder;
    /** The release this deploy seeds, once {@link #seed} has it running. */
    private volatile org.murder.peer.engine.Torrent seeded;
    /** The address hosts reach the seeder at ({@code --advertise}), once it listens. */
    private String advertise;

    private OriginServices(Clock clock, DeployMetrics metrics, TrackerServer tracker, String announce, String registerAt) {
        this.clock = clock;
        this.metrics = metrics;
        this.tracker = tracker;
        this.announce = announce;
        this.registerAt = registerAt;
    }

    /**
     * For a new deploy: {@code --tracker URL} when given, else the murder tracker already listening on
     * {@code --tracker-port} (the murder-tracker service), else a tracker embedded on that port.
     */
    static OriginServices forDeploy(DeployRequest req, Clock clock, DeployMetrics metrics) {
        if (req.externalTracker().isPresent()) {
            return new OriginServices(clock, metrics, null, req.externalTracker().get(), req.externalTracker().get());
        }
        Optional<RunningTracker.Found> running = req.trackerPort() == 0 ? Optional.empty()
                : RunningTracker.probe(req.bind(), req.trackerPort());
        if (running.isPresent()) {
            refuseEmbedded(running.get(), "deploy: --tracker-port " + req.trackerPort(), "the murder-tracker service on this host"
                    + " for deploys at once, or another --tracker-port for this one");
            // the deploy host's murder-tracker service: hosts announce to it, the torrent is registered from here
            LOG.info("using the murder tracker already listening on port {} (the murder-tracker service?); --tracker URL names"
                    + " another", req.trackerPort());
            return new OriginServices(clock, metrics, null, announceFor(req).orElseThrow(), running.get().announce());
        }
        TrackerServer tracker;
        try {
            tracker = TrackerServer.start(TrackerConfig.builder().bind(req.bind()).port(req.trackerPort()).open(false)
                    .embeddedIn(owner(req.tag())).build(), clock);
        } catch (MurderException e) {
            throw MurderException.failure("deploy: embedded tracker: " + e.getMessage() + " (expected: a free --tracker-port,"
                    + " a murder tracker on that port to use, or --tracker URL of a running tracker)", e);
        }
        String url = announceAt(req.advertise(), tracker.port());
        return new OriginServices(clock, metrics, tracker, url, url);
    }

    /**
     * The announce URL {@link #forDeploy} will give, known before any tracker starts: {@code --tracker URL}, or
     * this machine's tracker port at the advertised address; empty with {@code --tracker-port 0} (the port
     * an embedded tracker gets is known once it listens).
     */
    static Optional<String> announceFor(DeployRequest req) {
        if (req.externalTracker().isPresent()) {
            return req.externalTracker();
        }
        return req.trackerPort() == 0 ? Optional.empty() : Optional.of(announceAt(req.advertise(), req.trackerPort()));
    }

    private static String announceAt(String advertise, int port) {
        return "http://" + (advertise.contains(":") ? "[" + advertise + "]" : advertise) + ":" + port + "/announce"; // IPv6 in brackets
    }

    /**
     * For a resumed deploy, where its torrent announces ({@code announce}): this machine's murder
     * tracker when one listens on that port, else a tracker embedded on that port (on {@code bind})
     * when the URL names this machine, else the tracker the URL names.
     */
    static OriginServices forTorrent(String announce, String tag, String bind, Clock clock, DeployMetrics metrics) {
        URI url = URI.create(announce);
        Optional<RunningTracker.Found> running = RunningTracker.probe("127.0.0.1", url.getPort());
        if (running.isPresent()) {
            // the torrent names the port: no other one will do
            refuseEmbedded(running.get(), "deploy --resume: port " + url.getPort() + " of the job's tracker (" + announce + ")",
                    "that deploy ended first, or the murder-tracker service on this port");
            return new OriginServices(clock, metrics, null, announce, running.get().announce());
        }
        if (isLocal(url.getHost())) {
            TrackerServer tracker = TrackerServer.start(TrackerConfig.builder().bind(bind).port(url.getPort()).open(false)
                    .embeddedIn(owner(tag)).build(), clock);
            return new OriginServices(clock, metrics, tracker, announce, announce);
        }
        return new OriginServices(clock, metrics, null, announce, announce);
    }

    /** What an embedded tracker says it runs in: {@code murder deploy v42 (pid 123)}. */
    private static String owner(String tag) {
        return "murder deploy " + tag + " (pid " + ProcessHandle.current().pid() + ")";
    }

    /**
     * A tracker embedded in another deploy stops when that deploy ends, and hosts that announce to it after (a host
     * that restarts, or joins late) find nothing there: two deploys from one host at once lean on the murder-tracker
     * service, or each gets its own port.
     */
    private static void refuseEmbedded(RunningTracker.Found running, String where, String expected) {
        if (running.embeddedIn().isPresent()) {
            throw MurderException.failure(where + ": the tracker there is embedded in " + running.embeddedIn().get()
                    + " and stops when it ends (expected: " + expected + ")", null);
        }
    }

    /** The tracker embedded in this deploy, if it has one. */
    Optional<TrackerServer> embeddedTracker() {
        return Optional.ofNullable(tracker);
    }

    /** The announce URL hosts reach the tracker at. */
    String announce() {
        return announce;
    }

    /** Lets the tracker serve {@code meta}'s swarm: on its whitelist, over HTTP when it is not embedded. */
    void register(MetaInfo meta) {
        if (tracker != null) {
            tracker.whitelist().register(meta.infoHash());
        } else {
            register(registerAt, meta);
        }
    }

    /**
     * Starts the seeder listening on the request's ports and address, with nothing to seed yet: a
     * range with no free port is refused before the release is packed, not after. Peers' racks
     * are judged by their proofs under {@code rackProofs} (null: taken as said).
     */
    void listen(DeployRequest req, org.murder.peer.engine.RackProofs rackProofs) throws IOException {
        if (seeder != null) {
            throw new IllegalStateException("listening already");
        }
        try {
            seeder = Engine.start(EngineConfig.builder().portRange(req.seederPorts()).announceIp(req.advertise())
                    .bindAddress(InetAddress.getByName(req.bind())).rackProofs(rackProofs).build(), clock);
        } catch (org.murder.peer.engine.NoFreePortException e) {
            throw MurderException.failure("deploy: --seeder-ports " + e.range() + ": every port is in use (expected: a range with a"
                    + " free port)", e);
        }
        metrics.seeding(seeder);
        advertise = req.advertise();
    }

    /**
     * Seeds {@code archive} on the seeder {@link #listen} started, its data checked before this
     * returns; with an embedded tracker, also waits (bounded) until the seed announced there.
     */
    Engine seed(MetaInfo meta, Path archive) throws Exception {
        return seed(meta, archive, false);
    }

    /**
     * {@link #seed}; {@code hashedHere}: this deploy hashed {@code archive} into {@code meta} moments ago, so it is not
     * read again (hosts verify every piece and the md5 all the same).
     */
    Engine seed(MetaInfo meta, Path archive, boolean hashedHere) throws Exception {
        if (seeder == null) {
            throw new IllegalStateException("not listening");
        }
        try {
            org.murder.peer.engine.Torrent torrent = seeder.add(meta, Storage.forSeeding(meta, archive),
                    hashedHere ? SessionOptions.seedHashedHere() : SessionOptions.seedForever(), SessionListener.NONE);
            torrent.completed().get(10, TimeUnit.MINUTES);
            seeded = torrent;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof MurderException me ? me
                    : MurderException.failure("seed " + archive + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw MurderException.failure("seed " + archive + ": not verified within 10 minutes", e);
        }
        if (tracker != null) {
            announceInProcess(tracker, meta);
            awaitSeedAnnounced(tracker, meta);
        }
        return seeder;
    }

    /**
     * Why the seed of the release stopped while the deploy goes on (its archive cut or written to while shared, see
     * {@code Storage.changedWhileShared}); empty while it serves, and before {@link #seed}.
     */
    Optional<String> seedFailure() {
        org.murder.peer.engine.Torrent t = seeded;
        if (t == null || t.state() != org.murder.peer.engine.SessionState.FAILED) {
            return Optional.empty();
        }
        return Optional.of(t.snapshot().error().orElse("stopped"));
    }

    /**
     * Puts the seeder in its embedded tracker's swarm at once, as its own first announce will (the same peer id,
     * address and port): that announce went through a client's first request in this JVM, 0.1 s on the way to the
     * job's publication. Only for an {@code --advertise} address of this machine, from which the seeder's own announce
     * then comes too (the tracker keys a peer by its id and the address it announces from); otherwise (a name, NAT, a
     * container) the seeder's announce is waited for as before.
     */
    private void announceInProcess(TrackerServer tracker, MetaInfo meta) {
        if (advertise == null || !org.murder.core.IpLiteral.is(advertise) || !isLocal(advertise)) {
            return; // the seeder's announce may come from another address (NAT, a container): one slot, its own
        }
        try {
            tracker.registry().announce(new org.murder.tracker.swarm.Announce(meta.infoHash(), seeder.peerId(),
                    InetAddress.getByName(advertise), seeder.port(), 0, 0, 0, org.murder.tracker.swarm.Event.STARTED, 0,
                    seeder.config().rack()));
        } catch (IOException | RuntimeException e) {
            LOG.debug("seeder not put in the tracker's swarm in-process ({}); waiting for its announce", e.toString());
        }
    }

    /** Hosts that announce before the seed would hear of no peer until their next announce: wait for it (bounded). */
    private static void awaitSeedAnnounced(TrackerServer tracker, MetaInfo meta) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (tracker.registry().scrape(meta.infoHash()).complete() < 1 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    static void register(String announceUrl, MetaInfo meta) {
        URI base = URI.create(announceUrl);
        URI register = base.resolve("/whitelist/" + meta.infoHash().toHex());
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(register)
                    .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200 && r.statusCode() != 201) {
                // the answer's first line, short and escaped: another server's whole HTML error page was the "one line"
                String body = r.body().strip();
                String first = body.lines().findFirst().orElse("");
                throw MurderException.failure("register " + meta.infoHash() + " at " + register + ": HTTP " + r.statusCode()
                        + (first.isEmpty() ? "" : " " + org.murder.core.Printable.escape(first, 200) + (body.length() > first.length()
                        ? " ..." : "")) + " (expected: a murder tracker started with --whitelist, which answers 200 or 201)", null);
            }
        } catch (IOException e) {
            throw MurderException.failure("register at " + register + ": " + org.murder.orchestrator.rollout.HookRunner.why(e)
                    + " (expected: the murder tracker of --tracker, listening there)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw MurderException.failure("interrupted", e);
        }
    }

    private static boolean isLocal(String host) {
        try {
            InetAddress a = InetAddress.getByName(host);
            return a.isLoopbackAddress() || a.isAnyLocalAddress() || NetworkInterface.getByInetAddress(a) != null;
        } catch (IOException e) {
            return false;
        }
    }

    /** Stops the seeder, then the embedded tracker. */
    @Override
    public void close() {
        try {
            if (seeder != null) {
                seeder.close();
            }
        } finally {
            if (tracker != null) {
                tracker.close();
            }
        }
    }
}
