package org.murder.orchestrator.agent;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.murder.core.metainfo.MetaInfo;
import org.murder.orchestrator.job.HostReport;
import org.murder.orchestrator.job.Job;
import org.murder.orchestrator.job.JobCodec;
import org.murder.orchestrator.job.JobSigner;
import org.murder.orchestrator.job.Json;
import org.murder.peer.engine.LoopbackTrade;

/**
 * What {@code murder agent} does once at start, before it registers: a deploy's own steps on a small
 * release of its own, in this process. A job is signed, encoded, decoded and verified with the agent's
 * secret; its torrent is parsed; the release moves over loopback from one engine to two others,
 * which trade pieces between them too, and is checked piece by piece and by md5
 * ({@link LoopbackTrade}, which {@code murder peer --warm-up} runs too); reports are written and
 * read back.
 *
 * <p>Why: the first deploy to a freshly started agent was the one that loaded and compiled all of
 * that, and on a busy host (or many agents on few cores) it paid for it in wall time. In
 * {@code bench/swarm.sh} (16 agents on 2 cores, 128 MiB) a deploy to fresh agents took 1.49-1.57 x
 * F/C against 1.30-1.31 to the same agents warm: they took 1.4-1.7 s to accept the job (0.2 s warm)
 * and 3.5-4.4 s to start downloading (0.5-0.7 s warm); with the warm-up, 1.33-1.36. It also shows,
 * before the agent joins, that this host can hash and move bytes through the engine.
 *
 * <p>It never stops the agent: a failure (a firewalled loopback, a full temporary directory) is
 * thrown for a warning, and the first deploy is merely slower. Nothing is left behind: the
 * scratch directory is removed and the engines closed whatever happens (a directory left by a
 * killed agent is removed by a later warm-up once it is {@link LoopbackTrade#STALE} old).
 */
public final class WarmUp {
    /** The warm-up release: 32 pieces of 256 KiB (LoopbackTrade.PIECE), 512 blocks to each download. */
    static final int BYTES = 8 << 20;

    /**
     * What the warm-up did: the bytes both downloads received, those the two sent each other, and
     * how long it all took.
     */
    public record Result(long bytes, long traded, Duration took) {
    }

    private WarmUp() {
    }

    /**
     * Runs the warm-up in a new directory under {@code scratchParent}; throws (for a warning) if a
     * step fails or the seeder's check and the transfer are not done within {@code limit} (closing
     * the engines may take a few seconds more).
     */
    public static Result run(JobSigner signer, Path scratchParent, Clock clock, Duration limit) throws Exception {
        long started = System.nanoTime();
        Path scratch = LoopbackTrade.newScratch(scratchParent, clock);
        try {
            Path downloadDir = scratch.resolve("download");
            LoopbackTrade.Release release = LoopbackTrade.release(scratch, BYTES, clock);
            Job job = signedJob(signer, release, downloadDir, clock);
            MetaInfo meta = MetaInfo.parse(Base64.getDecoder().decode(job.torrent()));
            long now = clock.millis();
            HostReport accepted = roundTrip(HostReport.accepted(job.size(), now));
            LoopbackTrade.Moved moved = LoopbackTrade.trade(meta, job.md5(), release.file(), downloadDir, clock, limit);
            roundTrip(accepted.progress(moved.verified(), 0, 1, moved.downloaded(), 0).done(clock.millis(), ""));
            return new Result(moved.downloaded(), moved.traded(), Duration.ofNanos(System.nanoTime() - started));
        } finally {
            LoopbackTrade.removeScratch(scratch);
        }
    }

    /** The job a deployer would publish for {@code release}, through the codec and the signature check an agent applies. */
    private static Job signedJob(JobSigner signer, LoopbackTrade.Release release, Path dest, Clock clock) {
        long now = clock.millis();
        Job job = signer.sign(Job.builder().id(Job.newId("warm-up", now)).type(Job.DEPLOY).tag("warm-up")
                .torrent(Base64.getEncoder().encodeToString(release.torrent())).md5(release.md5()).size(BYTES)
                .dest(dest.toString()).seedSeconds(0).activate(false).keep(1).hosts(List.of("warm-up")).createdAt(now)
                .deadline(now + 60_000).build());
        Job decoded = JobCodec.decode(JobCodec.encode(job));
        decoded.validate();
        if (!signer.verify(decoded)) {
            throw new IllegalStateException("warm-up: a job signed here does not verify here");
        }
        return decoded;
    }

    private static HostReport roundTrip(HostReport report) {
        return Json.read(Json.write(report), HostReport.class);
    }
}
