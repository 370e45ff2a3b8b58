package org.murder.orchestrator.zk;

/** The ZooKeeper layout (below the chroot): agents, jobs, each host's report on a job, tag records and locks. */
public final class ZkPaths {
    public static final String AGENTS = "/agents";
    public static final String JOBS = "/jobs";
    public static final String LOCKS = "/locks";
    /**
     * Hosts locked by deploys and rollbacks that switch their current release, one node per deploy
     * ({@code set-<sequence>}, see DeployLock), beside the tag locks (a tag may be "host-locks").
     */
    public static final String HOST_LOCKS = "/host-locks";
    public static final String RELEASES = "/releases";
    /**
     * Host reports live beside the jobs, not below them: agents cache {@code /jobs} and would
     * otherwise receive every other host's progress report (H squared reads per second).
     */
    public static final String REPORTS = "/reports";
    /**
     * A random id made by the first agent: which ensemble (and chroot) czxids come from. Jobs'
     * generations are only compared within one ensemble: a rebuilt one counts from low numbers again.
     */
    public static final String ENSEMBLE_ID = "/ensemble-id";
    /**
     * The name agents give an ephemeral sequential node, for a moment, to learn the ensemble's transaction id now
     * (see Agent#zxidNow): right in the chroot, not in a container of its own that anyone could make first with an
     * ACL that keeps agents out.
     */
    public static final String ZXID_PROBE = "/zxid-probe-";
    /** {@code /waves/JOB/N} (wave N may switch) and {@code /waves/JOB/stop}, each holding the job signer's signature of its path. */
    public static final String WAVES = "/waves";

    private ZkPaths() {
    }

    public static String waves(String jobId) {
        return WAVES + "/" + jobId;
    }

    public static String wave(String jobId, int wave) {
        return waves(jobId) + "/" + wave;
    }

    /** An operator's {@code murder deploy --continue}: wave N (0-based) of a paused rollout may go. */
    public static String waveApproval(String jobId, int wave) {
        return waves(jobId) + "/approve-" + wave;
    }

    public static String wavesStop(String jobId) {
        return waves(jobId) + "/stop";
    }

    /**
     * Agents and reports are grouped into {@value #BUCKETS} buckets by name, so that no node has
     * more than a small share of a fleet as children: a {@code getChildren} answer for 10,000 hosts
     * of 128-character names would be 1.3 MB, over ZooKeeper's 1 MB {@code jute.maxbuffer}; a
     * bucket's is about 20 KB.
     */
    public static final int BUCKETS = 64;

    /** The bucket of an agent's name: two hex digits, {@code 00} to {@code 3f}. */
    public static String bucket(String name) {
        return String.format("%02x", Math.floorMod(name.hashCode(), BUCKETS));
    }

    /** True for a child of {@code /agents} or {@code /reports/JOB} that is a bucket. */
    public static boolean isBucket(String child) {
        return child.length() == 2 && Character.digit(child.charAt(0), 16) >= 0 && Character.digit(child.charAt(1), 16) >= 0
                && Integer.parseInt(child, 16) < BUCKETS;
    }

    public static String agent(String name) {
        return AGENTS + "/" + bucket(name) + "/" + name;
    }

    public static String job(String id) {
        return JOBS + "/" + id;
    }

    public static String hosts(String jobId) {
        return REPORTS + "/" + jobId;
    }

    public static String host(String jobId, String host) {
        return hosts(jobId) + "/" + bucket(host) + "/" + host;
    }

    /** The md5 a tag was first deployed with. */
    public static String release(String tag) {
        return RELEASES + "/" + tag;
    }

    public static String lock(String tag) {
        return LOCKS + "/" + tag;
    }

    /** The job id of a path {@code /jobs/<id>}, or null for any other path. */
    public static String jobIdOf(String path) {
        if (!path.startsWith(JOBS + "/")) {
            return null;
        }
        String rest = path.substring(JOBS.length() + 1);
        return rest.isEmpty() || rest.contains("/") ? null : rest;
    }

}
