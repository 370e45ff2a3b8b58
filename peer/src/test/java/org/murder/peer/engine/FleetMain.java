package org.murder.peer.engine;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.murder.core.PortRange;
import org.murder.core.RackName;
import org.murder.core.metainfo.MetaInfo;
import org.murder.peer.storage.Storage;

/**
 * One JVM of {@code bench/fleet.sh}: many real engines, each listening on and dialling from its own
 * loopback address (which the bench shapes with tc), announcing that address to the tracker.
 *
 * <pre>
 * FleetMain --torrent T --work DIR --hosts ADDR[@RACK],ADDR[@RACK],... [--seed FILE] [--max-peers N]
 *           [--md5 HEX] [--timeout SECONDS]
 * </pre>
 *
 * A host written {@code ADDR@RACK} announces that rack (the engine's {@code --rack}) and proves it
 * to its peers under one key for the whole fleet, as agents do under the job secret.
 *
 * Protocol with the script, on stdout: {@code ready N} once every engine listens; the JVM then
 * waits for {@code DIR/go} (holding the start time in epoch milliseconds) and adds the torrent to
 * every engine at that time; {@code done ADDR MS} as each host completes, {@code all-done} when
 * all have; it keeps seeding until {@code DIR/stop} exists (or the timeout), then prints
 * {@code host ADDR DONE_MS DOWNLOADED UPLOADED} for each (DONE_MS -1: not complete) and exits.
 * With {@code --seed FILE} every engine seeds FILE instead (the origin).
 */
public final class FleetMain {
    private static final RackProofs FLEET_KEY = RackProofs.keyedBy("bench/fleet.sh's rack proofs".getBytes(java.nio.charset.StandardCharsets.US_ASCII));

    private FleetMain() {
    }

    public static void main(String[] args) throws Exception {
        Path torrent = null;
        Path work = null;
        Path seedFile = null;
        List<String> addresses = new ArrayList<>();
        int maxPeers = 100;
        Optional<String> md5 = Optional.empty();
        long timeoutS = 600;
        for (int i = 0; i + 1 < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--torrent" -> torrent = Path.of(v);
                case "--work" -> work = Path.of(v);
                case "--seed" -> seedFile = Path.of(v);
                case "--hosts" -> addresses.addAll(List.of(v.split(",")));
                case "--max-peers" -> maxPeers = Integer.parseInt(v);
                case "--md5" -> md5 = Optional.of(v);
                case "--timeout" -> timeoutS = Long.parseLong(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (torrent == null || work == null || addresses.isEmpty() || args.length % 2 != 0) {
            System.err.println("usage: FleetMain --torrent T --work DIR --hosts ADDR,... [--seed FILE] [--max-peers N] [--md5 HEX]"
                    + " [--timeout S]");
            System.exit(2);
        }
        PrintStream out = System.out;
        MetaInfo meta = MetaInfo.read(torrent);
        List<Engine> engines = new ArrayList<>();
        EngineThreads threads = EngineThreads.create(2, 2); // shared: two event loops for all the engines of this JVM
        for (int i = 0; i < addresses.size(); i++) {
            String[] host = addresses.get(i).split("@", 2);
            addresses.set(i, host[0]);
            InetAddress address = InetAddress.getByName(host[0]);
            EngineConfig.Builder config = EngineConfig.builder().portRange(new PortRange(6881, 6889)).bindAddress(address)
                    .announceIp(host[0]).maxConnections(maxPeers);
            if (host.length == 2) {
                config.rack(new RackName(host[1])).rackProofs(FLEET_KEY); // as agents, which key them with the job secret
            }
            engines.add(Engine.start(config.build(), Clock.systemUTC(), threads));
        }
        say(out, "ready " + engines.size());
        long deadline = System.currentTimeMillis() + timeoutS * 1000;
        final long startAt = waitForGo(work.resolve("go"), deadline);
        final boolean seeding = seedFile != null;
        Thread.sleep(Math.max(0, startAt - System.currentTimeMillis()));

        long[] doneAt = new long[engines.size()];
        java.util.Arrays.fill(doneAt, -1);
        CountDownLatch allDone = new CountDownLatch(engines.size());
        List<Torrent> torrents = new ArrayList<>();
        for (int i = 0; i < engines.size(); i++) {
            Storage storage = seedFile != null ? Storage.forSeeding(meta, seedFile)
                    : Storage.forDownload(meta, Files.createDirectories(work.resolve("h").resolve(addresses.get(i))));
            SessionOptions options = seedFile != null ? SessionOptions.seedForever()
                    : SessionOptions.download(md5, Optional.of(Duration.ofSeconds(timeoutS)));
            Torrent t = engines.get(i).add(meta, storage, options, SessionListener.NONE);
            torrents.add(t);
            int host = i;
            (seeding ? java.util.concurrent.CompletableFuture.completedFuture(null) : t.completed()).whenComplete((ok, e) -> {
                if (e == null) {
                    doneAt[host] = System.currentTimeMillis() - startAt;
                    if (!seeding) {
                        say(out, "done " + addresses.get(host) + " " + doneAt[host]);
                    }
                } else {
                    say(out, "failed " + addresses.get(host) + " " + e.getMessage());
                }
                allDone.countDown();
            });
        }
        if (allDone.await(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS)) {
            say(out, "all-done");
        }
        Path stop = work.resolve("stop");
        while (!Files.exists(stop) && System.currentTimeMillis() < deadline) {
            Thread.sleep(50); // the script's signal: a file (bounded by the timeout)
        }
        for (int i = 0; i < engines.size(); i++) {
            try {
                Snapshot s = torrents.get(i).stop().get(30, TimeUnit.SECONDS);
                long fromOtherRacks = torrents.get(i).stats().downloadedFromOtherRacks();
                say(out, String.format(Locale.ROOT, "host %s %d %d %d %d", addresses.get(i), doneAt[i], s.downloaded(), s.uploaded(),
                        fromOtherRacks));
            } catch (Exception e) {
                say(out, String.format(Locale.ROOT, "host %s %d -1 -1 -1", addresses.get(i), doneAt[i]));
            }
        }
        for (Engine e : engines) {
            e.close();
        }
        threads.close();
        System.exit(0);
    }

    private static long waitForGo(Path go, long deadline) throws IOException, InterruptedException {
        while (System.currentTimeMillis() < deadline) {
            if (Files.exists(go)) {
                String s = Files.readString(go).trim();
                if (!s.isEmpty()) {
                    return Long.parseLong(s);
                }
            }
            Thread.sleep(20); // the script's signal: a file (bounded by the timeout)
        }
        throw new IllegalStateException("no " + go + " within the timeout");
    }

    private static void say(PrintStream out, String line) {
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }
}
