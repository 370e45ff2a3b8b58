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
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(JobStore.class);
    /** A job and what each host reported. */
    public record JobStatus(Job job, Map<String, HostReport> reports) {
        public long count(String state) {
            return reports.values().stream().filter(r -> r.state().equals(state)).count();
        }

        /** The job's hosts without a done or failed report. */
        public long unfinishedHosts() {
            return job.hosts().stream().filter(h -> reports.get(h) == null || !reports.get(h).isFinished()).count();
        }

        /**
         * Every host of the job, in the job's order, as it stands at {@code now}; {@code registered}
         * says whether a host's agent is registered now.
         */
        public List<HostLine> hostLines(long now, java.util.function.Predicate<String> registered) {
            List<HostLine> out = new ArrayList<>();
            for (String h : job.hosts()) {
                out.add(HostLine.of(h, reports.get(h), job.deadline(), now, () -> registered.test(h)));
            }
            return out;
        }

        /** How many of {@code lines} are in {@code state}. */
        public static long count(List<HostLine> lines, String state) {
            return lines.stream().filter(l -> l.state().equals(state)).count();
        }
    }

    /**
     * One host of a job as it stands: {@code state} is its report's when finished; unfinished past
     * the job's deadline it is {@link #TIMEOUT} (the agent gave the job up then); unfinished before
     * it, the report's state, or {@link #WAITING} when the host has not reported yet. {@code detail}
     * says why, in a few words: the report's error, how far it got, whether its agent is registered.
     */
    public record HostLine(String host, String state, String detail, HostReport report) {
        public static final String WAITING = "waiting";
        public static final String TIMEOUT = "timeout";

        /** {@code isRegistered} is asked only for a host not finished: at fleet size most are, and each answer is a read. */
        static HostLine of(String host, HostReport r, long deadline, long now, java.util.function.BooleanSupplier isRegistered) {
            if (r != null && r.isFinished()) {
                return new HostLine(host, r.state(), r.error(), r);
            }
            boolean registered = isRegistered.getAsBoolean();
            String where = HostReport.howFar(r);
            String agent = registered ? "" : "its agent is not registered now";
            if (now >= deadline) {
                return new HostLine(host, TIMEOUT, "not done by the deadline (" + where + ")" + (registered ? "" : "; " + agent), r);
            }
            if (r == null) {
                return new HostLine(host, WAITING, "no report yet" + (registered ? "" : "; " + agent), null);
            }
            return new HostLine(host, r.state(), agent, r);
        }

        /** Neither done nor failed nor timed out. */
        public boolean running() {
            return !(report != null && report.isFinished()) && !TIMEOUT.equals(state);
        }
    }

    /** Nodes under /jobs that are not jobs, told 10 a minute. */
    private static final org.murder.core.LogThrottle NOT_JOBS_LOG = new org.murder.core.LogThrottle(60_000, 10);
    private static final org.murder.core.LogThrottle UNREADABLE_LOG = new org.murder.core.LogThrottle(60_000, 10);
    private final CuratorFramework zk;
    /** Reads only the reports it signed (see ReportSeal); null: every report (no secret here). */
    private final JobSigner signer;

    public JobStore(CuratorFramework zk) {
        this(zk, null);
    }

    public JobStore(CuratorFramework zk, JobSigner signer) {
        this.zk = zk;
        this.signer = signer;
    }

    /** Host {@code h}'s report on job {@code id}; IllegalArgumentException when it is not one (see ReportSeal). */
    private HostReport report(String id, String h) throws Exception {
        String path = ZkPaths.host(id, h);
        return ReportSeal.readTakingAnyFailure(path, zk.getData().forPath(path), signer);
    }

    /**
     * The {@code limit} newest jobs with their reports; unreadable nodes are skipped. Only those
     * jobs' reports are read: at fleet size a job has thousands.
     */
    public List<JobStatus> list(int limit) throws Exception {
        List<JobStatus> out = new ArrayList<>();
        List<Job> newest = jobs();
        newest.sort(Comparator.comparingLong(Job::createdAt).reversed());
        for (Job job : newest.subList(0, Math.min(Math.max(0, limit), newest.size()))) {
            try {
                Map<String, HostReport> reports = new LinkedHashMap<>();
                String id = job.id();
                if (zk.checkExists().forPath(ZkPaths.hosts(id)) != null) {
                    for (String bucket : zk.getChildren().forPath(ZkPaths.hosts(id))) {
                        List<String> hosts;
                        try {
                            hosts = zk.getChildren().forPath(ZkPaths.hosts(id) + "/" + bucket);
                        } catch (KeeperException.NoNodeException | KeeperException.NoAuthException notOurs) {
                            continue; // gone, or made by a client without the secret: no reports of ours
                        }
                        for (String h : hosts) {
                            try {
                                reports.put(h, report(id, h));
                            } catch (KeeperException.NoNodeException | KeeperException.NoAuthException | IllegalArgumentException e) {
                                // not a report of ours: skipped (an unreadable one made 'murder jobs' fail whole)
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
        return nodes().stream().filter(n -> n.job() != null).map(Node::job).collect(java.util.stream.Collectors.toCollection(ArrayList::new));
    }

    /**
     * A node under {@code /jobs}: its name, its job (null when it is not a valid job whose id is its
     * name: anyone who can write there can put anything, and an id naming another job's node, or a
     * path, must not lead a listing or a prune there) and when ZooKeeper made it.
     */
    private record Node(String name, Job job, long madeMillis) {
    }

    /** Every node under {@code /jobs} (one removed meanwhile is skipped); each that is not a job is logged. */
    private List<Node> nodes() throws Exception {
        List<Node> out = new ArrayList<>();
        if (zk.checkExists().forPath(ZkPaths.JOBS) == null) {
            return out;
        }
        for (String id : zk.getChildren().forPath(ZkPaths.JOBS)) {
            org.apache.zookeeper.data.Stat stat = new org.apache.zookeeper.data.Stat();
            byte[] data;
            try {
                data = zk.getData().storingStatIn(stat).forPath(ZkPaths.job(id));
            } catch (KeeperException.NoNodeException e) {
                continue; // removed meanwhile
            } catch (KeeperException.NoAuthException e) { // an ACL that lets us not read it: not one of ours
                long heldBack = UNREADABLE_LOG.acquire(); // 20,000 of them printed 20,000 lines
                if (heldBack >= 0) {
                    LOG.warn("ignoring {}: not readable with murder's credentials (not a job of murder){}",
                            org.murder.core.Printable.escape(ZkPaths.job(id)), org.murder.core.LogThrottle.suffix(heldBack));
                }
                continue;
            }
            Job job = null;
            try {
                job = JobCodec.decode(data);
                job.validate();
                if (!job.id().equals(id)) {
                    throw new IllegalArgumentException("its id '" + job.id() + "' is not its node's name");
                }
            } catch (IllegalArgumentException e) {
                long heldBack = NOT_JOBS_LOG.acquire(); // thousands of nodes anyone made: a few lines, then a count
                if (heldBack >= 0) {
                    LOG.warn("ignoring {}: not a job of murder ({}); murder jobs --prune removes it once older than its AGE{}",
                            org.murder.core.Printable.escape(ZkPaths.job(id)), org.murder.core.Printable.escape(e.getMessage()),
                            org.murder.core.LogThrottle.suffix(heldBack));
                }
                job = null;
            }
            out.add(new Node(id, job, stat.getCtime()));
        }
        return out;
    }

    /** Whether every host of {@code job} has a done or failed report (reads them: only for old jobs before their deadline). */
    private boolean allFinished(Job job) throws Exception {
        for (String h : job.hosts()) {
            try {
                if (!report(job.id(), h).isFinished()) {
                    return false;
                }
            } catch (KeeperException.NoNodeException | IllegalArgumentException e) {
                return false;
            }
        }
        return true;
    }

    /**
     * The deploy jobs of {@code tag} whose deadline is after {@code nowMillis} and that some of
     * their hosts have not finished (no done or failed report): live on the agents, whoever
     * published them. Reads the jobs, and the reports of those of this tag only. With {@code signer},
     * a job it did not sign is none: agents never run it, and anyone who can write a node must not
     * block a tag with one.
     */
    public List<JobStatus> unfinished(String tag, long nowMillis, java.util.Optional<JobSigner> signer) throws Exception {
        List<JobStatus> out = new ArrayList<>();
        for (Job job : jobs()) {
            if (!job.isDeploy() || !tag.equals(job.tag()) || job.deadline() <= nowMillis) {
                continue;
            }
            if (signer.isPresent() && !signer.get().verify(job)) {
                LOG.warn("ignoring job {} of tag {}: not signed with this deploy's secret (agents do not run it)",
                        org.murder.core.Printable.escape(job.id()), org.murder.core.Printable.escape(tag));
                continue;
            }
            Map<String, HostReport> reports = new LinkedHashMap<>();
            for (String h : job.hosts()) {
                try {
                    reports.put(h, report(job.id(), h));
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

    /**
     * Deletes jobs created more than {@code ttl} ago, with their reports and wave nodes; returns how
     * many. A job whose deadline has not passed is kept whatever its age: agents may still run it,
     * and its deploy (or a --resume, a --continue) still needs it.
     */
    public int prune(Duration ttl, Clock clock) throws Exception {
        return prune(ttl, clock, java.util.Optional.empty());
    }

    /**
     * {@link #prune(Duration, Clock)}; with the job secret, a job not signed with it (agents ignore
     * it) goes at its age whatever deadline it claims, and so does one every host finished.
     */
    public int prune(Duration ttl, Clock clock, java.util.Optional<JobSigner> signer) throws Exception {
        int removed = 0;
        long now = clock.millis();
        long cutoff = now - ttl.toMillis();
        for (Node node : nodes()) { // the job nodes alone: their reports are deleted unread
            Job job = node.job();
            if (job == null) { // not a job: gone once ZooKeeper made it longer ago than the cutoff, with what is below it
                if (node.madeMillis() < cutoff && deleteJob(node.name())) { // with its reports and waves, if any
                    removed++;
                }
                continue;
            }
            if (job.createdAt() >= cutoff) {
                continue;
            }
            if (job.deadline() > now && signer.map(s -> s.verify(job)).orElse(true) && !allFinished(job)) {
                LOG.info("kept job {}, older than {}: live on the agents until {}", job.id(), org.murder.core.Durations.format(ttl),
                        java.time.Instant.ofEpochMilli(job.deadline()));
            } else if (deleteJob(job.id())) {
                removed++;
            }
        }
        return removed;
    }

    /**
     * Deletes job {@code id}'s reports, its rollout's wave nodes and its node; false (a warning) when ZooKeeper
     * refuses: a node someone made below it with an ACL that keeps murder out can only go with the credentials
     * it was made with, and must not stop the pruning of every other job.
     */
    private boolean deleteJob(String id) throws Exception {
        try {
            zk.delete().quietly().deletingChildrenIfNeeded().forPath(ZkPaths.hosts(id));
            zk.delete().quietly().deletingChildrenIfNeeded().forPath(ZkPaths.waves(id));
            zk.delete().quietly().deletingChildrenIfNeeded().forPath(ZkPaths.job(id));
            return true;
        } catch (KeeperException.NoAuthException | KeeperException.NotEmptyException refused) {
            long heldBack = NOT_JOBS_LOG.acquire();
            if (heldBack >= 0) {
                LOG.warn("cannot delete job {}: {} refused ({}: a node below it was made with an ACL that lets murder not delete"
                        + " it; delete it with the credentials it was made with){}", org.murder.core.Printable.escape(id),
                        org.murder.core.Printable.escape(String.valueOf(refused.getPath())), refused.code(),
                        org.murder.core.LogThrottle.suffix(heldBack));
            }
            return false;
        }
    }
}
