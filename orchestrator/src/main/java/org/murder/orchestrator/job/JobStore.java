package org.murder.orchestrator.job;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.murder.orchestrator.zk.ZkPaths;

/** Reads jobs and their host reports back, and removes jobs past their time to live. */
public final class JobStore {
    /** A job and what each host reported. */
    public record JobStatus(Job job, Map<String, HostReport> reports) {
        public long count(String state) {
            return reports.values().stream().filter(r -> r.state().equals(state)).count();
        }

        /** The job's hosts without a done or failed report. */
        public long unfinishedHosts() {
            return job.hosts().stream().filter(h -> reports.get(h) == null || !reports.get(h).isFinished()).count();
        }
    }

    private final CuratorFramework zk;

    public JobStore(CuratorFramework zk) {
        this.zk = zk;
    }

    /** Every job, newest first; unreadable nodes are skipped. */
    public List<JobStatus> list() throws Exception {
        List<JobStatus> out = new ArrayList<>();
        for (Job job : jobs()) {
            try {
                Map<String, HostReport> reports = new LinkedHashMap<>();
                String id = job.id();
                if (zk.checkExists().forPath(ZkPaths.hosts(id)) != null) {
                    for (String bucket : zk.getChildren().forPath(ZkPaths.hosts(id))) {
                        for (String h : zk.getChildren().forPath(ZkPaths.hosts(id) + "/" + bucket)) {
                            try {
                                reports.put(h, Json.read(zk.getData().forPath(ZkPaths.host(id, h)), HostReport.class));
                            } catch (KeeperException.NoNodeException | IllegalArgumentException e) {
                                // not a report of ours: skipped
                            }
                        }
                    }
                }
                out.add(new JobStatus(job, reports));
            } catch (KeeperException.NoNodeException e) {
                // removed meanwhile
            }
        }
        out.sort(Comparator.comparingLong((JobStatus s) -> s.job().createdAt()).reversed());
        return out;
    }

    /** Every job node that reads as a job: one removed meanwhile, or not ours, is skipped. */
    private List<Job> jobs() throws Exception {
        List<Job> out = new ArrayList<>();
        if (zk.checkExists().forPath(ZkPaths.JOBS) == null) {
            return out;
        }
        for (String id : zk.getChildren().forPath(ZkPaths.JOBS)) {
            try {
                out.add(JobCodec.decode(zk.getData().forPath(ZkPaths.job(id))));
            } catch (KeeperException.NoNodeException | IllegalArgumentException e) {
                // removed meanwhile, or not ours
            }
        }
        return out;
    }

    /**
     * The deploy jobs of {@code tag} whose deadline is after {@code nowMillis} and that some of
     * their hosts have not finished (no done or failed report): live on the agents, whoever
     * published them. Reads the jobs, and the reports of those of this tag only.
     */
    public List<JobStatus> unfinished(String tag, long nowMillis) throws Exception {
        List<JobStatus> out = new ArrayList<>();
        for (Job job : jobs()) {
            if (!job.isDeploy() || !tag.equals(job.tag()) || job.deadline() <= nowMillis) {
                continue;
            }
            Map<String, HostReport> reports = new LinkedHashMap<>();
            for (String h : job.hosts()) {
                try {
                    reports.put(h, Json.read(zk.getData().forPath(ZkPaths.host(job.id(), h)), HostReport.class));
                } catch (KeeperException.NoNodeException | IllegalArgumentException e) {
                    // not reported yet, or not a report of ours
                }
            }
            JobStatus status = new JobStatus(job, reports);
            if (status.unfinishedHosts() > 0) {
                out.add(status);
            }
        }
        return out;
    }

    /** Deletes jobs created more than {@code ttl} ago, with their reports and wave nodes; returns how many. */
    public int prune(Duration ttl, Clock clock) throws Exception {
        int removed = 0;
        long cutoff = clock.millis() - ttl.toMillis();
        for (JobStatus s : list()) {
            if (s.job().createdAt() < cutoff) {
                zk.delete().quietly().deletingChildrenIfNeeded().forPath(ZkPaths.hosts(s.job().id()));
                zk.delete().quietly().deletingChildrenIfNeeded().forPath(ZkPaths.waves(s.job().id())); // a rollout's signed wave nodes
                zk.delete().quietly().deletingChildrenIfNeeded().forPath(ZkPaths.job(s.job().id()));
                removed++;
            }
        }
        return removed;
    }
}
