package org.murder.orchestrator.agent;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.data.Stat;
import org.murder.orchestrator.job.AgentInfo;
import org.murder.orchestrator.job.HostReport;
import org.murder.orchestrator.job.Job;
import org.murder.orchestrator.job.JobCodec;
import org.murder.orchestrator.job.JobSigner;
import org.murder.orchestrator.job.Json;
import org.murder.orchestrator.zk.Zk;
import org.murder.orchestrator.zk.ZkPaths;
import org.murder.orchestrator.zk.ZkSettings;

/**
 * Many lightweight agents in one JVM, for the control-plane bench: each has its own Curator
 * session, and the agent's own registration, job watcher and reporter (with its report cadence);
 * only the download is simulated (progress over {@code --download-seconds}, then done, then the
 * upload figure after {@code --seed-seconds}). A job's node is decoded and its signature checked
 * once per JVM and shared (each agent still reads the node from ZooKeeper itself): on real hosts
 * each agent spends that CPU on its own machine.
 *
 * <p>Prints {@code ready N} once every agent is registered, {@code accepted N} once each of its N agents has
 * accepted a job (the harness's leader kill waits for it: see FleetControl). A line {@code expire} on stdin expires
 * every agent's ZooKeeper session (client side, as a partition would). On end of stdin it waits
 * (bounded) until every agent is registered under its current session, prints one line of JSON
 * with what happened ({@code starts}, {@code deliveries}, acceptance latencies, report writes,
 * sessions expired, agents registered) and exits.
 */
public final class SimulatedAgents {
    private record Parsed(Job job, boolean valid, Set<String> hosts) {
    }

    private final Map<String, Parsed> parsed = new ConcurrentHashMap<>();
    private final ScheduledExecutorService ticks = Executors.newScheduledThreadPool(4);
    private final AtomicLong starts = new AtomicLong();
    private final AtomicLong deliveries = new AtomicLong();
    private final AtomicLong finished = new AtomicLong();
    private final List<Long> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
    private final List<One> agents = java.util.Collections.synchronizedList(new ArrayList<>());
    private final JobSigner signer;
    private final long downloadMillis;
    private final long seedMillis;

    private SimulatedAgents(JobSigner signer, long downloadMillis, long seedMillis) {
        this.signer = signer;
        this.downloadMillis = downloadMillis;
        this.seedMillis = seedMillis;
    }

    /** One simulated agent. */
    private final class One {
        final String name;
        final CuratorFramework zk;
        final Set<String> known = ConcurrentHashMap.newKeySet();
        final AtomicInteger fleet = new AtomicInteger(1);
        Registration registration;
        Reporter reporter;
        JobWatcher watcher;

        One(String name, CuratorFramework zk) {
            this.name = name;
            this.zk = zk;
        }

        void start() throws Exception {
            reporter = new Reporter(zk, name, signer);
            AgentInfo info = new AgentInfo(name, "sim", "127.0.0.1", List.of("sim"), "6881-6889", "/srv/sim", "sim",
                    System.currentTimeMillis());
            registration = new Registration(zk, name, ZkPaths.agent(name), signer.signNode(Json.write(info)), fleet::get); // as agents sign it
            if (!registration.start(60_000)) {
                throw new IllegalStateException(name + ": not registered within 60 s");
            }
            watcher = new JobWatcher(zk, name, known::contains, this::onJob, fleet::get);
            watcher.start();
        }

        void onJob(String id, byte[] data, Stat stat) {
            deliveries.incrementAndGet();
            Parsed p = parsed.computeIfAbsent(id + "@" + stat.getCzxid(), k -> { // one decode per JVM (see the class comment)
                Parsed first = parse(data);
                System.out.println("seen " + id); // the harness waits for its warm-up job's
                System.out.flush();
                return first;
            });
            if (!p.valid() || !p.hosts().contains(name)) {
                known.add(id);
                return;
            }
            if (!known.add(id)) {
                return;
            }
            Job job = p.job();
            long now = System.currentTimeMillis();
            latencies.add(now - job.createdAt());
            if (starts.incrementAndGet() == agents.size()) {
                System.out.println("accepted " + agents.size());
                System.out.flush();
            }
            int hosts = job.hosts().size();
            fleet.set(hosts);
            String path = ZkPaths.host(job.id(), name);
            HostReport accepted = HostReport.accepted(job.size(), now);
            reporter.offer(path, accepted, hosts);
            reporter.offer(path, accepted.progress(0, 0, 0), hosts);
            long took = (long) (downloadMillis * (0.95 + 0.1 * ThreadLocalRandom.current().nextDouble()));
            long rate = took == 0 ? job.size() : job.size() * 1000 / took;
            long begin = System.nanoTime();
            Runnable[] tick = new Runnable[1];
            tick[0] = () -> {
                long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
                if (elapsed >= took) {
                    HostReport done = accepted.progress(job.size(), rate, 8, job.size(), 0).done(System.currentTimeMillis(), "");
                    reporter.offer(path, done, hosts);
                    finished.incrementAndGet();
                    ticks.schedule(() -> reporter.offer(path, done.withUploaded(job.size()), hosts), seedMillis, TimeUnit.MILLISECONDS);
                    return;
                }
                long bytes = job.size() * elapsed / Math.max(1, took);
                reporter.offer(path, accepted.progress(bytes, rate, 8, bytes, bytes / 2), hosts);
                ticks.schedule(tick[0], Math.min(1000, took - elapsed), TimeUnit.MILLISECONDS);
            };
            ticks.schedule(tick[0], Math.min(1000, took), TimeUnit.MILLISECONDS);
        }

