package org.murder.orchestrator.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.murder.orchestrator.job.HostReport;
import org.murder.orchestrator.job.Job;
import org.murder.orchestrator.job.JobSigner;
import org.murder.orchestrator.job.Json;
import org.murder.orchestrator.zk.Zk;
import org.murder.orchestrator.zk.ZkPaths;
import org.murder.orchestrator.zk.ZkSettings;

/**
 * Job fan-out: N lightweight agents, each with its own ZooKeeper session and a CuratorCache on
 * /jobs, do what an agent does on a job (parse, verify the signature, check the target, write
 * {@code accepted}); a publisher writes R jobs one after another. Prints p50/p99/max of
 * job-written to accepted-written, over every agent and job.
 *
 * usage: FanoutBench ZK_CONNECT AGENTS ROUNDS
 */
public final class FanoutBench {
    public static void main(String[] args) throws Exception {
        String connect = args[0];
        int agents = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        ZkSettings settings = ZkSettings.of(connect).withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(30));
        JobSigner signer = new JobSigner("fanout-bench-secret-0123456789");
        List<CuratorFramework> clients = new ArrayList<>();
        List<CuratorCache> caches = new ArrayList<>();
        ExecutorService connecting = Executors.newFixedThreadPool(16);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < agents; i++) {
            names.add(String.format(Locale.ROOT, "fan-%03d", i));
        }
        CuratorFramework publisher = Zk.connect(settings);
        publisher.createContainers(ZkPaths.JOBS);
        long t0 = System.nanoTime();
        List<java.util.concurrent.Future<CuratorFramework>> futures = new ArrayList<>();
        for (int i = 0; i < agents; i++) {
            futures.add(connecting.submit(() -> Zk.connect(settings)));
        }
        for (java.util.concurrent.Future<CuratorFramework> f : futures) {
            clients.add(f.get());
        }
        connecting.shutdown();
        CountDownLatch initialized = new CountDownLatch(agents);
        for (int i = 0; i < agents; i++) {
            CuratorFramework zk = clients.get(i);
            String name = names.get(i);
            CuratorCache cache = CuratorCache.build(zk, ZkPaths.JOBS);
            cache.listenable().addListener(CuratorCacheListener.builder().forCreates(node -> {
                String id = ZkPaths.jobIdOf(node.getPath());
                if (id == null) {
                    return;
                }
                Job job = Json.read(node.getData(), Job.class);
                if (!signer.verify(job) || !job.hosts().contains(name)) {
                    return;
                }
                try {
                    zk.create().orSetData().creatingParentContainersIfNeeded().forPath(ZkPaths.host(id, name),
                            Json.write(HostReport.accepted(job.size(), System.currentTimeMillis())));
                } catch (Exception e) {
                    System.err.println(name + ": " + e);
                }
            }).forInitialized(initialized::countDown).build());
            cache.start();
            caches.add(cache);
        }
        if (!initialized.await(120, TimeUnit.SECONDS)) {
            throw new IllegalStateException("agents did not start within 120 s");
        }
        System.out.printf(Locale.ROOT, "# %d agents connected and watching in %.1f s%n", agents, (System.nanoTime() - t0) / 1e9);

        List<Long> latencies = new ArrayList<>();
        // round 0 warms up each agent's code path (class loading, JIT) as a long-running agent already is; not counted
        for (int r = -1; r < rounds; r++) {
            String id = "fanout-" + System.nanoTime();
            long created = System.currentTimeMillis();
            Job job = signer.sign(Job.builder().id(id).tag("fanout").torrent("ZA==").md5("0123456789abcdef0123456789abcdef").size(1)
                    .keep(1).hosts(names).selector("--hosts fan-*").createdAt(created).deadline(created + 60_000).build());
            publisher.create().forPath(ZkPaths.job(id), Json.write(job));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (reports(publisher, id) < agents) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("round " + r + ": not every agent accepted within 30 s");
                }
                Thread.sleep(20);
            }
            long worst = 0;
            for (String name : names) {
                HostReport report = Json.read(publisher.getData().forPath(ZkPaths.host(id, name)), HostReport.class);
                long latency = report.startedAt() - created;
                worst = Math.max(worst, latency);
                if (r >= 0) {
                    latencies.add(latency);
                }
            }
            System.out.printf(Locale.ROOT, "  job %2d%s: last agent accepted after %d ms%n", r + 1, r < 0 ? " (warm-up)" : "", worst);
            publisher.delete().deletingChildrenIfNeeded().forPath(ZkPaths.job(id));
            publisher.delete().deletingChildrenIfNeeded().forPath(ZkPaths.hosts(id));
        }
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf(Locale.ROOT, "job written -> accepted, %d agents x %d jobs (after 1 warm-up job): p50 %d ms, p99 %d ms, max %d ms (target: p99 <= 500 ms)%n",
                agents, rounds, sorted[sorted.length / 2], sorted[(int) Math.ceil(sorted.length * 0.99) - 1], sorted[sorted.length - 1]);
        System.out.println("p99 <= 500 ms: " + (sorted[(int) Math.ceil(sorted.length * 0.99) - 1] <= 500 ? "yes" : "NO")
               );
        caches.forEach(CuratorCache::close);
        clients.forEach(CuratorFramework::close);
        publisher.close();
    }

    /** Reports stored for job {@code id} (in all buckets). */
    static int reports(CuratorFramework zk, String id) throws Exception {
        if (zk.checkExists().forPath(ZkPaths.hosts(id)) == null) {
            return 0;
        }
        int n = 0;
        for (String bucket : zk.getChildren().forPath(ZkPaths.hosts(id))) {
            try {
                n += zk.getChildren().forPath(ZkPaths.hosts(id) + "/" + bucket).size();
            } catch (org.apache.zookeeper.KeeperException.NoNodeException gone) {
                // removed meanwhile
            }
        }
        return n;
    }
}
