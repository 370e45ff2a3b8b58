package org.murder.orchestrator.deploy;

/**
 * Who holds a deploy lock, stored as the lock node's JSON.
 *
 * @param host             the deploy host's name
 * @param pid              the deploy process
 * @param processStart     when that process started (epoch milliseconds; 0 unknown): tells a reused pid apart
 * @param what             what it runs, like "deploy v42" or "rollback v42"
 * @param since            when it took the lock (epoch milliseconds)
 * @param heartbeat        when it last said it is alive (epoch milliseconds)
 * @param sessionTimeoutMs its ZooKeeper session timeout: the ephemeral node goes at most this long after the holder stopped
 */
public record LockHolder(String host, long pid, long processStart, String what, long since, long heartbeat, long sessionTimeoutMs) {
    public LockHolder {
        host = host == null ? "" : host;
        what = what == null ? "" : what;
    }

    LockHolder beating(long now) {
        return new LockHolder(host, pid, processStart, what, since, now, sessionTimeoutMs);
    }

    /** True when this holder is a process of {@code localHost} that is no longer running. */
    boolean isDeadProcessOn(String localHost) {
        if (!host.equals(localHost) || pid <= 0) {
            return false;
        }
        return ProcessHandle.of(pid)
                .map(p -> processStart > 0 && p.info().startInstant()
                        .map(t -> Math.abs(t.toEpochMilli() - processStart) > 1000).orElse(false))
                .orElse(true);
    }
}
