package org.murder.orchestrator.zk;

/** The ZooKeeper layout (below the chroot): agents, jobs and each host's report on a job. */
public final class ZkPaths {
    public static final String AGENTS = "/agents";
    public static final String JOBS = "/jobs";
    public static final String LOCKS = "/locks";
    public static final String RELEASES = "/releases";

    private ZkPaths() {
    }

    public static String agent(String name) {
        return AGENTS + "/" + name;
    }

    public static String job(String id) {
        return JOBS + "/" + id;
    }

    public static String hosts(String jobId) {
        return job(jobId) + "/hosts";
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

    /** The job id of a path {@code /jobs/<id>}, or null for any other path. */
    public static String jobIdOf(String path) {
        if (!path.startsWith(JOBS + "/")) {
            return null;
        }
        String rest = path.substring(JOBS.length() + 1);
        return rest.isEmpty() || rest.contains("/") ? null : rest;
    }

    /** The host of a path {@code /jobs/<id>/hosts/<host>}, or null. */
    public static String hostOf(String jobId, String path) {
        String prefix = hosts(jobId) + "/";
        if (!path.startsWith(prefix)) {
            return null;
        }
        String rest = path.substring(prefix.length());
        return rest.isEmpty() || rest.contains("/") ? null : rest;
    }
}
