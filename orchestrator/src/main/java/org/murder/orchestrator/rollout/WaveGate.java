package org.murder.orchestrator.rollout;

/** Where a host with the release unpacked waits for its wave. */
public interface WaveGate {
    /** A gate that is always open: a deploy without waves. */
    WaveGate OPEN = (jobId, wave, deadlineMillis) -> { };

    /**
     * Returns once wave {@code wave} of job {@code jobId} may switch; throws
     * {@link RolloutStopped} when the deployer stopped the rollout, or the job's deadline passed.
     */
    void await(String jobId, int wave, long deadlineMillis) throws InterruptedException;

    /** The rollout ended before this host's wave. */
    final class RolloutStopped extends RuntimeException {
        public RolloutStopped(String message) {
            super(message);
        }
    }
}
