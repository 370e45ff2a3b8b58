package org.murder.orchestrator.deploy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.murder.core.MurderException;
import org.murder.core.Printable;
import org.murder.orchestrator.job.AgentInfo;
import org.murder.orchestrator.job.HostReport;
import org.murder.orchestrator.job.Job;
import org.murder.orchestrator.job.JobCodec;
import org.murder.orchestrator.job.JobSigner;
import org.murder.orchestrator.job.Json;
import org.murder.orchestrator.zk.ZkPaths;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ZooKeeper nodes a deploy reads and writes outside following a job: the registered agents,
 * the release records that keep tags immutable, the signed jobs and the signed wave nodes.
 */
final class JobNodes {
    private static final Logger LOG = LoggerFactory.getLogger(JobNodes.class);
    /** Registrations that are not agents', told 10 a minute. */
    private static final org.murder.core.LogThrottle NOT_AGENTS_LOG = new org.murder.core.LogThrottle(60_000, 10);
    /** The largest job published: ZooKeeper's default jute.maxbuffer is 1 MB, with room for the packet around it. */
    static final int MAX_JOB_BYTES = 900_000;

    private final CuratorFramework zk;
    private final JobSigner signer;
    private final Clock clock;

    JobNodes(CuratorFramework zk, JobSigner signer, Clock clock) {
        this.zk = zk;
        this.signer = signer;
        this.clock = clock;
    }

    /** A node murder's credentials may not read: not an agent's; skipped (it stopped every deploy and 'murder agents'). */
    private static void unreadable(String path) {
        long heldBack = NOT_AGENTS_LOG.acquire();
        if (heldBack >= 0) {
            LOG.warn("{}: not readable with murder's credentials (made by a client without the job secret); skipped{}",
                    org.murder.core.Printable.escape(path), org.murder.core.LogThrottle.suffix(heldBack));
        }
    }

    /** The agents registered now, sorted by name (every bucket of {@code /agents}). */
    List<AgentInfo> agents() {
        return registrations(data -> true).stream().map(ListedAgent::info).toList();
    }

    /** Every agent's registration, with whether {@code signed} says its node's data carries the job secret's signature. */
    List<ListedAgent> registrations(java.util.function.Predicate<byte[]> signed) {
        try {
            List<ListedAgent> agents = new ArrayList<>();
            if (zk.checkExists().forPath(ZkPaths.AGENTS) == null) {
                return agents;
            }
            for (String bucket : zk.getChildren().forPath(ZkPaths.AGENTS)) {
                if (!ZkPaths.isBucket(bucket)) {
                    LOG.warn("{}/{}: not a bucket of agents (an agent of a murder before 2026-12, which registered at"
                            + " /agents/NAME? upgrade it: this deploy does not see it)", ZkPaths.AGENTS, bucket);
                    continue;
                }
                List<String> names;
                try {
                    names = zk.getChildren().forPath(ZkPaths.AGENTS + "/" + bucket);
                } catch (KeeperException.NoNodeException gone) {
                    continue;
                } catch (KeeperException.NoAuthException notOurs) {
                    unreadable(ZkPaths.AGENTS + "/" + bucket);
                    continue;
                }
                for (String name : names) {
                    if (!bucket.equals(ZkPaths.bucket(name))) { // read at its own bucket, it would be listed twice
                        long heldBack = NOT_AGENTS_LOG.acquire();
                        if (heldBack >= 0) {
                            LOG.warn("{}/{}/{}: not in its bucket {}; skipped{}", ZkPaths.AGENTS, bucket, name, ZkPaths.bucket(name),
                                    org.murder.core.LogThrottle.suffix(heldBack));
                        }
                        continue;
                    }
                    try {
                        org.apache.zookeeper.data.Stat stat = new org.apache.zookeeper.data.Stat();
                        byte[] data = zk.getData().storingStatIn(stat).forPath(ZkPaths.agent(name));
                        AgentInfo info = Json.read(data, AgentInfo.class);
                        if (!org.murder.orchestrator.zk.Zk.isRegistration(stat)) {
                            long heldBack = NOT_AGENTS_LOG.acquire();
                            if (heldBack >= 0) {
                                LOG.warn("{}: a persistent node, not an agent's registration; skipped{}", ZkPaths.agent(name),
                                        org.murder.core.LogThrottle.suffix(heldBack));
                            }
                            continue;
                        }
                        if (!name.equals(info.name())) { // an agent registers under its own name: another node naming it is not it
                            long heldBack = NOT_AGENTS_LOG.acquire();
                            if (heldBack >= 0) {
                                LOG.warn("{}: names agent '{}' (expected: '{}', its node's name); skipped{}", ZkPaths.agent(name),
                                        org.murder.core.Printable.escape(String.valueOf(info.name())), org.murder.core.Printable.escape(name),
                                        org.murder.core.LogThrottle.suffix(heldBack));
                            }
                            continue;
                        }
                        agents.add(new ListedAgent(info, signed.test(data)));
                    } catch (KeeperException.NoNodeException gone) {
                        // left between the listing and the read
                    } catch (KeeperException.NoAuthException notOurs) { // made by a client without the secret, on a tree
                        unreadable(ZkPaths.agent(name));                // of an earlier murder that let anyone add nodes
                    } catch (IllegalArgumentException bad) {
                        long heldBack = NOT_AGENTS_LOG.acquire(); // thousands of nodes anyone made: a few lines, then a count
                        if (heldBack >= 0) {
                            LOG.warn("{}: {}{}", ZkPaths.agent(name), bad.getMessage(), org.murder.core.LogThrottle.suffix(heldBack));
                        }
                    }
                }
            }
            agents.sort(Comparator.comparing(a -> a.info().name()));
            return agents;
        } catch (Exception e) {
            throw MurderException.failure("list " + ZkPaths.AGENTS + ": " + e.getMessage(), e);
        }
    }

