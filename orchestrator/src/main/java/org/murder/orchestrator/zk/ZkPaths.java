package org.murder.orchestrator.zk;

/** The ZooKeeper layout (below the chroot): agents, jobs, each host's report on a job, tag records and locks. */
public final class ZkPaths {
    public static final String AGENTS = "/agents";
    public static final String JOBS = "/jobs";
    public static final String LOCKS = "/locks";
    /** Hosts locked by a deploy or rollback that switches their current release (beside the tag locks: a tag may be "hosts"). */
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

    public static String agent(String name) {
        return AGENTS + "/" + name;
    }

    public static String job(String id) {
        return JOBS + "/" + id;
    }

    public static String hosts(String jobId) {
        return REPORTS + "/" + jobId;
    }

    public static String host(String jobId, String host) {
        return hosts(jobId) + "/" + host;
    }

    /** The md5 a tag was first deployed with. */
    public static String release(String tag) {
        return RELEASES + "/" + tag;
    }

    public static String lock(String tag) {
        return LOCKS + "/" + tag;
    }

    public static String hostLock(String agent) {
        return HOST_LOCKS + "/" + agent;
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