        void close() {
            watcher.close();
            reporter.close();
            registration.close();
            zk.close();
        }
    }

    private Parsed parse(byte[] data) {
        try {
            Job job = JobCodec.decode(data);
            job.validate();
            return new Parsed(job, signer.verify(job), new HashSet<>(job.hosts()));
        } catch (RuntimeException e) {
            System.err.println("job node not a valid job: " + e);
            return new Parsed(null, false, Set.of());
        }
    }

    private static boolean sleep(long millis) throws InterruptedException {
        Thread.sleep(millis); // a bounded poll of ZooKeeper, at the end of the run
        return true;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new java.util.HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opts.put(args[i], args[i + 1]);
        }
        String connect = opts.getOrDefault("--zk", "127.0.0.1:2181");
        int count = Integer.parseInt(opts.getOrDefault("--count", "100"));
        String prefix = opts.getOrDefault("--prefix", "sim-");
        SimulatedAgents sim = new SimulatedAgents(new JobSigner(System.getenv("MURDER_SECRET")),
                Long.parseLong(opts.getOrDefault("--download-seconds", "10")) * 1000,
                Long.parseLong(opts.getOrDefault("--seed-seconds", "2")) * 1000);
        // as real agents: credentials derived from the job secret, the only ones that may add nodes under a deploy's
        ZkSettings settings = ZkSettings.of(connect).withTimeouts(
                Duration.ofSeconds(Long.parseLong(opts.getOrDefault("--session-seconds", "30"))), Duration.ofSeconds(60))
                .guardedBy(org.murder.orchestrator.cli.ZkOptions.credentialsOf(new JobSigner(System.getenv("MURDER_SECRET"))));
        ExecutorService starting = Executors.newFixedThreadPool(4);
        List<Future<?>> started = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String name = String.format("%s%05d", prefix, i);
            started.add(starting.submit(() -> {
                One one = sim.new One(name, Zk.connect(settings));
                one.start();
                sim.agents.add(one);
                return null;
            }));
        }
        for (Future<?> f : started) {
            f.get(5, TimeUnit.MINUTES);
        }
        starting.shutdown();
        System.out.println("ready " + count);
        System.out.flush();
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String command;
        int expired = 0;
        while ((command = stdin.readLine()) != null) { // until the harness closes our stdin
            if (command.equals("expire")) {
                // every agent's session expires at once, as a partition of their rack would make it
                synchronized (sim.agents) {
                    for (One a : sim.agents) {
                        a.zk.getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();
                        expired++;
                    }
                }
            }
        }
        // each agent registered again under its own (new) session, within a bound
        long registered = 0;
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        do {
            registered = 0;
            synchronized (sim.agents) {
                for (One a : sim.agents) {
                    try {
                        Stat st = a.zk.checkExists().forPath(ZkPaths.agent(a.name));
                        if (st != null && st.getEphemeralOwner() == a.zk.getZookeeperClient().getZooKeeper().getSessionId()) {
                            registered++;
                        }
                    } catch (Exception e) {
                        // not yet
                    }
                }
            }
        } while (registered < count && System.nanoTime() < until && sleep(500));
        long writes;
        synchronized (sim.agents) {
            writes = sim.agents.stream().mapToLong(a -> a.reporter.writes()).sum();
        }
        Map<String, Object> stats = new java.util.LinkedHashMap<>();
        stats.put("agents", count);
        stats.put("starts", sim.starts.get());
        stats.put("finished", sim.finished.get());
        stats.put("deliveries", sim.deliveries.get());
        stats.put("reportWrites", writes);
        stats.put("expired", expired);
        stats.put("registered", registered);
        synchronized (sim.latencies) {
            stats.put("latenciesMs", new ArrayList<>(sim.latencies));
        }
        System.out.println(new String(Json.write(stats), StandardCharsets.UTF_8));
        System.out.flush();
        ExecutorService closing = Executors.newFixedThreadPool(8);
        synchronized (sim.agents) {
            sim.agents.forEach(a -> closing.execute(a::close));
        }
        closing.shutdown();
        closing.awaitTermination(60, TimeUnit.SECONDS);
        System.exit(0);
    }
}