    /** Tags are immutable: the same tag with other bytes is refused, so no host mixes two builds under one name. */
    void recordRelease(String tag, String md5, long size) throws Exception {
        String path = ZkPaths.release(tag);
        byte[] record = (md5 + " " + size + " " + clock.millis()).getBytes(StandardCharsets.US_ASCII);
        try {
            zk.create().creatingParentContainersIfNeeded().forPath(path, record);
        } catch (KeeperException.NodeExistsException e) {
            String known = new String(zk.getData().forPath(path), StandardCharsets.US_ASCII).split(" ")[0];
            if (!known.equals(md5)) {
                throw MurderException.badInput("--tag " + tag + ": deployed before with md5 " + known + ", this build has md5 "
                        + md5 + " (expected: a new tag for new bytes; tags are immutable. The same tree packed by an earlier"
                        + " murder or with another --compress gives other bytes: deploy the archive of the first deploy instead)");
            }
        }
    }

    /** Refuses a job too large to publish, before anything is published. */
    void checkSize(Job job) {
        int bytes = JobCodec.encode(job).length;
        if (bytes > MAX_JOB_BYTES) {
            // ZooKeeper refuses a node over jute.maxbuffer (1 MB) with a lost connection, not a reason
            throw MurderException.failure("job " + job.id() + ": " + bytes + " bytes (expected: at most " + MAX_JOB_BYTES
                    + ", well under ZooKeeper's 1 MB node limit; the torrent travels in the job: deploy a ready archive instead"
                    + " of a directory, whose torrent has about 1,500 pieces and no frame list)", null);
        }
    }

    /**
     * Publishes signed {@code job} (gzipped when large, see JobCodec): its reports node and waves
     * node first (agents may answer the moment the job exists), then the job. Each create is idempotent: a create
     * ZooKeeper applied whose reply was lost (a member dying or cut off between the commit and the reply) is retried by
     * Curator, and found there with our bytes; it ended the deploy with NodeExistsException while its job ran on without
     * a seeder, and the operator had no job id to resume.
     */
    void publish(Job job) throws Exception {
        checkSize(job);
        byte[] jobBytes = JobCodec.encode(job);
        zk.create().idempotent().creatingParentContainersIfNeeded().forPath(ZkPaths.hosts(job.id()), new byte[0]);
        if (job.rolloutOrNone().hasWaves()) {
            zk.create().idempotent().creatingParentContainersIfNeeded().forPath(ZkPaths.waves(job.id()), new byte[0]);
        }
        zk.create().idempotent().creatingParentContainersIfNeeded().forPath(ZkPaths.job(job.id()), jobBytes);
    }

