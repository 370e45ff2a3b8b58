package org.murder.orchestrator.agent;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.murder.orchestrator.job.JobSigner;
import org.murder.orchestrator.rollout.WaveGate;
import org.murder.orchestrator.zk.ZkPaths;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits in ZooKeeper for the deployer's word: {@code /waves/JOB/N} lets wave N switch,
 * {@code /waves/JOB/stop} ends the rollout. Each node holds the job signer's signature of its own
 * path, so only the holder of the secret can release or stop a wave (a node without it is ignored
 * and logged). Watches, with a re-check every few seconds in case a watch is lost with a connection.
 */
final class ZkWaveGate implements WaveGate {
    private static final Logger LOG = LoggerFactory.getLogger(ZkWaveGate.class);
    private static final long RECHECK_MILLIS = 5_000;

    private final CuratorFramework zk;
    private final JobSigner signer;
    private final Clock clock;

    ZkWaveGate(CuratorFramework zk, JobSigner signer, Clock clock) {
        this.zk = zk;
        this.signer = signer;
        this.clock = clock;
    }

    @Override
    public void await(String jobId, int wave, long deadlineMillis) throws InterruptedException {
        String go = ZkPaths.wave(jobId, wave);
        String stop = ZkPaths.wavesStop(jobId);
        boolean warned = false;
        while (true) {
            CountDownLatch changed = new CountDownLatch(1);
            if (signed(stop, changed)) {
                throw new RolloutStopped("not activated: the deploy stopped the rollout before wave " + (wave + 1));
            }
            if (signed(go, changed)) {
                return;
            }
            long left = deadlineMillis - clock.millis();
            if (left <= 0) {
                throw new RolloutStopped("not activated: wave " + (wave + 1) + " was not released by the job's deadline");
            }
            if (!warned) {
                LOG.info("[job={}] unpacked; waiting for wave {}", jobId, wave + 1);
                warned = true;
            }
            changed.await(Math.min(left, RECHECK_MILLIS), TimeUnit.MILLISECONDS);
        }
    }

    /** Whether {@code path} exists with a good signature; sets a watch that counts {@code changed} down. */
    private boolean signed(String path, CountDownLatch changed) {
        try {
            if (zk.checkExists().usingWatcher((org.apache.zookeeper.Watcher) e -> changed.countDown()).forPath(path) == null) {
                return false;
            }
            String signature = new String(zk.getData().forPath(path), StandardCharsets.US_ASCII).strip();
            if (signer.verifyText(path, signature)) {
                return true;
            }
            LOG.warn("{}: not signed with this agent's secret: ignored", path);
            return false;
        } catch (org.apache.zookeeper.KeeperException.NoNodeException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RolloutStopped("interrupted");
        } catch (Exception e) {
            LOG.info("{}: {}; retrying", path, e.toString());
            return false;
        }
    }
}