    /** Deploy job {@code id}, read back: valid and signed with this secret, or a one-line error saying why not. */
    Job readSigned(String id) throws Exception {
        if (!Job.ID.matcher(id).matches()) {
            throw MurderException.badInput("job id '" + Printable.escape(id) + "' (expected: a job id as 'murder jobs' lists it)");
        }
        byte[] data;
        try {
            data = zk.getData().forPath(ZkPaths.job(id));
        } catch (KeeperException.NoNodeException e) {
            throw MurderException.badInput("job " + id + ": no such job in ZooKeeper (expected: one 'murder jobs' lists)");
        }
        Job job;
        try {
            job = JobCodec.decode(data);
            job.validate();
        } catch (IllegalArgumentException e) {
            throw MurderException.failure("job " + id + ": " + e.getMessage(), e);
        }
        if (!signer.verify(job)) {
            throw MurderException.failure("job " + id + ": not signed with this secret (expected: the secret of the deploy that"
                    + " published it)", null);
        }
        if (!job.id().equals(id)) { // a signed job copied under another name: its agents report under its own id
            throw MurderException.failure("job " + id + ": holds job " + Printable.escape(job.id()) + " (expected: a job node named by"
                    + " its job's id, as deploy publishes it)", null);
        }
        if (!job.isDeploy()) {
            throw MurderException.badInput("job " + id + ": a rollback (expected: a deploy job)");
        }
        return job;
    }

    /**
     * How many of {@code hosts} have not finished job {@code id}: no done or failed report while
     * their agent is registered (an agent gone counts as finished: the deploy gives it up).
     */
    long unfinishedOf(String id, List<String> hosts) throws Exception {
        long unfinished = 0;
        for (String h : hosts) {
            HostReport r;
            try {
                r = org.murder.orchestrator.job.ReportSeal.readTakingAnyFailure(ZkPaths.host(id, h), zk.getData().forPath(ZkPaths.host(id, h)), signer);
            } catch (org.apache.zookeeper.KeeperException.NoNodeException | IllegalArgumentException none) {
                r = null;
            }
            if ((r == null || !r.isFinished()) && registered(h)) {
                unfinished++;
            }
        }
        return unfinished;
    }

    /** Whether agent {@code host} is registered (see Zk#isRegistration). */
    private boolean registered(String host) throws Exception {
        return org.murder.orchestrator.zk.Zk.isRegistration(zk.checkExists().forPath(ZkPaths.agent(host)));
    }

    /** How many waves of job {@code id} the deployer released ({@code /waves/JOB/N} nodes). */
    int releasedWaves(String id) throws Exception {
        if (zk.checkExists().forPath(ZkPaths.waves(id)) == null) {
            return 0;
        }
        int released = 0;
        for (String child : zk.getChildren().forPath(ZkPaths.waves(id))) {
            if (child.matches("\\d{1,6}") && isSigned(ZkPaths.waves(id) + "/" + child)) {
                released = Math.max(released, Integer.parseInt(child) + 1);
            }
        }
        return released;
    }

    /** Whether the rollout of job {@code id} was stopped (a wave failed, or the deadline cut it off). */
    boolean wavesStopped(String id) throws Exception {
        return isSigned(ZkPaths.wavesStop(id));
    }

    /**
     * Whether {@code path} holds the signature of its own path (without a signer: whether it exists). A node
     * anyone wrote is not the deployer's word: agents ignore it, and so does the deploy (one named the next
     * wave released, and the deploy never released it).
     */
    private boolean isSigned(String path) throws Exception {
        byte[] data;
        try {
            data = zk.getData().forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return false;
        }
        return signer == null || signer.verifyText(path, new String(data == null ? new byte[0] : data, StandardCharsets.US_ASCII));
    }

    /**
     * A node holding the signature of its own path: agents take the deployer's word only with the secret.
     * One there already keeps its data when signed (released already: a resumed deploy), else gets the signature.
     */
    void signedNode(String path) throws Exception {
        byte[] signature = signer.signText(path).getBytes(StandardCharsets.US_ASCII);
        for (int attempt = 0; attempt < 5; attempt++) { // bounded: a node made and removed under it by someone else
            try {
                zk.create().creatingParentContainersIfNeeded().forPath(path, signature);
                return;
            } catch (KeeperException.NodeExistsException e) {
                if (isSigned(path)) {
                    return;
                }
                LOG.warn("{}: not signed with this deploy's secret (someone else wrote it); signed now", path);
                try {
                    zk.setData().forPath(path, signature);
                    return;
                } catch (KeeperException.NoNodeException gone) {
                    // removed meanwhile: made again above
                }
            }
        }
        throw new IllegalStateException(path + ": made and removed by someone else 5 times while it was written");
    }
}
